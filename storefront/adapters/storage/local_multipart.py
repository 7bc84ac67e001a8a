"""Multipart uploads on the local disk: ``root/.uploads/{upload_id}/`` holds ``manifest.json``
(key, content type, created), ``{part:05d}`` data files and ``{part:05d}.etag`` (the part's
MD5). A part whose bytes do not match the CRC32 it was signed with is refused and leaves
nothing behind; every file appears by atomic rename.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from .base import (
    ChecksumMismatch,
    InvalidPart,
    MultipartUpload,
    ObjectInfo,
    Part,
    SignedPart,
    UploadNotFound,
    check_part_number,
    normalise_parts,
)
from .files import CHUNK, PartDigest, atomic_file, copy_stream
from .tokens import TokenClaims, TokenSigner

UPLOADS_DIR = ".uploads"
_UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
_PART_FILE = re.compile(r"^\d{5}$")


class LocalMultipart:
    """The multipart half of :class:`.local.LocalStorage`, which sets these attributes."""

    root: Path
    uploads: Path
    clock: Callable[[], float]
    url_for_token: Callable[[str, str], str]
    min_part_size: int
    max_part_size: int
    _tokens: TokenSigner
    path_for: Callable[[str], Path]

    def _upload_dir(self, key: str, upload_id: str) -> tuple[Path, dict]:
        self.path_for(key)
        if not isinstance(upload_id, str) or not _UPLOAD_ID.match(upload_id):
            raise UploadNotFound()
        folder = self.uploads / upload_id
        try:
            manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
        except (OSError, ValueError):
            raise UploadNotFound() from None
        if manifest.get("key") != key:
            raise UploadNotFound()
        return folder, manifest

    def create_multipart(self, key: str, content_type: str) -> str:
        """Start an upload; parts arrive through :meth:`write_part`."""
        self.path_for(key)
        upload_id = secrets.token_hex(16)
        folder = self.uploads / upload_id
        folder.mkdir(parents=True)
        manifest = {
            "key": key,
            "content_type": content_type,
            "created": datetime.now(UTC).isoformat(),
        }
        with atomic_file(folder / "manifest.json") as handle:
            handle.write(json.dumps(manifest).encode("utf-8"))
        return upload_id

    def sign_part(
        self,
        key: str,
        upload_id: str,
        part_number: int,
        expires_in: int,
        checksum: str,
        size: int | None = None,
    ) -> SignedPart:
        """An app URL accepting one HTTP PUT of bytes whose CRC32 is ``checksum`` and, with
        ``size``, of at most that many bytes (anything longer is refused as it arrives)."""
        check_part_number(part_number)
        self._upload_dir(key, upload_id)
        expires = int(self.clock()) + int(expires_in)
        claims = TokenClaims(
            "part", key, expires, upload_id, part_number, checksum=checksum, size=size
        )
        return SignedPart(self.url_for_token("part", self._tokens.sign(claims)), {})

    def write_part(
        self,
        key: str,
        upload_id: str,
        part_number: int,
        stream: BinaryIO,
        checksum: str | None = None,
        max_size: int | None = None,
    ) -> str:
        """Store one part from a stream (re-uploads replace it); returns its ETag (MD5 hex).

        With ``checksum`` the bytes must have that CRC32, else ChecksumMismatch and the
        part (or the earlier copy of it) stays as it was. Bytes beyond ``max_size`` (the
        signed size, else the largest part allowed) stop the copy: InvalidPart, nothing kept.
        """
        check_part_number(part_number)
        folder, _ = self._upload_dir(key, upload_id)
        digest = PartDigest()
        name = f"{part_number:05d}"
        tmp = ""
        try:  # FileNotFoundError: the upload was completed or aborted meanwhile
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
            with os.fdopen(fd, "wb") as handle:
                limit = (
                    self.max_part_size if max_size is None else min(max_size, self.max_part_size)
                )
                copy_stream(stream, handle, digest, limit)
                if checksum is not None and digest.checksum() != checksum:
                    raise ChecksumMismatch()
                handle.flush()
                os.fsync(handle.fileno())
            etag = digest.md5.hexdigest()
            # The ETag lands first so a listed part always has one.
            with atomic_file(folder / f"{name}.etag", make_parents=False) as handle:
                handle.write(etag.encode("ascii"))
            os.replace(tmp, folder / name)
        except FileNotFoundError:
            raise UploadNotFound() from None
        finally:
            if tmp:
                Path(tmp).unlink(missing_ok=True)
        return etag

    def list_parts(self, key: str, upload_id: str) -> list[Part]:
        """Parts uploaded so far, in part-number order."""
        folder, _ = self._upload_dir(key, upload_id)
        parts = []
        for entry in os.scandir(folder):
            if not _PART_FILE.match(entry.name):
                continue
            try:
                etag = (folder / f"{entry.name}.etag").read_text("ascii").strip()
                parts.append(Part(int(entry.name), entry.stat().st_size, etag))
            except FileNotFoundError:
                continue
        return sorted(parts)

    def complete_multipart(
        self,
        key: str,
        upload_id: str,
        parts: Sequence[tuple[int, str]],
        checksums: Mapping[int, str] | None = None,
    ) -> ObjectInfo:
        """Concatenate the listed parts (streamed, in order) into the object.

        ``checksums`` is accepted for the common contract; parts were checked on arrival.
        """
        folder, _ = self._upload_dir(key, upload_id)
        wanted = normalise_parts(parts)
        have = {part.number: part for part in self.list_parts(key, upload_id)}
        for index, (number, etag) in enumerate(wanted):
            part = have.get(number)
            if part is None or part.etag != etag:
                raise InvalidPart(f"Part {number} is missing or does not match.")
            if index < len(wanted) - 1 and part.size < self.min_part_size:
                raise InvalidPart("Every part except the last must be at least 5 MiB.")
        total = 0
        digests = hashlib.md5(usedforsecurity=False)
        with atomic_file(self.path_for(key)) as out:
            for number, etag in wanted:
                with open(folder / f"{number:05d}", "rb") as source:
                    shutil.copyfileobj(source, out, CHUNK)
                total += have[number].size
                digests.update(bytes.fromhex(etag))
        shutil.rmtree(folder, ignore_errors=True)
        return ObjectInfo(total, f"{digests.hexdigest()}-{len(wanted)}")

    def abort_multipart(self, key: str, upload_id: str) -> None:
        """Discard an upload and its parts; aborting an unknown upload is not an error."""
        try:
            folder, _ = self._upload_dir(key, upload_id)
        except UploadNotFound:
            return
        shutil.rmtree(folder, ignore_errors=True)

    def list_multipart_uploads(self, prefix: str = "") -> list[MultipartUpload]:
        """Unfinished uploads under ``prefix`` with their start times (UTC)."""
        uploads = []
        if not self.uploads.is_dir():
            return uploads
        for entry in os.scandir(self.uploads):
            if not _UPLOAD_ID.match(entry.name):
                continue
            try:
                manifest = json.loads(Path(entry.path, "manifest.json").read_text("utf-8"))
                created = datetime.fromisoformat(manifest["created"])
            except (OSError, ValueError, KeyError):
                continue
            if str(manifest.get("key", "")).startswith(prefix):
                uploads.append(MultipartUpload(manifest["key"], entry.name, created))
        return sorted(uploads, key=lambda upload: upload.initiated)
