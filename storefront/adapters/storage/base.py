"""The storage contract shared by every backend: value types, errors, limits and key rules."""

from __future__ import annotations

import base64
import re
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, NamedTuple, Protocol, runtime_checkable
from urllib.parse import quote

MiB = 1024 * 1024
GiB = 1024 * MiB

#: S3 rejects non-final parts smaller than this; the local backend enforces it too.
MIN_PART_SIZE = 5 * MiB
#: S3's largest part.
MAX_PART_SIZE = 5 * GiB
#: S3's highest part number.
MAX_PARTS = 10_000
#: Default part size for browser uploads: big enough to keep request counts low.
DEFAULT_MIN_PART = 8 * MiB


class StorageError(Exception):
    """A storage operation failed; the message is safe to show to users."""

    default_message = "The storage service could not complete the request."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)


class ObjectNotFound(StorageError):
    """The object does not exist."""

    default_message = "The file was not found."


class UploadNotFound(StorageError):
    """The multipart upload does not exist (never started, completed or aborted)."""

    default_message = "The upload was not found; it may have expired or already finished."


class InvalidPart(StorageError):
    """Completing an upload failed because a listed part is missing, wrong or too small."""

    default_message = "The upload is incomplete: a part is missing or does not match."


class ChecksumMismatch(StorageError):
    """A part's bytes do not match the checksum it was signed with (changed or damaged)."""

    default_message = "The part did not arrive intact; send it again."


class InvalidToken(StorageError):
    """A local signed link is malformed, tampered with, expired or used for the wrong purpose."""

    default_message = "This link is invalid or has expired."


class InvalidKey(StorageError, ValueError):
    """A key is not a safe, relative, normalised object name."""

    default_message = "Invalid file name."


class Part(NamedTuple):
    """One uploaded part of a multipart upload (``checksum``: its CRC32, where storage keeps it)."""

    number: int
    size: int
    etag: str
    checksum: str | None = None


class SignedPart(NamedTuple):
    """Where and how to send one part: PUT the bytes to ``url`` with ``headers`` set."""

    url: str
    headers: dict[str, str]


class ObjectInfo(NamedTuple):
    """What a completed object looks like."""

    size: int
    etag: str


class MultipartUpload(NamedTuple):
    """An upload in progress, as listed for the abandoned-upload cleanup job."""

    key: str
    upload_id: str
    initiated: datetime


@runtime_checkable
class Storage(Protocol):
    """Object storage used by the app; every backend implements all of it."""

    # Multipart uploads (browser uploads parts straight to storage).
    def create_multipart(self, key: str, content_type: str) -> str: ...

    def sign_part(
        self,
        key: str,
        upload_id: str,
        part_number: int,
        expires_in: int,
        checksum: str,
        size: int | None = None,
    ) -> SignedPart: ...

    def list_parts(self, key: str, upload_id: str) -> list[Part]: ...

    def complete_multipart(
        self,
        key: str,
        upload_id: str,
        parts: Sequence[tuple[int, str]],
        checksums: Mapping[int, str] | None = None,
    ) -> ObjectInfo: ...

    def abort_multipart(self, key: str, upload_id: str) -> None: ...

    def list_multipart_uploads(self, prefix: str = "") -> list[MultipartUpload]: ...

    # Reading through short-lived links.
    def signed_get_url(
        self,
        key: str,
        expires_in: int,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> str: ...

    def signed_get_urls(self, keys: Iterable[str], expires_in: int) -> list[str]: ...

    # Server-side object access.
    def put(self, key: str, data: bytes | BinaryIO, content_type: str) -> ObjectInfo: ...

    def get(self, key: str) -> bytes: ...

    def open(self, key: str) -> BinaryIO: ...

    def download_to(
        self, key: str, path: str | Path, on_progress: Callable[[int], None] | None = None
    ) -> None: ...

    def upload_from(self, path: str | Path, key: str, content_type: str) -> None: ...

    def delete(self, key: str) -> None: ...

    def delete_prefix(self, prefix: str) -> int: ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int: ...

    # Where browsers fetch signed links from (the Content-Security-Policy allows these).
    def browser_origins(self) -> list[str]: ...

    # Operations.
    def ensure_ready(self) -> None: ...

    def apply_cors(self, allowed_origins: Sequence[str]) -> None: ...

    def cors_problem(self, origin: str) -> str | None: ...


def part_size_for(
    total_size: int, max_parts: int = MAX_PARTS, min_part: int = DEFAULT_MIN_PART
) -> int:
    """Smallest part size (a whole number of MiB, at least ``min_part``) fitting ``max_parts``."""
    if total_size < 0:
        raise ValueError("total_size must not be negative")
    if max_parts < 1:
        raise ValueError("max_parts must be positive")
    needed = -(-total_size // max_parts)  # ceiling division
    size = max(min_part, needed, MIN_PART_SIZE)
    size = -(-size // MiB) * MiB
    if size > MAX_PART_SIZE:
        raise ValueError("file is too large for a multipart upload")
    return size


_BAD_KEY_CHARS = re.compile(r"[\\\x00-\x1f\x7f]")


def check_key(key: str) -> str:
    """Return ``key`` if it is a safe relative object name, else raise InvalidKey.

    Rejected: empty keys, absolute paths, backslashes, NUL and control characters,
    empty, ``.`` and ``..`` segments, and keys longer than S3's 1,024 bytes.
    """
    if not isinstance(key, str) or not key or key.startswith("/") or _BAD_KEY_CHARS.search(key):
        raise InvalidKey()
    if len(key.encode("utf-8")) > 1024:
        raise InvalidKey()
    for segment in key.split("/"):
        if segment in ("", ".", ".."):
            raise InvalidKey()
    return key


def check_prefix(prefix: str) -> str:
    """Validate a non-empty prefix (a key, optionally ending with ``/``)."""
    check_key(prefix[:-1] if prefix.endswith("/") else prefix)
    return prefix


def check_part_number(part_number: int) -> int:
    """Part numbers run from 1 to 10,000 as on S3."""
    if isinstance(part_number, bool) or not isinstance(part_number, int):
        raise InvalidPart("Part numbers must be whole numbers.")
    if not 1 <= part_number <= MAX_PARTS:
        raise InvalidPart(f"Part numbers run from 1 to {MAX_PARTS}.")
    return part_number


def normalise_parts(parts: Sequence[tuple[int, str]]) -> list[tuple[int, str]]:
    """Check a completion list: non-empty, strictly ascending numbers; ETags unquoted."""
    if not parts:
        raise InvalidPart("No parts were uploaded.")
    result: list[tuple[int, str]] = []
    previous = 0
    for number, etag in parts:
        check_part_number(number)
        if number <= previous:
            raise InvalidPart("Parts must be listed in ascending order without repeats.")
        previous = number
        result.append((number, str(etag).strip('"')))
    return result


# Four bytes in base64: six characters and the padding (nothing else decodes to 4 bytes).
_CRC32_TEXT = re.compile(r"^[A-Za-z0-9+/]{6}==$")


def crc32_text(value: int) -> str:
    """A CRC32 as S3 spells it: the big-endian 4 bytes, base64-encoded."""
    return base64.b64encode(value.to_bytes(4, "big")).decode("ascii")


def crc32_checksum(data: bytes | bytearray | memoryview) -> str:
    """The CRC32 of ``data``, spelt as :func:`crc32_text` does."""
    return crc32_text(zlib.crc32(data))


def is_crc32_checksum(value: object) -> bool:
    """Whether ``value`` is a well-formed base64 CRC32."""
    return isinstance(value, str) and _CRC32_TEXT.match(value) is not None


def content_disposition(filename: str, inline: bool = False) -> str:
    """A Content-Disposition value with an ASCII fallback and an RFC 6266 UTF-8 name."""
    cleaned = "".join(ch for ch in filename if ch.isprintable() and ch not in '"\\/')
    cleaned = cleaned.strip() or "download"
    ascii_name = cleaned.encode("ascii", "replace").decode("ascii").replace("?", "_")
    kind = "inline" if inline else "attachment"
    value = f'{kind}; filename="{ascii_name}"'
    if ascii_name != cleaned:
        value += f"; filename*=UTF-8''{quote(cleaned, safe='')}"
    return value


#: Why a browser on some origin cannot send parts to storage (see :func:`cors_problem_in`).
CORS_NO_RULES = "no_rules"  # the bucket has no CORS configuration at all
CORS_ORIGIN = "origin"  # no rule names the page's origin
CORS_METHOD = "method"  # the origin may not PUT
CORS_CHECKSUM_HEADER = "checksum_header"  # the x-amz-checksum-crc32 header is refused
CHECKSUM_HEADER = "x-amz-checksum-crc32"


def _matches(pattern: str, value: str) -> bool:
    """S3's CORS matching: case-insensitive, one ``*`` wildcard allowed anywhere."""
    regex = ".*".join(re.escape(piece) for piece in pattern.strip().lower().split("*"))
    return re.fullmatch(regex, value.lower()) is not None


def cors_problem_in(rules: Sequence[Mapping], origin: str, headers: Sequence[str]) -> str | None:
    """Whether ``rules`` (S3 ``CORSRules``) let a page on ``origin`` PUT parts with ``headers``.

    Browsers refuse a part whose preflight fails and report only a network error, so the
    app reads the rules itself to tell the filmmaker (and the operator) what is wrong.
    """
    if not rules:
        return CORS_NO_RULES
    origin = origin.strip().rstrip("/")
    for_origin = [
        rule for rule in rules if any(_matches(o, origin) for o in rule.get("AllowedOrigins", []))
    ]
    if not for_origin:
        return CORS_ORIGIN
    putting = [rule for rule in for_origin if "PUT" in rule.get("AllowedMethods", [])]
    if not putting:
        return CORS_METHOD
    for rule in putting:
        allowed = rule.get("AllowedHeaders", [])
        if all(any(_matches(a, h) for a in allowed) for h in headers):
            return None
    return CORS_CHECKSUM_HEADER


def cors_rules(allowed_origins: Sequence[str]) -> list[dict]:
    """The bucket CORS rules browser uploads and playback need (S3 ``CORSRules`` shape)."""
    origins = [origin.strip().rstrip("/") for origin in allowed_origins if origin.strip()]
    if not origins:
        raise StorageError("At least one allowed origin is required.")
    return [
        {
            "AllowedOrigins": origins,
            "AllowedMethods": ["PUT", "GET", "HEAD"],
            # Parts carry their CRC32 so storage can refuse damaged bytes.
            "AllowedHeaders": ["Content-Type", "Range", CHECKSUM_HEADER],
            "ExposeHeaders": ["ETag", "Content-Length", "Content-Range", "Accept-Ranges"],
            "MaxAgeSeconds": 3600,
        }
    ]
