"""Subtitles in step with the picture: WebVTT served with the ``X-TIMESTAMP-MAP`` HLS needs.

The video segments do not start at timestamp 0 (FFmpeg's MPEG-TS muxer starts near 1.4 s,
plus the encoder's delay), so a WebVTT file without a map is placed by hls.js against the
wrong zero and by native players against PTS 0: cues show early, and the first is cut short.
The map says that the file's 00:00:00.000 is the first video frame's PTS, which is read once
per process from the rendition's first segment (a few kilobytes of it).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import closing

from ...adapters.media.mpegts import first_video_pts
from ...adapters.storage import Storage
from ...caching import ProcessCache
from ...models import Rendition
from .playlists import parsed_rendition

MIME = "text/vtt"


def video_start_pts(
    storage: Storage, cache: ProcessCache, renditions: Sequence[Rendition]
) -> int | None:
    """The PTS (90 kHz) of the film's first frame, from the smallest rendition's first
    segment; None when it cannot be read (then cues keep their own times)."""
    if not renditions:
        return None
    rendition = min(renditions, key=lambda r: r.bandwidth)
    parsed = parsed_rendition(storage, cache, rendition)
    segments = [k for k in parsed.keys if not k.endswith((".mp4", ".m4s"))]
    if not segments:
        return None
    version = rendition.updated_at.isoformat() if rendition.updated_at else ""

    def measure() -> int | None:
        try:
            with closing(storage.open(segments[0])) as stream:
                return first_video_pts(stream)
        except Exception:  # noqa: BLE001 - a missing segment only costs the map
            return None

    return cache.get_or_make(("start-pts", segments[0], version), measure)


def timestamp_map(pts: int) -> str:
    """The header line mapping the file's zero to the first frame's presentation time."""
    return f"X-TIMESTAMP-MAP=MPEGTS:{int(pts)},LOCAL:00:00:00.000"


def with_timestamp_map(vtt: str, pts: int | None) -> str:
    """``vtt`` with the map as the second line of its header (replacing any map it had)."""
    if pts is None:
        return vtt
    lines = vtt.lstrip("\ufeff").replace("\r\n", "\n").split("\n")
    header_end = lines.index("") if "" in lines else len(lines)
    header = [line for line in lines[1:header_end] if not line.startswith("X-TIMESTAMP-MAP=")]
    return "\n".join([lines[0], timestamp_map(pts), *header, *lines[header_end:]])
