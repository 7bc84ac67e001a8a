"""Choosing the HLS renditions (the "ladder") for a source.

A rung such as ``(720, 2800, 128)`` means "fit the picture inside a 16:9 box 720 lines
high (1280x720), at 2800 kb/s video and 128 kb/s audio". Fitting inside a box rather than
forcing the height matters for films: a 2.39:1 scope master of 1920x804 keeps its full
width in the 1080p rung (1920x804) instead of being shrunk to 1728x720. For portrait
sources the box is turned on its side, so a 720x1280 phone video gets a 720x1280 rung.

Rules:

* never upscale: a rung is used only if the source fills its box in at least one
  dimension;
* widths and heights keep the aspect ratio and are even (H.264 with 4:2:0 needs that);
* a source smaller than the smallest rung gets one rendition at its own size (rounded
  down to even numbers), with the smallest rung's bitrates scaled by pixel count.

For 16:9 landscape sources this is simply "every rung up to the source height".
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from .base import Rendition

LadderRung = tuple[int, int, int]
"""(height in lines of the 16:9 box, video kb/s, audio kb/s)."""

DEFAULT_LADDER: tuple[LadderRung, ...] = (
    (360, 800, 96),
    (540, 1400, 128),
    (720, 2800, 128),
    (1080, 5000, 160),
)

_MIN_VIDEO_KBPS = 150


def choose_renditions(
    source_height: int, source_width: int, ladder: Sequence[LadderRung] = DEFAULT_LADDER
) -> list[Rendition]:
    """The renditions to encode for a source of the given display size, smallest first."""
    if source_height <= 0 or source_width <= 0:
        raise ValueError(f"invalid source size {source_width}x{source_height}")
    if not ladder:
        raise ValueError("the ladder needs at least one rung")
    rungs = sorted(ladder)
    portrait = source_height > source_width
    chosen: list[Rendition] = []
    seen: set[tuple[int, int]] = set()
    for lines, video_kbps, audio_kbps in rungs:
        box_w, box_h = _nearest_even(Fraction(lines * 16, 9)), lines
        if portrait:
            box_w, box_h = box_h, box_w
        if source_width < box_w and source_height < box_h:
            continue  # the source is smaller than this box: that would be upscaling
        scale = min(Fraction(box_w, source_width), Fraction(box_h, source_height))
        # Rounding to even may round up: never past the source's own (even) size.
        width = min(box_w, _floor_even(source_width), _nearest_even(source_width * scale))
        height = min(box_h, _floor_even(source_height), _nearest_even(source_height * scale))
        if (width, height) in seen:
            continue
        seen.add((width, height))
        chosen.append(Rendition(f"{lines}p", width, height, video_kbps, audio_kbps))
    if chosen:
        return chosen

    lines, video_kbps, audio_kbps = rungs[0]
    width, height = _floor_even(source_width), _floor_even(source_height)
    box_area = _nearest_even(Fraction(lines * 16, 9)) * lines
    scaled_kbps = max(_MIN_VIDEO_KBPS, round(video_kbps * width * height / box_area))
    return [Rendition(f"{min(width, height)}p", width, height, scaled_kbps, audio_kbps)]


def _nearest_even(value: Fraction | int) -> int:
    return max(2, 2 * round(Fraction(value) / 2))


def _floor_even(value: int) -> int:
    return max(2, value - value % 2)
