"""Multipart uploads in S3: created with CRC32 part checksums (``part_checksums``) so each
presigned part URL signs the part's ``x-amz-checksum-crc32`` header and storage refuses bytes
damaged or changed on the way; completion names every part's checksum.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC
from typing import Any

from .base import (
    MultipartUpload,
    ObjectInfo,
    Part,
    SignedPart,
    UploadNotFound,
    check_key,
    check_part_number,
    normalise_parts,
)
from .s3_errors import translate_errors as _translate


class S3Multipart:
    """The multipart half of :class:`.s3.S3Storage`, which sets these attributes."""

    bucket: str
    client: Any
    part_checksums: bool
    size: Callable[[str], int]

    def create_multipart(self, key: str, content_type: str) -> str:
        """Start a multipart upload (with CRC32 part checksums) and return its id."""
        check_key(key)
        extra: dict[str, Any] = {"ChecksumAlgorithm": "CRC32"} if self.part_checksums else {}
        with _translate():
            response = self.client.create_multipart_upload(
                Bucket=self.bucket, Key=key, ContentType=content_type, **extra
            )
        return str(response["UploadId"])

    def sign_part(
        self,
        key: str,
        upload_id: str,
        part_number: int,
        expires_in: int,
        checksum: str,
        size: int | None = None,
    ) -> SignedPart:
        """A presigned PUT for one part; S3 answers with the part's ETag header.

        The signature covers the checksum header, so the browser must send it unchanged
        and S3 refuses bytes that do not match it (400 BadDigest). ``size`` is not signed:
        S3 bounds a part itself (5 GiB) and completion checks every part's size.
        """
        check_key(key)
        check_part_number(part_number)
        params: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": key,
            "UploadId": upload_id,
            "PartNumber": part_number,
        }
        headers: dict[str, str] = {}
        if self.part_checksums:
            params["ChecksumCRC32"] = checksum
            headers["x-amz-checksum-crc32"] = checksum
        with _translate():
            url = self.client.generate_presigned_url(
                "upload_part", Params=params, ExpiresIn=int(expires_in), HttpMethod="PUT"
            )
        return SignedPart(url, headers)

    def list_parts(self, key: str, upload_id: str) -> list[Part]:
        """Parts uploaded so far, in part-number order."""
        check_key(key)
        parts: list[Part] = []
        with _translate(missing=UploadNotFound):
            pages = self.client.get_paginator("list_parts").paginate(
                Bucket=self.bucket, Key=key, UploadId=upload_id
            )
            for page in pages:
                for item in page.get("Parts", []):
                    etag = str(item["ETag"]).strip('"')
                    checksum = item.get("ChecksumCRC32")
                    parts.append(Part(int(item["PartNumber"]), int(item["Size"]), etag, checksum))
        return sorted(parts)

    def complete_multipart(
        self,
        key: str,
        upload_id: str,
        parts: Sequence[tuple[int, str]],
        checksums: Mapping[int, str] | None = None,
    ) -> ObjectInfo:
        """Assemble the listed parts (ascending numbers, ETags as returned on upload).

        ``checksums`` (part number -> CRC32, as :meth:`list_parts` reports them) go with
        each part: S3 requires them for an upload created with part checksums.
        """
        check_key(key)
        checksums = checksums or {}
        listed: list[dict[str, Any]] = []
        for number, etag in normalise_parts(parts):
            item: dict[str, Any] = {"PartNumber": number, "ETag": f'"{etag}"'}
            if self.part_checksums and checksums.get(number):
                item["ChecksumCRC32"] = checksums[number]
            listed.append(item)
        with _translate(missing=UploadNotFound):
            response = self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": listed},
            )
        etag = str(response.get("ETag", "")).strip('"')
        return ObjectInfo(self.size(key), etag)

    def abort_multipart(self, key: str, upload_id: str) -> None:
        """Discard an upload and its parts; aborting an unknown upload is not an error."""
        check_key(key)
        try:
            with _translate(missing=UploadNotFound):
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        except UploadNotFound:
            pass

    def list_multipart_uploads(self, prefix: str = "") -> list[MultipartUpload]:
        """Unfinished uploads under ``prefix`` with their start times (UTC)."""
        uploads: list[MultipartUpload] = []
        with _translate():
            pages = self.client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket, Prefix=prefix
            )
            for page in pages:
                for item in page.get("Uploads", []):
                    initiated = item["Initiated"].astimezone(UTC)
                    uploads.append(
                        MultipartUpload(str(item["Key"]), str(item["UploadId"]), initiated)
                    )
        return uploads
