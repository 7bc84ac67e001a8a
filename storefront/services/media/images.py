"""Posters and stills: checked on arrival, resized and stored by the worker (the decoding is
the images adapter's), and which stored size a page gets. Festival artwork goes through the
same checks and resizing (``checked_upload``, ``resize_stored``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import BinaryIO, Protocol

from flask import current_app
from flask_babel import gettext as _

from ... import jobs
from ...adapters.images import (
    CONTENT_TYPES,
    ImageHeader,
    ImageProblem,
    ImageRefused,
    encode_sizes,
    inspect,
)
from ...adapters.storage import StorageError, keys
from ...extensions import db
from ...models import ImageKind, ImageStatus, Title, TitleImage
from .. import ServiceError
from .storage import get_storage

WIDTHS = {ImageKind.POSTER: (240, 480, 960), ImageKind.STILL: (640, 1280, 1920)}
# The width each page lays a poster out at; the stored size just above it is served.
POSTER_CARD_WIDTH = 342  # catalogue cards and library rows
POSTER_PAGE_WIDTH = 780  # the title page
MAX_STILLS = 12
MiB = 1024 * 1024


def size_words(limit: int) -> str:
    """A file size limit as people read it ("20 MB", "100 KB")."""
    return f"{limit // MiB} MB" if limit >= MiB else f"{max(1, limit // 1024)} KB"


def too_large_message(limit: int) -> str:
    return _("The image is larger than %(size)s.", size=size_words(limit))


def _read_limited(stream: BinaryIO, limit: int) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ServiceError(too_large_message(limit))
    if not data:
        raise ServiceError(_("The file is empty."))
    return data


def _refusal(problem: ImageProblem, max_pixels: int) -> str:
    if problem == ImageProblem.TOO_MANY_PIXELS:
        return _(
            "The image has more pixels than the %(limit)d megapixels allowed.",
            limit=max(1, max_pixels // 1_000_000),
        )
    if problem == ImageProblem.DAMAGED:
        return _("The image is damaged or incomplete.")
    return _("This file is not a JPEG, PNG or WebP image.")


def checked_upload(stream: BinaryIO) -> tuple[bytes, ImageHeader]:
    """The uploaded bytes and what their header promises, or a ServiceError saying why the
    file is refused (too large, empty, not JPEG/PNG/WebP, too many pixels). Nothing decoded:
    the worker does that (``resize_stored``)."""
    config = current_app.config
    data = _read_limited(stream, int(config["IMAGE_MAX_BYTES"]))
    max_pixels = int(config["IMAGE_MAX_PIXELS"])
    try:
        return data, inspect(data, max_pixels)
    except ImageRefused as exc:
        raise ServiceError(_refusal(exc.problem, max_pixels)) from None


def store_source(key: str, data: bytes) -> None:
    try:
        get_storage().put(key, data, "application/octet-stream")
    except StorageError as exc:
        raise ServiceError(str(exc)) from exc


class ResizedRow(Protocol):
    """A row whose original the worker resizes: a title's image or a festival's artwork."""

    source_key: str | None
    keys: dict[str, str]
    width: int
    height: int
    status: ImageStatus
    error: str | None


def resize_stored(row: ResizedRow, widths: Sequence[int], key_for: Callable[[str], str]) -> bool:
    """Decode the row's stored original, store each size under ``key_for(size name)`` and
    delete the original. True when the row is ready; False when the original did not decode
    (the row is marked failed, with the reason)."""
    storage = get_storage()
    max_pixels = int(current_app.config["IMAGE_MAX_PIXELS"])
    try:
        encoded = encode_sizes(storage.get(row.source_key or ""), max_pixels, widths)
    except ImageRefused as exc:
        row.status, row.error = ImageStatus.FAILED, exc.problem.value
        drop_source(row)
        return False
    stored: dict[str, str] = {}
    for name, blob in encoded.files.items():
        stored[name] = key_for(name)
        storage.put(stored[name], blob, CONTENT_TYPES[name.rpartition(".")[2]])
    row.keys, row.width, row.height = stored, encoded.width, encoded.height
    row.status = ImageStatus.READY
    drop_source(row)
    return True


def drop_source(row: ResizedRow) -> None:
    """Delete the uploaded original once its sizes exist (or it proved unusable)."""
    if row.source_key:
        get_storage().delete(row.source_key)
        row.source_key = None


def add_image(title: Title, kind: str, stream: BinaryIO) -> TitleImage:
    """Accept a poster or still: check its header, store the original, and queue the work.

    Decoding and resizing take seconds for a large image, so they happen in the worker
    (``process_image``); until then the row is ``processing`` and pages keep the previous
    poster. A new poster replaces the old one once it is ready.
    """
    try:
        image_kind = ImageKind(kind)
    except ValueError:
        raise ServiceError(_("Choose poster or still.")) from None
    data, header = checked_upload(stream)
    if image_kind == ImageKind.STILL and len(images_of(title, ImageKind.STILL)) >= MAX_STILLS:
        raise ServiceError(_("A title can have at most %(count)d stills.", count=MAX_STILLS))

    row = TitleImage(
        title_id=title.id,
        kind=image_kind,
        keys={},
        width=header.width,
        height=header.height,
        status=ImageStatus.PROCESSING,
    )
    row.position = len(images_of(title, image_kind))
    db.session.add(row)
    db.session.flush()
    row.source_key = image_key(title.id, image_kind, row.id, f"source.{header.format.lower()}")
    store_source(row.source_key, data)
    jobs.defer(db.session, "process_image", row.id)
    db.session.flush()
    return row


def process_image(image_id: int) -> str:
    """Decode and resize one uploaded image (the worker's half of ``add_image``).

    Safe to run again: a ready or failed image is left alone, and sizes are written under
    the same keys each time.
    """
    row = db.session.get(TitleImage, image_id)
    if row is None or row.status != ImageStatus.PROCESSING or not row.source_key:
        return "skipped"
    if not resize_stored(
        row, WIDTHS[row.kind], lambda name: image_key(row.title_id, row.kind, row.id, name)
    ):
        db.session.flush()
        return "failed"
    if row.kind == ImageKind.POSTER:
        title = db.session.get(Title, row.title_id)
        for old in images_of(title, ImageKind.POSTER) if title else []:
            if old.id != row.id and old.id < row.id:
                delete_image(old)
        row.position = 0
    db.session.flush()
    return "ready"


def failure_message(image: TitleImage) -> str:
    """Why the worker refused an image, in the filmmaker's words."""
    return problem_message(image.error)


def problem_message(error: str | None) -> str:
    """The words for a stored ``ImageProblem`` value (a refusal recorded by the worker)."""
    try:
        problem = ImageProblem(error or "")
    except ValueError:
        problem = ImageProblem.DAMAGED
    return _refusal(problem, int(current_app.config["IMAGE_MAX_PIXELS"]))


def image_key(title_id: int, kind: ImageKind, image_id: int, name: str) -> str:
    """Where one size of one image lives; the id in the name keeps replaced files apart."""
    size, _dot, ext = name.partition(".")
    return keys.poster_key(title_id, f"{kind.value}-{image_id}-{size}", ext)


def images_of(title: Title, kind: ImageKind | None = None) -> list[TitleImage]:
    query = db.select(TitleImage).filter_by(title_id=title.id)
    if kind is not None:
        query = query.filter_by(kind=kind)
    return list(db.session.scalars(query.order_by(TitleImage.position, TitleImage.id)))


def delete_image(image: TitleImage) -> None:
    storage = get_storage()
    for key in (image.keys or {}).values():
        storage.delete(key)
    if image.source_key:
        storage.delete(image.source_key)
    db.session.delete(image)
    db.session.flush()


def stored_sizes(image_keys: dict[str, str], ext: str) -> list[tuple[int, str]]:
    """(width, size name) of every stored size in one format, narrowest first."""
    return sorted(
        (int(name[1:].partition(".")[0]), name)
        for name in image_keys
        if name.startswith("w") and name.endswith(f".{ext}")
    )


def pick_size(image_keys: dict[str, str], width: int, ext: str = "jpg") -> str | None:
    """The name of the narrowest stored size at least ``width`` wide (else the widest)."""
    sizes = stored_sizes(image_keys, ext)
    for size, name in sizes:
        if size >= width:
            return name
    return sizes[-1][1] if sizes else None
