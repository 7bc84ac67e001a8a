"""Object storage for source films, HLS renditions, posters and subtitles.

Two backends implement :class:`Storage`: ``LocalStorage`` (a directory; the default)
and ``S3Storage`` (any S3-compatible service). :func:`build_storage` picks one from the
app config (``STORAGE_BACKEND`` = ``"local"`` or ``"s3"``):

* local: ``STORAGE_LOCAL_ROOT`` (default ``{INSTANCE_PATH}/media``), ``SECRET_KEY``,
  ``PUBLIC_URL`` (links go to ``{PUBLIC_URL}/media/...`` unless ``url_for_token`` is given).
* s3: ``S3_BUCKET``, ``S3_REGION`` (default ``us-east-1``), ``S3_ENDPOINT_URL`` (MinIO,
  R2, B2...), ``S3_ADDRESSING_STYLE`` (``auto``/``path``/``virtual``),
  ``S3_ACCESS_KEY_ID``, ``S3_SECRET_ACCESS_KEY``, ``S3_SESSION_TOKEN`` (keys may be left
  unset to use the environment or an instance role), ``S3_PART_CHECKSUMS`` (default on).

Choosing a part size for browser uploads
----------------------------------------
S3 allows at most 10,000 parts of 5 MiB to 5 GiB each (the last part may be smaller).
Use :func:`part_size_for` with the file's size: it returns the smallest whole number of
MiB that is at least 8 MiB and fits the file in 10,000 parts, so anything up to ~78 GiB
uses 8 MiB parts and a 50 GB film needs 5,961 of them. Fixed-size parts keep resumption
simple: part *n* covers bytes ``[(n-1)*size, n*size)``; re-sending a part replaces it.
The browser computes each part's CRC32 (:func:`crc32_checksum`), PUTs the part to
``sign_part(..., checksum)``'s URL with its headers, and the app finishes with
``complete_multipart(key, upload_id, [(n, etag), ...], checksums)``, the list rebuilt
from ``list_parts`` (storage is the record of what arrived). Abandoned uploads are found
with ``list_multipart_uploads()`` and aborted once ``initiated`` is over 24 hours old.

Wiring the local backend into the app
-------------------------------------
Local "signed URLs" point at two app routes. Both authenticate by token alone, so exempt
them from CSRF; the part route must accept bodies as large as a part (with Flask 3.1 set
``request.max_content_length`` inside it, since ``MAX_CONTENT_LENGTH`` is global)::

    @bp.put("/media/parts/<token>")
    def media_part(token):
        claims = storage.verify_token(token, "part")  # InvalidToken -> 403
        etag = storage.write_part(claims.key, claims.upload_id, claims.part_number,
                                  request.stream, claims.checksum)
        # UploadNotFound -> 404, ChecksumMismatch -> 400
        return "", 200, {"ETag": f'"{etag}"'}

    @bp.get("/media/objects/<token>")
    def media_object(token):
        served = storage.served_file(storage.verify_token(token, "object"))
        return send_file(served.path, mimetype=served.content_type, conditional=True,
                         as_attachment=served.filename is not None,
                         download_name=served.filename)  # conditional=True serves Range
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import keys
from .base import (
    CORS_CHECKSUM_HEADER,
    CORS_METHOD,
    CORS_NO_RULES,
    CORS_ORIGIN,
    DEFAULT_MIN_PART,
    MAX_PART_SIZE,
    MAX_PARTS,
    MIN_PART_SIZE,
    ChecksumMismatch,
    InvalidKey,
    InvalidPart,
    InvalidToken,
    MultipartUpload,
    ObjectInfo,
    ObjectNotFound,
    Part,
    SignedPart,
    Storage,
    StorageError,
    UploadNotFound,
    crc32_checksum,
    is_crc32_checksum,
    part_size_for,
)
from .local import LocalStorage, ServedFile, UrlForToken, media_url_builder
from .tokens import TokenClaims

__all__ = [
    "CORS_CHECKSUM_HEADER",
    "CORS_METHOD",
    "CORS_NO_RULES",
    "CORS_ORIGIN",
    "DEFAULT_MIN_PART",
    "MAX_PARTS",
    "MAX_PART_SIZE",
    "MIN_PART_SIZE",
    "ChecksumMismatch",
    "InvalidKey",
    "InvalidPart",
    "InvalidToken",
    "LocalStorage",
    "MultipartUpload",
    "ObjectInfo",
    "ObjectNotFound",
    "Part",
    "ServedFile",
    "SignedPart",
    "Storage",
    "StorageError",
    "TokenClaims",
    "UploadNotFound",
    "build_storage",
    "crc32_checksum",
    "is_crc32_checksum",
    "keys",
    "part_size_for",
]


def build_storage(config: Mapping[str, Any], url_for_token: UrlForToken | None = None) -> Storage:
    """Create the storage backend selected by ``STORAGE_BACKEND`` (default ``local``)."""
    backend = str(config.get("STORAGE_BACKEND") or "local").lower()
    if backend == "s3":
        from .s3 import S3Storage  # boto3 is only imported when S3 is used

        return S3Storage(
            str(config.get("S3_BUCKET") or ""),
            region=str(config.get("S3_REGION") or "us-east-1"),
            endpoint_url=config.get("S3_ENDPOINT_URL") or None,
            addressing_style=str(config.get("S3_ADDRESSING_STYLE") or "auto"),
            access_key=config.get("S3_ACCESS_KEY_ID") or None,
            secret_key=config.get("S3_SECRET_ACCESS_KEY") or None,
            session_token=config.get("S3_SESSION_TOKEN") or None,
            part_checksums=bool(config.get("S3_PART_CHECKSUMS", True)),
        )
    if backend == "local":
        root = config.get("STORAGE_LOCAL_ROOT") or Path(
            config.get("INSTANCE_PATH") or "instance", "media"
        )
        if url_for_token is None:
            public_url = str(config.get("PUBLIC_URL") or "").rstrip("/")
            url_for_token = media_url_builder(f"{public_url}/media")
        secret = config.get("SECRET_KEY")
        if not secret:
            raise StorageError("SECRET_KEY is required to sign media links.")
        return LocalStorage(root, secret_key=secret, url_for_token=url_for_token)
    raise StorageError("STORAGE_BACKEND must be 'local' or 's3'.")
