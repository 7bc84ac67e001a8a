"""Storage on the local disk: the zero-setup default for small installations and development.

Layout under ``root``: objects at ``root/{key}``; multipart uploads in
``root/.uploads/{upload_id}/`` holding ``manifest.json`` (key, content type, created),
``{part:05d}`` data files and ``{part:05d}.etag`` (the part's MD5). A part whose bytes
do not match the CRC32 it was signed with is refused and leaves nothing behind. Every
file appears by atomic rename, so readers never see half-written data. Key segments
starting with ``.`` are reserved for this bookkeeping and rejected.

"Signed URLs" point at the app: ``url_for_token(kind, token)`` builds them, and the app's
routes call :meth:`LocalStorage.verify_token` and then :meth:`LocalStorage.write_part` or
:meth:`LocalStorage.served_file` (see the package docstring for the wiring).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, NamedTuple

from .base import (
    MAX_PART_SIZE,
    MIN_PART_SIZE,
    ChecksumMismatch,
    InvalidKey,
    InvalidPart,
    MultipartUpload,
    ObjectInfo,
    ObjectNotFound,
    Part,
    SignedPart,
    StorageError,
    UploadNotFound,
    check_key,
    check_part_number,
    check_prefix,
    cors_rules,
    normalise_parts,
)
from .files import CHUNK, PartDigest, atomic_file, copy_stream, guess_type
from .tokens import TokenClaims, TokenSigner

UPLOADS_DIR = ".uploads"
_UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
_PART_FILE = re.compile(r"^\d{5}$")

UrlForToken = Callable[[str, str], str]


class ServedFile(NamedTuple):
    """What the app's object route sends, answering Range and conditional requests."""

    path: Path
    content_type: str
    filename: str | None


def media_url_builder(base_url: str) -> UrlForToken:
    """``url_for_token`` for routes ``PUT {base}/parts/<token>``, ``GET {base}/objects/<token>``."""
    base = base_url.rstrip("/")

    def url_for_token(kind: str, token: str) -> str:
        return f"{base}/{'parts' if kind == 'part' else 'objects'}/{token}"

    return url_for_token


class LocalStorage:
    """Storage in a directory; see :class:`.base.Storage` for the contract."""

    def __init__(
        self,
        root: str | Path,
        *,
        secret_key: str | bytes,
        url_for_token: UrlForToken,
        min_part_size: int = MIN_PART_SIZE,
        max_part_size: int = MAX_PART_SIZE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.root = Path(root).resolve()
        self.clock = clock  # seconds since the epoch; tests pass their own to age links
        self.uploads = self.root / UPLOADS_DIR
        self.url_for_token = url_for_token
        self.min_part_size = min_part_size
        self.max_part_size = max_part_size
        self._tokens = TokenSigner(secret_key)

    # -- paths --------------------------------------------------------------------------

    def path_for(self, key: str) -> Path:
        """The file for ``key``; raises InvalidKey if it could escape the root."""
        check_key(key)
        if any(segment.startswith(".") for segment in key.split("/")):
            raise InvalidKey()
        path = self.root / key
        if not path.resolve().is_relative_to(self.root):
            raise InvalidKey()  # a symlink inside the root points outside it
        return path

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

    # -- signed links -------------------------------------------------------------------

    def browser_origins(self) -> list[str]:
        """None besides the store's own: the app's routes serve local links."""
        return []

    def verify_token(self, token: str, kind: str) -> TokenClaims:
        """Claims of a genuine, unexpired ``kind`` token ("part" or "object")."""
        return self._tokens.verify(token, kind, now=self.clock())

    def signed_get_url(
        self,
        key: str,
        expires_in: int,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> str:
        """An app URL serving the object (with Range support) until it expires."""
        self.path_for(key)
        claims = TokenClaims(
            "object", key, int(self.clock()) + int(expires_in), None, None, filename, content_type
        )
        return self.url_for_token("object", self._tokens.sign(claims))

    def signed_get_urls(self, keys: Iterable[str], expires_in: int) -> list[str]:
        """App URLs for many keys at once (HLS segments)."""
        keys = [check_key(key) for key in keys]
        tokens = self._tokens.sign_objects(keys, int(self.clock()) + int(expires_in))
        return [self.url_for_token("object", token) for token in tokens]

    def served_file(self, claims: TokenClaims) -> ServedFile:
        """Resolve verified object claims to the file and headers the app should send."""
        path = self.path_for(claims.key)
        if not path.is_file():
            raise ObjectNotFound()
        content_type = claims.content_type or guess_type(path.name)
        return ServedFile(path, content_type, claims.filename)

    # -- multipart uploads --------------------------------------------------------------

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

    # -- objects ------------------------------------------------------------------------

    def put(self, key: str, data: bytes | BinaryIO, content_type: str) -> ObjectInfo:
        """Store bytes or a stream atomically (the content type is not kept)."""
        path = self.path_for(key)
        digest = hashlib.md5(usedforsecurity=False)
        with atomic_file(path) as handle:
            if isinstance(data, bytes | bytearray | memoryview):
                digest.update(data)
                handle.write(data)
                size = len(data)
            else:
                size = copy_stream(data, handle, digest, None)
        return ObjectInfo(size, digest.hexdigest())

    def get(self, key: str) -> bytes:
        """The whole object."""
        with self.open(key) as handle:
            return handle.read()

    def open(self, key: str) -> BinaryIO:
        """A streaming reader over the object."""
        try:
            return open(self.path_for(key), "rb")  # noqa: SIM115 - the caller closes it
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFound() from None

    def download_to(
        self, key: str, path: str | Path, on_progress: Callable[[int], None] | None = None
    ) -> None:
        """Copy the object to ``path`` (appearing when complete), reporting bytes copied."""
        copied = 0
        with self.open(key) as source, atomic_file(Path(path)) as target:
            while chunk := source.read(CHUNK):
                target.write(chunk)
                copied += len(chunk)
                if on_progress is not None:
                    on_progress(copied)

    def upload_from(self, path: str | Path, key: str, content_type: str) -> None:
        """Copy a local file in as ``key``."""
        with open(path, "rb") as source:
            self.put(key, source, content_type)

    def delete(self, key: str) -> None:
        """Delete one object; deleting a missing object is not an error."""
        path = self.path_for(key)
        if path.is_dir():
            return
        path.unlink(missing_ok=True)
        self._prune(path.parent)

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object whose key starts with ``prefix``; returns how many."""
        check_prefix(prefix)
        directory, _, stem = prefix.rpartition("/")
        parent = self.path_for(directory) if directory else self.root
        if stem:
            self.path_for(prefix)
        if not parent.is_dir():
            return 0
        deleted = 0
        for entry in os.scandir(parent):
            if entry.name.startswith(".") or not entry.name.startswith(stem):
                continue
            if entry.is_dir(follow_symlinks=False):
                deleted += sum(len(files) for _, _, files in os.walk(entry.path))
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
                deleted += 1
        self._prune(parent)
        return deleted

    def _prune(self, directory: Path) -> None:
        """Remove empty directories left behind, up to the root."""
        while directory != self.root and directory.is_relative_to(self.root):
            try:
                directory.rmdir()
            except OSError:
                return
            directory = directory.parent

    def exists(self, key: str) -> bool:
        """Whether the object exists."""
        return self.path_for(key).is_file()

    def size(self, key: str) -> int:
        """The object's size in bytes."""
        path = self.path_for(key)
        if not path.is_file():
            raise ObjectNotFound()
        return path.stat().st_size

    # -- operations ---------------------------------------------------------------------

    def ensure_ready(self) -> None:
        """Create the media directory if needed and check it is writable."""
        try:
            self.uploads.mkdir(parents=True, exist_ok=True)
            with atomic_file(self.uploads / "write-check") as handle:
                handle.write(b"ok")
            (self.uploads / "write-check").unlink()
        except OSError as exc:
            raise StorageError("The media directory is not writable.") from exc

    def apply_cors(self, allowed_origins: Sequence[str]) -> None:
        """Nothing to apply: the app serves local media from its own origin."""
        cors_rules(allowed_origins)  # same validation as S3

    def cors_problem(self, origin: str) -> str | None:
        """Never one: parts go to the app's own origin."""
        return None
