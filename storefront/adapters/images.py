"""Pillow, behind one function: decode an uploaded image safely and encode the sizes pages use.

Only JPEG, PNG and WebP are accepted, judged by what Pillow decodes rather than the file
name. The pixel count is checked from the header before anything is decoded, so a
decompression bomb is refused without being expanded. EXIF (camera, GPS) is dropped after
its orientation is applied; transparency is flattened on white. Never upscales.
"""

from __future__ import annotations

import enum
import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
# (file extension, Pillow format, content type) of each stored encoding.
OUTPUTS = (("jpg", "JPEG", "image/jpeg"), ("webp", "WEBP", "image/webp"))
CONTENT_TYPES = {ext: content_type for ext, _fmt, content_type in OUTPUTS}


class ImageProblem(enum.StrEnum):
    NOT_AN_IMAGE = "not_an_image"  # not JPEG, PNG or WebP
    TOO_MANY_PIXELS = "too_many_pixels"
    DAMAGED = "damaged"  # the header promised more than the bytes hold


class ImageRefused(Exception):
    def __init__(self, problem: ImageProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True, slots=True)
class EncodedImage:
    width: int  # of the upright original
    height: int
    files: dict[str, bytes]  # size name ("w480.webp") -> encoded bytes


@dataclass(frozen=True, slots=True)
class ImageHeader:
    format: str  # "JPEG", "PNG" or "WEBP"
    width: int
    height: int


def inspect(data: bytes, max_pixels: int) -> ImageHeader:
    """What the header promises, read without decoding a pixel (milliseconds for any file):
    the request that accepts an upload checks this, the worker decodes."""
    image = _open(data, max_pixels)
    return ImageHeader(image.format or "", *image.size)


def _open(data: bytes, max_pixels: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # Our own limit below is stricter; Pillow's warning must not abort the check.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise ImageRefused(ImageProblem.TOO_MANY_PIXELS) from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise ImageRefused(ImageProblem.NOT_AN_IMAGE) from None
    if image.format not in ACCEPTED_FORMATS:
        raise ImageRefused(ImageProblem.NOT_AN_IMAGE)
    width, height = image.size
    if width < 1 or height < 1 or width * height > max_pixels:
        raise ImageRefused(ImageProblem.TOO_MANY_PIXELS)
    return image


def _decode(data: bytes, max_pixels: int) -> Image.Image:
    image = _open(data, max_pixels)
    try:
        image.load()  # the real test: every byte decodes
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise ImageRefused(ImageProblem.DAMAGED) from None
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


def encode_sizes(data: bytes, max_pixels: int, widths: Sequence[int]) -> EncodedImage:
    """Decode ``data`` (or raise ImageRefused) and encode it at each width up to its own."""
    upright = _flatten(_decode(data, max_pixels))
    fitting = [w for w in widths if w <= upright.width] or [upright.width]
    files: dict[str, bytes] = {}
    for width in fitting:
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
            files[f"w{width}.{ext}"] = buffer.getvalue()
    return EncodedImage(upright.width, upright.height, files)


def sample_picture(width: int, height: int, top: str, bottom: str, caption: str) -> bytes:
    """A JPEG of a gradient from ``top`` to ``bottom`` with ``caption`` written across it:
    demo posters and artwork, made here rather than shipped as files."""
    from PIL import ImageDraw, ImageFont

    mask = Image.linear_gradient("L").resize((width, height))
    picture = Image.composite(
        Image.new("RGB", (width, height), bottom), Image.new("RGB", (width, height), top), mask
    )
    draw = ImageDraw.Draw(picture)
    font = ImageFont.load_default(size=max(12, width // 10))
    draw.multiline_text(
        (width // 12, height // 2), caption, fill="white", font=font, anchor="lm", spacing=8
    )
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()
