"""Posters and stills: checked by decoding, stripped of metadata, resized, stored.

Only JPEG, PNG and WebP are accepted, judged by what Pillow decodes rather than the file
name. The pixel count is checked from the header before anything is decoded, so a
decompression bomb is refused without being expanded. EXIF (camera, GPS) is dropped after
its orientation is applied. Each image is stored as JPEG and WebP at the widths the pages
use, never upscaled.
"""

from __future__ import annotations

import io
import warnings
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from ...adapters.storage import StorageError, keys
from ...extensions import db
from ...models import ImageKind, Title, TitleImage
from .. import ServiceError
from ..storage import get_storage

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
WIDTHS = {ImageKind.POSTER: (240, 480, 960), ImageKind.STILL: (640, 1280, 1920)}
OUTPUTS = (("jpg", "JPEG", "image/jpeg"), ("webp", "WEBP", "image/webp"))
CONTENT_TYPES = {ext: content_type for ext, _fmt, content_type in OUTPUTS}
MAX_STILLS = 12
MiB = 1024 * 1024


def _read_limited(stream: BinaryIO, limit: int) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        size = f"{limit // MiB} MB" if limit >= MiB else f"{max(1, limit // 1024)} KB"
        raise ServiceError(_("The image is larger than %(size)s.", size=size))
    if not data:
        raise ServiceError(_("The file is empty."))
    return data


def decode(data: bytes, max_pixels: int) -> Image.Image:
    """Decode an accepted image, refusing other formats, bombs and broken files."""
    too_many_pixels = _(
        "The image has more pixels than the %(limit)d megapixels allowed.",
        limit=max(1, max_pixels // 1_000_000),
    )
    try:
        with warnings.catch_warnings():
            # Our own limit below is stricter; Pillow's warning must not abort the check.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise ServiceError(too_many_pixels) from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise ServiceError(_("This file is not a JPEG, PNG or WebP image.")) from None
    if image.format not in ACCEPTED_FORMATS:
        raise ServiceError(_("This file is not a JPEG, PNG or WebP image."))
    width, height = image.size
    if width < 1 or height < 1 or width * height > max_pixels:
        raise ServiceError(too_many_pixels)
    try:
        image.load()  # the real test: every byte decodes
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise ServiceError(_("The image is damaged or incomplete.")) from None
    return image


def _flatten(image: Image.Image) -> Image.Image:
    """Upright RGB without metadata: orientation applied, transparency on white."""
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
    else:
        flat = image.convert("RGB")
    flat.info = {}  # convert() copies EXIF, XMP and comments along; none may survive
    return flat


def renditions(upright: Image.Image, kind: ImageKind) -> dict[str, bytes]:
    """Size name (e.g. "w480.webp") -> encoded bytes, at each width up to the original's."""
    widths = [w for w in WIDTHS[kind] if w <= upright.width] or [upright.width]
    out: dict[str, bytes] = {}
    for width in widths:
        height = max(1, round(upright.height * width / upright.width))
        resized = (
            upright
            if width == upright.width
            else upright.resize((width, height), Image.Resampling.LANCZOS)
        )
        for ext, fmt, _ct in OUTPUTS:
            buffer = io.BytesIO()
            # Nothing from the original's metadata is passed on to the saved file.
            resized.save(buffer, fmt, quality=85, **({"optimize": True} if fmt == "JPEG" else {}))
            out[f"w{width}.{ext}"] = buffer.getvalue()
    return out


def add_image(title: Title, kind: str, stream: BinaryIO) -> TitleImage:
    """Store a poster (replacing the previous one) or a still."""
    try:
        image_kind = ImageKind(kind)
    except ValueError:
        raise ServiceError(_("Choose poster or still.")) from None
    config = current_app.config
    data = _read_limited(stream, int(config["IMAGE_MAX_BYTES"]))
    image = decode(data, int(config["IMAGE_MAX_PIXELS"]))
    if image_kind == ImageKind.STILL and len(images_of(title, ImageKind.STILL)) >= MAX_STILLS:
        raise ServiceError(_("A title can have at most %(count)d stills.", count=MAX_STILLS))
    upright = _flatten(image)
    encoded = renditions(upright, image_kind)

    row = TitleImage(
        title_id=title.id, kind=image_kind, keys={}, width=upright.width, height=upright.height
    )
    row.position = len(images_of(title, image_kind))
    db.session.add(row)
    db.session.flush()
    storage = get_storage()
    stored: dict[str, str] = {}
    try:
        for name, blob in encoded.items():
            key = image_key(title.id, image_kind, row.id, name)
            storage.put(key, blob, CONTENT_TYPES[name.rpartition(".")[2]])
            stored[name] = key
    except StorageError as exc:
        for key in stored.values():
            storage.delete(key)
        raise ServiceError(str(exc)) from exc
    row.keys = stored
    if image_kind == ImageKind.POSTER:
        for old in images_of(title, ImageKind.POSTER):
            if old.id != row.id:
                delete_image(old)
        row.position = 0
    db.session.flush()
    return row


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
    db.session.delete(image)
    db.session.flush()


def best_key(image: TitleImage, width: int, ext: str = "webp") -> str | None:
    """The stored size closest to `width` (the next larger, else the largest)."""
    sizes = sorted(
        (int(name[1:].partition(".")[0]), key)
        for name, key in (image.keys or {}).items()
        if name.endswith(f".{ext}")
    )
    for size, key in sizes:
        if size >= width:
            return key
    return sizes[-1][1] if sizes else None
