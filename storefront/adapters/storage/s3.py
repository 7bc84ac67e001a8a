"""S3-compatible storage (AWS S3, MinIO, Cloudflare R2, Backblaze B2) through boto3.

Only plain S3 calls are used. Objects are never given a public ACL: viewers read them
through short-lived presigned URLs, signed in bulk by :mod:`.sigv4`.

Browser uploads are created with CRC32 part checksums (``part_checksums``): each part URL
signs the part's ``x-amz-checksum-crc32`` header, so storage refuses bytes damaged or
changed on the way, and completion names every part's checksum. Services without
additional checksums (Backblaze B2's S3 API) turn this off.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, cast
from urllib.parse import urlsplit

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from .base import (
    CHECKSUM_HEADER,
    ObjectInfo,
    ObjectNotFound,
    StorageError,
    check_key,
    check_prefix,
    content_disposition,
    cors_problem_in,
    cors_rules,
    part_size_for,
)
from .s3_errors import translate_errors as _translate
from .s3_multipart import S3Multipart
from .sigv4 import Credentials, SigV4Presigner, s3_base_url

_SESSION_LOCK = threading.Lock()
_PROBE_KEY = "storefront-base-url-probe"


@lru_cache(maxsize=1)
def _shared_session() -> boto3.session.Session:
    """One boto3 session per process: service models are loaded once, not per client."""
    return boto3.session.Session()


class S3Storage(S3Multipart):
    """Storage in one S3 bucket; see :class:`.base.Storage` for the contract."""

    def __init__(
        self,
        bucket: str,
        *,
        region: str = "us-east-1",
        endpoint_url: str | None = None,
        addressing_style: str = "auto",
        access_key: str | None = None,
        secret_key: str | None = None,
        session_token: str | None = None,
        max_pool_connections: int = 32,
        part_checksums: bool = True,
    ) -> None:
        if not bucket:
            raise StorageError("No storage bucket is configured.")
        if addressing_style not in ("auto", "path", "virtual"):
            raise StorageError("The addressing style must be auto, path or virtual.")
        self.bucket = bucket
        self.region = region
        self.part_checksums = part_checksums
        self._static = (
            Credentials(access_key, secret_key, session_token or None)
            if access_key and secret_key
            else None
        )
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": addressing_style},
            retries={"mode": "standard", "max_attempts": 5},
            # Server-side calls send checksums only where S3 requires them: several
            # S3-compatible services reject the newer default CRC headers on PutObject.
            # Browser parts are checksummed explicitly (``part_checksums``).
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            connect_timeout=10,
            read_timeout=60,
            max_pool_connections=max_pool_connections,
        )
        # Without explicit keys boto3's usual chain applies (environment, instance role).
        with _SESSION_LOCK:  # creating clients from one session is not thread-safe
            self.client = _shared_session().client(
                "s3",
                region_name=region,
                endpoint_url=endpoint_url or None,
                aws_access_key_id=access_key or None,
                aws_secret_access_key=secret_key or None,
                aws_session_token=session_token or None,
                config=config,
            )
        self.base_url = self._resolve_base_url(endpoint_url, addressing_style)
        self._presigner: SigV4Presigner | None = None

    # -- presigning ---------------------------------------------------------------------

    def _resolve_base_url(self, endpoint_url: str | None, style: str) -> str:
        """Ask botocore (offline) where objects live so fast URLs use the same host."""
        url = self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": _PROBE_KEY}, ExpiresIn=60
        )
        base = url.split("?", 1)[0]
        if base.endswith("/" + _PROBE_KEY):
            return base[: -len(_PROBE_KEY)]
        return s3_base_url(self.bucket, self.region, endpoint_url, style)

    def browser_origins(self) -> list[str]:
        """The origin of presigned links: pages fetch posters, segments and parts there."""
        parts = urlsplit(self.base_url)
        return [f"{parts.scheme}://{parts.netloc}"]

    def presigner(self) -> SigV4Presigner:
        """A presigner for the current credentials (rebuilt when temporary ones rotate)."""
        current = self._static
        if current is None:
            creds = _shared_session().get_credentials()
            if creds is None:
                raise StorageError("Storage credentials are not configured.")
            frozen = creds.get_frozen_credentials()
            current = Credentials(frozen.access_key, frozen.secret_key, frozen.token)
        presigner = self._presigner
        if presigner is None or presigner.credentials != current:
            presigner = SigV4Presigner(current, self.region, self.base_url)
            self._presigner = presigner
        return presigner

    def signed_get_url(
        self,
        key: str,
        expires_in: int,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> str:
        """A short-lived GET URL (Range requests work); ``filename`` makes it a download."""
        check_key(key)
        params: list[tuple[str, str]] = []
        if content_type:
            params.append(("response-content-type", content_type))
        if filename:
            params.append(("response-content-disposition", content_disposition(filename)))
        return self.presigner().presign_get(key, expires_in, params=params)

    def signed_get_urls(self, keys: Iterable[str], expires_in: int) -> list[str]:
        """Short-lived GET URLs for many keys at once (HLS segments)."""
        return self.presigner().presign_get_many([check_key(key) for key in keys], expires_in)

    # -- objects ------------------------------------------------------------------------

    def put(self, key: str, data: bytes | BinaryIO, content_type: str) -> ObjectInfo:
        """Store bytes or a readable stream (streams go through the transfer manager)."""
        check_key(key)
        with _translate():
            if isinstance(data, bytes | bytearray | memoryview):
                response = self.client.put_object(
                    Bucket=self.bucket, Key=key, Body=bytes(data), ContentType=content_type
                )
                return ObjectInfo(len(data), str(response["ETag"]).strip('"'))
            self.client.upload_fileobj(
                data, self.bucket, key, ExtraArgs={"ContentType": content_type}
            )
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        return ObjectInfo(int(head["ContentLength"]), str(head["ETag"]).strip('"'))

    def get(self, key: str) -> bytes:
        """The whole object (for small objects: playlists, subtitles, posters)."""
        with self.open(key) as body, _translate():
            return body.read()

    def open(self, key: str) -> BinaryIO:
        """A streaming, closable reader over the object."""
        check_key(key)
        with _translate():
            response = self.client.get_object(Bucket=self.bucket, Key=key)
        return cast(BinaryIO, response["Body"])

    def download_to(
        self, key: str, path: str | Path, on_progress: Callable[[int], None] | None = None
    ) -> None:
        """Download with parallel ranged GETs; the file appears only when complete.

        ``on_progress`` is called with the bytes received so far (from transfer threads).
        """
        check_key(key)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        callback = None
        if on_progress is not None:
            lock, received = threading.Lock(), [0]

            def callback(chunk: int) -> None:  # boto3 reports each chunk's size
                with lock:
                    received[0] += chunk
                    on_progress(received[0])

        with _translate():
            self.client.download_file(self.bucket, key, os.fspath(path), Callback=callback)

    def upload_from(self, path: str | Path, key: str, content_type: str) -> None:
        """Upload a local file, in parallel parts sized by :func:`part_size_for`."""
        check_key(key)
        chunk = part_size_for(os.path.getsize(path))
        config = TransferConfig(multipart_threshold=chunk, multipart_chunksize=chunk)
        with _translate():
            self.client.upload_file(
                os.fspath(path),
                self.bucket,
                key,
                ExtraArgs={"ContentType": content_type},
                Config=config,
            )

    def delete(self, key: str) -> None:
        """Delete one object; deleting a missing object is not an error."""
        check_key(key)
        with _translate():
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object whose key starts with ``prefix``; returns how many."""
        check_prefix(prefix)
        deleted = 0
        with _translate():
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix
            )
            for page in pages:
                batch = [{"Key": item["Key"]} for item in page.get("Contents", [])]
                if not batch:
                    continue
                response = self.client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
                )
                if response.get("Errors"):
                    raise StorageError("Some files could not be deleted.")
                deleted += len(batch)
        return deleted

    def exists(self, key: str) -> bool:
        """Whether the object exists."""
        try:
            self.size(key)
        except ObjectNotFound:
            return False
        return True

    def size(self, key: str) -> int:
        """The object's size in bytes."""
        check_key(key)
        with _translate():
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        return int(head["ContentLength"])

    # -- operations ---------------------------------------------------------------------

    def ensure_ready(self) -> None:
        """Check the bucket exists and is writable (writes and deletes a probe object)."""
        with _translate(missing=StorageError):
            try:
                self.client.head_bucket(Bucket=self.bucket)
            except ClientError as exc:
                code = str(exc.response.get("Error", {}).get("Code", ""))
                if code in ("404", "NoSuchBucket", "NotFound"):
                    raise StorageError(f"The bucket {self.bucket!r} does not exist.") from exc
                raise
            probe = f".storefront/write-check-{uuid.uuid4().hex}"
            self.client.put_object(Bucket=self.bucket, Key=probe, Body=b"ok")
            self.client.delete_object(Bucket=self.bucket, Key=probe)

    def apply_cors(self, allowed_origins: Sequence[str]) -> None:
        """Allow browsers on ``allowed_origins`` to PUT parts and GET/HEAD objects."""
        rules = cors_rules(allowed_origins)
        with _translate():
            self.client.put_bucket_cors(Bucket=self.bucket, CORSConfiguration={"CORSRules": rules})

    def cors_problem(self, origin: str) -> str | None:
        """Why browsers on ``origin`` cannot PUT parts (a ``CORS_*`` code), or None.

        None also when the service has no CORS API to read (nothing can be said then).
        """
        try:
            rules = self.client.get_bucket_cors(Bucket=self.bucket).get("CORSRules", [])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "NoSuchCORSConfiguration":
                return None
            rules = []
        except BotoCoreError:
            return None
        headers = [CHECKSUM_HEADER] if self.part_checksums else []
        return cors_problem_in(rules, origin, headers)
