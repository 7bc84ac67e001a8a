"""Predictable object keys: everything about a title lives under ``titles/{title_id}/``, a
festival's artwork under ``festivals/{festival_id}/``.

Keeping one prefix per title makes deleting a title (``delete_prefix(title_prefix(id))``),
auditing storage use and writing bucket lifecycle rules simple. Identifiers are
checked so a key can never gain extra path segments.
"""

from __future__ import annotations

import re

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_EXT = re.compile(r"^[A-Za-z0-9]{1,10}$")
_SIZE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def _ident(value: object, what: str) -> str:
    text = str(value)
    if not _ID.match(text):
        raise ValueError(f"invalid {what}: {text!r}")
    return text


def _ext(filename_ext: str) -> str:
    ext = filename_ext.lower().lstrip(".")
    if not _EXT.match(ext):
        raise ValueError(f"invalid file extension: {filename_ext!r}")
    return ext


def title_prefix(title_id: object) -> str:
    """Everything stored for one title."""
    return f"titles/{_ident(title_id, 'title id')}/"


def source_key(title_id: object, asset_id: object, filename_ext: str) -> str:
    """The original file a filmmaker uploaded, e.g. ``titles/7/source/42.mov``."""
    return f"{title_prefix(title_id)}source/{_ident(asset_id, 'asset id')}.{_ext(filename_ext)}"


def rendition_prefix(title_id: object, asset_id: object) -> str:
    """The HLS ladder (playlists and segments) transcoded from one source asset."""
    return f"{title_prefix(title_id)}renditions/{_ident(asset_id, 'asset id')}/"


def poster_key(title_id: object, size: str, ext: str = "jpg") -> str:
    """A poster image at a named size, e.g. ``titles/7/posters/w780.jpg``."""
    if not _SIZE.match(size):
        raise ValueError(f"invalid poster size: {size!r}")
    return f"{title_prefix(title_id)}posters/{size}.{_ext(ext)}"


def festival_prefix(festival_id: object) -> str:
    """Everything stored for one festival (its artwork)."""
    return f"festivals/{_ident(festival_id, 'festival id')}/"


def festival_artwork_key(festival_id: object, size: str, ext: str = "jpg") -> str:
    """The festival's artwork at a named size, e.g. ``festivals/3/artwork/12-w960.jpg``."""
    if not _SIZE.match(size):
        raise ValueError(f"invalid artwork size: {size!r}")
    return f"{festival_prefix(festival_id)}artwork/{size}.{_ext(ext)}"


def subtitle_key(title_id: object, track_id: object, ext: str = "vtt") -> str:
    """A subtitle track, e.g. ``titles/7/subtitles/3.vtt``."""
    return f"{title_prefix(title_id)}subtitles/{_ident(track_id, 'track id')}.{_ext(ext)}"


def trailer_prefix(title_id: object, trailer_id: object) -> str:
    """A trailer's HLS ladder (trailers are public to viewers but still served signed)."""
    return f"{title_prefix(title_id)}trailers/{_ident(trailer_id, 'trailer id')}/"


def segment_key(prefix: str, rendition: str, index: int, ext: str = "ts") -> str:
    """One HLS segment under a rendition or trailer prefix: ``.../720p/seg_00001.ts``."""
    if not prefix.endswith("/"):
        raise ValueError("prefix must end with '/'")
    if not _SIZE.match(rendition):
        raise ValueError(f"invalid rendition name: {rendition!r}")
    if index < 0:
        raise ValueError("segment index must not be negative")
    return f"{prefix}{rendition}/seg_{index:05d}.{_ext(ext)}"
