"""File helpers for the local backend: atomic writes, bounded copies, content types."""

from __future__ import annotations

import hashlib
import mimetypes
import os
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from .base import InvalidPart, crc32_text

CHUNK = 1024 * 1024
_EXTRA_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".m4s": "video/iso.segment",
    ".vtt": "text/vtt",
    ".mp4": "video/mp4",
}


@contextmanager
def atomic_file(path: Path, make_parents: bool = True) -> Iterator[BinaryIO]:
    """Write to a temporary file beside ``path`` and rename it into place on success."""
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def copy_stream(source: BinaryIO, target: BinaryIO, digest: Any, limit: int | None) -> int:
    """Copy in chunks, feeding ``digest``; refuse more than ``limit`` bytes."""
    total = 0
    while chunk := source.read(CHUNK):
        total += len(chunk)
        if limit is not None and total > limit:
            raise InvalidPart("The part is larger than allowed.")
        digest.update(chunk)
        target.write(chunk)
    return total


class PartDigest:
    """MD5 (the part's ETag) and CRC32 (its checksum) of bytes fed in chunks."""

    def __init__(self) -> None:
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.crc = 0

    def update(self, chunk: bytes) -> None:
        self.md5.update(chunk)
        self.crc = zlib.crc32(chunk, self.crc)

    def checksum(self) -> str:
        """The CRC32 spelt as S3 does."""
        return crc32_text(self.crc)


def guess_type(name: str) -> str:
    """Content type from the name, knowing the HLS and subtitle types."""
    suffix = os.path.splitext(name)[1].lower()
    return _EXTRA_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
