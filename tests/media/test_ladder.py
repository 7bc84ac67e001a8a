"""Choosing renditions: no upscaling, even sizes, aspect ratio kept."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from storefront.adapters.media.ladder import DEFAULT_LADDER, choose_renditions


def sizes(height: int, width: int) -> list[tuple[str, int, int]]:
    return [(r.name, r.width, r.height) for r in choose_renditions(height, width)]


def test_full_hd_gets_the_whole_default_ladder() -> None:
    assert sizes(1080, 1920) == [
        ("360p", 640, 360),
        ("540p", 960, 540),
        ("720p", 1280, 720),
        ("1080p", 1920, 1080),
    ]
    bitrates = [(r.video_kbps, r.audio_kbps) for r in choose_renditions(1080, 1920)]
    assert bitrates == [(v, a) for _, v, a in DEFAULT_LADDER]


def test_never_upscales() -> None:
    assert sizes(720, 1280) == [("360p", 640, 360), ("540p", 960, 540), ("720p", 1280, 720)]
    assert sizes(2160, 3840)[-1] == ("1080p", 1920, 1080)
    assert sizes(719, 1279)[-1] == ("540p", 960, 540)  # just short of 720p


def test_scope_film_keeps_its_width() -> None:
    assert sizes(804, 1920) == [
        ("360p", 640, 268),
        ("540p", 960, 402),
        ("720p", 1280, 536),
        ("1080p", 1920, 804),
    ]


def test_portrait_source_uses_the_short_side() -> None:
    assert sizes(1280, 720) == [("360p", 360, 640), ("540p", 540, 960), ("720p", 720, 1280)]


def test_source_smaller_than_the_smallest_rung_gets_one_even_rendition() -> None:
    [only] = choose_renditions(241, 427)
    assert (only.name, only.width, only.height) == ("240p", 426, 240)
    assert only.video_kbps < DEFAULT_LADDER[0][1]  # fewer pixels, fewer bits
    assert only.audio_kbps == DEFAULT_LADDER[0][2]


def test_odd_sizes_give_even_dimensions() -> None:
    assert sizes(361, 641) == [("360p", 640, 360)]
    assert sizes(533, 999) == [("360p", 640, 342), ("540p", 960, 512)]  # wide enough for 540p


def test_custom_ladder() -> None:
    ladder = [(1080, 6000, 192), (240, 300, 64)]  # unsorted on purpose
    assert sizes_for(ladder, 1080, 1920) == [(426, 240, 300, 64), (1920, 1080, 6000, 192)]


def sizes_for(ladder: list[tuple[int, int, int]], h: int, w: int) -> list[tuple[int, ...]]:
    return [
        (r.width, r.height, r.video_kbps, r.audio_kbps) for r in choose_renditions(h, w, ladder)
    ]


@pytest.mark.parametrize(("h", "w", "ladder"), [(0, 100, DEFAULT_LADDER), (100, 100, [])])
def test_invalid_arguments(h: int, w: int, ladder: list) -> None:
    with pytest.raises(ValueError):
        choose_renditions(h, w, ladder)


@given(st.integers(16, 4400), st.integers(16, 8000))
@example(19, 640)  # an odd height that rounding to even once pushed past the source
def test_renditions_are_even_never_larger_and_keep_the_aspect(h: int, w: int) -> None:
    renditions = choose_renditions(h, w)
    assert renditions
    for r in renditions:
        assert r.width % 2 == 0 and r.height % 2 == 0
        assert r.width <= w and r.height <= h
        if min(r.width, r.height) >= 100:  # rounding to even dominates tiny pictures
            assert Fraction(r.width, r.height) == pytest.approx(Fraction(w, h), rel=0.03)
    assert [r.height for r in renditions] == sorted(r.height for r in renditions)
