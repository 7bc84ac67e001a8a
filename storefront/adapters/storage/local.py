"""Storage on the local disk: the zero-setup default for small installations and development.

Layout under ``root``: objects at ``root/{key}``; multipart uploads under ``root/.uploads/``
(see :mod:`.local_multipart`). Every file appears by atomic rename, so readers never see
half-written data. Key segments starting with ``.`` are reserved for this bookkeeping and
rejected.

"Signed URLs" point at the app: ``url_for_token(kind, token)`` builds them, and the app's
routes call :meth:`LocalStorage.verify_token` and then :meth:`LocalStorage.write_part` or
:meth:`LocalStorage.served_file` (see the package docstring for the wiring).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import BinaryIO, NamedTuple

from .base import (
    MAX_PART_SIZE,
    MIN_PART_SIZE,
    InvalidKey,
    ObjectInfo,
    ObjectNotFound,
    StorageError,
    check_key,
    check_prefix,
    cors_rules,
)
from .files import CHUNK, atomic_file, copy_stream, guess_type
from .local_multipart import UPLOADS_DIR, LocalMultipart
from .tokens import TokenClaims, TokenSigner

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


class LocalStorage(LocalMultipart):
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
