"""botocore's errors as storage errors whose messages are safe to show to users."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import BotoCoreError, ClientError

from .base import ChecksumMismatch, InvalidPart, ObjectNotFound, StorageError, UploadNotFound

log = logging.getLogger(__name__)

_MISSING_CODES = {"NoSuchKey", "404", "NotFound"}
_DENIED_CODES = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "403"}
_CHECKSUM_CODES = {"BadDigest", "InvalidDigest", "XAmzContentChecksumMismatch"}


@contextmanager
def translate_errors(missing: type[StorageError] = ObjectNotFound) -> Iterator[None]:
    """Turn botocore errors into storage errors whose messages are safe to show."""
    try:
        yield
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code == "NoSuchUpload":
            raise UploadNotFound() from exc
        if code in _MISSING_CODES:
            raise missing() from exc
        if code in ("InvalidPart", "InvalidPartOrder"):
            raise InvalidPart() from exc
        if code == "EntityTooSmall":
            raise InvalidPart("Every part except the last must be at least 5 MiB.") from exc
        if code in _CHECKSUM_CODES:
            raise ChecksumMismatch() from exc
        if code == "NoSuchBucket":
            raise StorageError("The storage bucket does not exist.") from exc
        if code in _DENIED_CODES:
            raise StorageError("Storage access was denied; check the credentials.") from exc
        log.warning("S3 request failed: %s", code or exc)
        raise StorageError() from exc
    except BotoCoreError as exc:
        log.warning("S3 request failed: %s", exc)
        raise StorageError("The storage service could not be reached.") from exc
