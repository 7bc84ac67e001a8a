"""Probing uploads with PyAV: fields of good clips, reason codes for bad ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from storefront.adapters.media.base import MESSAGES, ProbeError
from storefront.adapters.media.probe import probe, sniff_container

from .conftest import Clips


def test_probe_reports_the_fields_of_a_good_clip(clips: Clips) -> None:
    info = probe(clips.hd_audio)

    assert info.duration == pytest.approx(4.0, abs=0.05)
    assert (info.width, info.height) == (1280, 720)
    assert info.frame_rate == 25.0
    assert info.frame_rate_fraction == "25/1"
    assert info.video_codec == "h264"
    assert info.container_format.split(",")[0] == "mov"
    assert info.size_bytes == clips.hd_audio.stat().st_size
    assert info.rotation == 0
    assert info.has_audio
    [track] = info.audio_tracks
    assert (track.codec, track.channels, track.language) == ("aac", 2, "eng")
    assert info.path == clips.hd_audio


def test_probe_of_a_silent_matroska_clip(clips: Clips) -> None:
    info = probe(str(clips.sd_silent))

    assert (info.width, info.height) == (640, 360)
    assert info.duration == pytest.approx(2.0, abs=0.05)
    assert info.container_format == "matroska,webm"
    assert info.audio_tracks == ()
    assert not info.has_audio


def test_rotated_phone_video_reports_display_dimensions(clips: Clips) -> None:
    info = probe(clips.rotated)

    assert abs(info.rotation) == 90
    assert (info.width, info.height) == (360, 640)


def test_duration_of_a_recording_without_header_is_measured(clips: Clips) -> None:
    """Browsers and pipes write Matroska/WebM without a duration; we read to the end."""
    info = probe(clips.streamed)

    assert info.duration == pytest.approx(2.0, abs=0.1)
    assert (info.width, info.height) == (640, 360)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("empty", "empty"),
        ("random_bytes", "not_video"),
        ("png_as_mp4", "not_video"),
        ("audio_only", "no_video"),
        ("audio_cover", "no_video"),  # cover art is a picture, not a film
    ],
)
def test_unusable_uploads_are_rejected_with_a_code(clips: Clips, name: str, code: str) -> None:
    with pytest.raises(ProbeError) as caught:
        probe(getattr(clips, name))

    assert caught.value.code == code
    assert caught.value.message == MESSAGES[code]


def test_messages_are_plain_sentences_for_filmmakers(clips: Clips) -> None:
    with pytest.raises(ProbeError) as caught:
        probe(clips.empty)
    assert caught.value.message == "This file is empty."

    with pytest.raises(ProbeError) as caught:
        probe(clips.audio_only)
    assert caught.value.message == "No video stream found in this file."

    with pytest.raises(ProbeError) as caught:
        probe(clips.random_bytes)
    assert caught.value.message == "This file is not a video we can read."
    assert "[not_video]" in str(caught.value)  # logs keep the code


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProbeError) as caught:
        probe(tmp_path / "gone.mp4")
    assert caught.value.code == "missing"


@pytest.mark.parametrize(
    "name",
    [
        "mp4_half",  # camera/editor layout, moov at the end: nothing to open
        "mp4_faststart_half",  # index present, half the media data missing
        "mkv_half",  # header promises 4 s, clusters stop at 2 s
    ],
)
def test_interrupted_uploads_are_truncated(clips: Clips, name: str) -> None:
    with pytest.raises(ProbeError) as caught:
        probe(getattr(clips, name))

    assert caught.value.code == "truncated"
    assert "incomplete or damaged" in caught.value.message


def test_cut_transport_stream_is_a_shorter_video(clips: Clips) -> None:
    """MPEG-TS has no global header: a cut file is simply a valid, shorter stream."""
    info = probe(clips.ts_half)

    assert 1.0 < info.duration < 3.0
    assert (info.width, info.height) == (1280, 720)


def test_sniffing_recognises_containers_but_not_pictures(clips: Clips) -> None:
    assert sniff_container(clips.hd_audio)
    assert sniff_container(clips.sd_silent)
    assert sniff_container(clips.ts_half)
    assert not sniff_container(clips.png_as_mp4)
    assert not sniff_container(clips.random_bytes)
