"""Transcoding to an HLS ladder with the real FFmpeg binary, checked with m3u8 and PyAV."""

from __future__ import annotations

import dataclasses
import shutil
import time
from pathlib import Path

import av
import m3u8
import psutil
import pytest
from PIL import Image

from storefront.adapters.media.base import (
    Rendition,
    TranscodeCancelled,
    TranscodeError,
    TranscodeResult,
)
from storefront.adapters.media.hls import HlsTranscoder
from storefront.adapters.media.ladder import choose_renditions
from storefront.adapters.media.probe import probe

from .conftest import Clips

pytestmark = pytest.mark.slow

SEGMENT = 2
SMALL = [Rendition("180p", 320, 180, 300, 64), Rendition("360p", 640, 360, 800, 96)]


@dataclasses.dataclass
class Run:
    out: Path
    result: TranscodeResult
    progress: list[float]


@pytest.fixture(scope="module")
def ladder(clips: Clips, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The 4 s 1280x720 clip with audio through the default ladder, in one process."""
    out = tmp_path_factory.mktemp("hls") / "film"
    progress: list[float] = []
    renditions = choose_renditions(720, 1280)
    result = HlsTranscoder(segment_seconds=SEGMENT).transcode(
        clips.hd_audio, out, renditions, progress.append
    )
    return Run(out, result, progress)


def media_playlists(out: Path) -> dict[str, m3u8.M3U8]:
    master = m3u8.load(str(out / "master.m3u8"))
    return {p.uri.split("/")[0]: m3u8.load(str(out / p.uri)) for p in master.playlists}


def first_video_packet(segment: Path) -> av.Packet:
    with av.open(str(segment)) as container:
        for packet in container.demux(container.streams.video[0]):
            if packet.size:
                return packet
    raise AssertionError(f"no video in {segment}")


def no_ffmpeg_children() -> bool:
    return not [p for p in psutil.Process().children(recursive=True) if "ffmpeg" in p.name()]


# ------------------------------------------------------------------- the ladder


def test_master_playlist_lists_each_rendition(ladder: Run) -> None:
    master = m3u8.load(str(ladder.out / ladder.result.master_playlist))

    assert master.is_variant
    variants = {p.uri: p.stream_info for p in master.playlists}
    assert set(variants) == {"360p/index.m3u8", "540p/index.m3u8", "720p/index.m3u8"}
    assert variants["360p/index.m3u8"].resolution == (640, 360)
    assert variants["540p/index.m3u8"].resolution == (960, 540)
    assert variants["720p/index.m3u8"].resolution == (1280, 720)
    for info in variants.values():
        assert info.bandwidth > 0
        assert info.codecs.startswith("avc1.") and "mp4a.40.2" in info.codecs


def test_segments_are_fixed_length_and_add_up_to_the_duration(ladder: Run) -> None:
    for name, playlist in media_playlists(ladder.out).items():
        durations = [s.duration for s in playlist.segments]
        assert sum(durations) == pytest.approx(4.0, abs=0.1), name
        assert all(d <= SEGMENT + 0.1 for d in durations[:-1]), name
        assert playlist.playlist_type == "vod" and playlist.is_endlist
        assert playlist.target_duration <= SEGMENT + 1
        assert all(s.uri.startswith("seg_") and s.uri.endswith(".ts") for s in playlist.segments)


def test_segment_boundaries_line_up_on_keyframes(ladder: Run) -> None:
    playlists = media_playlists(ladder.out)
    boundaries = {n: [s.duration for s in p.segments] for n, p in playlists.items()}
    assert len({tuple(b) for b in boundaries.values()}) == 1, boundaries

    starts: dict[str, list[float]] = {}
    for name, playlist in playlists.items():
        for segment in playlist.segments:
            packet = first_video_packet(ladder.out / name / segment.uri)
            assert packet.is_keyframe, f"{name}/{segment.uri} does not start on a keyframe"
            starts.setdefault(name, []).append(float(packet.pts * packet.time_base))
    assert len({tuple(s) for s in starts.values()}) == 1, starts


def test_every_segment_decodes_to_the_end(ladder: Run) -> None:
    frames = samples = 0
    for segment in media_playlists(ladder.out)["360p"].segments:
        with av.open(str(ladder.out / "360p" / segment.uri)) as container:
            audio = container.streams.audio[0]
            assert (audio.codec_context.name, audio.rate, audio.channels) == ("aac", 48000, 2)
            for frame in container.decode(video=0, audio=0):
                if isinstance(frame, av.VideoFrame):
                    assert (frame.width, frame.height) == (640, 360)
                    frames += 1
                else:
                    samples += frame.samples
    assert frames == 100  # 4 s at 25 fps
    assert samples / 48000 == pytest.approx(4.0, abs=0.1)


def test_result_describes_what_was_written(ladder: Run) -> None:
    result = ladder.result

    assert result.master_playlist == "master.m3u8"
    assert result.duration == pytest.approx(4.0, abs=0.1)
    assert [r.name for r in result.renditions] == ["360p", "540p", "720p"]
    for r in result.renditions:
        assert r.playlist == f"{r.name}/index.m3u8"
        assert r.segment_count == len(r.segments) == len(r.segment_durations) == 2
        assert all((ladder.out / s).is_file() for s in r.segments)
        assert r.bandwidth > 0
    assert [(r.width, r.height) for r in result.renditions] == [(640, 360), (960, 540), (1280, 720)]


def test_progress_is_monotonic_and_ends_at_100(ladder: Run) -> None:
    values = ladder.progress

    assert values[-1] == 100.0
    assert all(0.0 <= v <= 100.0 for v in values)
    assert values == sorted(set(values))  # strictly increasing


# ------------------------------------------------------------- other sources


def test_silent_source_gets_a_silent_stereo_track(clips: Clips, tmp_path: Path) -> None:
    result = HlsTranscoder(segment_seconds=SEGMENT).transcode(
        clips.sd_silent, tmp_path / "out", choose_renditions(360, 640)
    )

    [rendition] = result.renditions
    assert (rendition.width, rendition.height) == (640, 360)
    with av.open(str(tmp_path / "out" / rendition.segments[0])) as container:
        audio = container.streams.audio[0]
        assert (audio.codec_context.name, audio.rate, audio.channels) == ("aac", 48000, 2)
        frame = next(container.decode(audio=0))
        assert not any(bytes(frame.planes[0]))  # digital silence


def test_rotated_source_is_written_upright(clips: Clips, tmp_path: Path) -> None:
    info = probe(clips.rotated)
    renditions = choose_renditions(info.height, info.width)
    result = HlsTranscoder(segment_seconds=SEGMENT).transcode(
        clips.rotated, tmp_path / "out", renditions, probe_result=info
    )

    segment = tmp_path / "out" / result.renditions[0].segments[0]
    with av.open(str(segment)) as container:
        frame = next(container.decode(video=0))
    assert (frame.width, frame.height) == (360, 640)


def test_one_process_per_rendition_gives_the_same_package(clips: Clips, tmp_path: Path) -> None:
    transcoder = HlsTranscoder(segment_seconds=SEGMENT)
    progress: list[float] = []
    single = transcoder.transcode(clips.hd_audio, tmp_path / "single", SMALL)
    separate = transcoder.transcode_per_rendition(
        clips.hd_audio, tmp_path / "separate", SMALL, progress.append
    )

    master = m3u8.load(str(tmp_path / "separate" / "master.m3u8"))
    assert [p.uri for p in master.playlists] == ["180p/index.m3u8", "360p/index.m3u8"]
    assert sorted(p.name for p in (tmp_path / "separate").iterdir()) == [
        "180p",
        "360p",
        "master.m3u8",
    ]
    for a, b in zip(single.renditions, separate.renditions, strict=True):
        assert (a.name, a.width, a.height) == (b.name, b.width, b.height)
        assert a.segment_durations == b.segment_durations
    assert progress[-1] == 100.0 and progress == sorted(set(progress))


# ------------------------------------------------------------------- failures


def test_unreadable_source_fails_with_the_probe_reason(clips: Clips, tmp_path: Path) -> None:
    with pytest.raises(TranscodeError) as caught:
        HlsTranscoder().transcode(clips.random_bytes, tmp_path / "out", SMALL)

    assert caught.value.code == "not_video"
    assert caught.value.message == "This file is not a video we can read."


def test_ffmpeg_failure_carries_its_stderr(clips: Clips, tmp_path: Path) -> None:
    """The file was damaged after it was probed: FFmpeg itself refuses it."""
    damaged = tmp_path / "film.mp4"
    shutil.copy(clips.mp4_half, damaged)
    stale = probe(clips.hd_audio)  # probed while it was fine; the damaged copy is read
    out = tmp_path / "out"

    with pytest.raises(TranscodeError) as caught:
        HlsTranscoder().transcode(damaged, out, SMALL, probe_result=stale)

    assert caught.value.code == "ffmpeg_failed"
    assert "moov atom not found" in caught.value.detail
    assert "moov atom not found" in str(caught.value)
    assert caught.value.message == "The video could not be converted for streaming."
    assert list(out.iterdir()) == []


def test_cancelling_stops_ffmpeg_and_cleans_up(clips: Clips, tmp_path: Path) -> None:
    progress: list[float] = []
    out = tmp_path / "out"
    started = time.monotonic()

    with pytest.raises(TranscodeCancelled) as caught:
        HlsTranscoder(segment_seconds=SEGMENT).transcode(
            clips.sd_long, out, SMALL, progress.append, should_cancel=lambda: bool(progress)
        )

    assert caught.value.code == "cancelled"
    assert time.monotonic() - started < 8
    assert progress and progress[-1] < 100
    assert list(out.iterdir()) == []
    assert no_ffmpeg_children()


def test_timeout_stops_ffmpeg(clips: Clips, tmp_path: Path) -> None:
    with pytest.raises(TranscodeCancelled) as caught:
        HlsTranscoder(timeout=0.3).transcode(clips.sd_long, tmp_path / "out", SMALL)

    assert caught.value.code == "timeout"
    assert no_ffmpeg_children()


def test_a_failing_progress_callback_still_reaps_ffmpeg(clips: Clips, tmp_path: Path) -> None:
    def explode(_: float) -> None:
        raise RuntimeError("listener broke")

    with pytest.raises(RuntimeError, match="listener broke"):
        HlsTranscoder().transcode(clips.sd_long, tmp_path / "out", SMALL, explode)
    assert no_ffmpeg_children()


def test_missing_ffmpeg_binary(clips: Clips, tmp_path: Path) -> None:
    transcoder = HlsTranscoder(ffmpeg_path=tmp_path / "no-ffmpeg-here")

    with pytest.raises(TranscodeError) as caught:
        transcoder.transcode(clips.sd_silent, tmp_path / "out", SMALL)
    assert caught.value.code == "ffmpeg_missing"


def test_refuses_a_non_empty_output_directory(clips: Clips, tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("precious")

    with pytest.raises(ValueError, match="not empty"):
        HlsTranscoder().transcode(clips.sd_silent, tmp_path, SMALL)
    assert (tmp_path / "keep.txt").read_text() == "precious"


@pytest.mark.parametrize(
    "renditions",
    [
        [],
        [SMALL[0], SMALL[0]],
        [Rendition("odd", 321, 180, 300, 64)],
        [Rendition("../x", 2, 2, 1, 1)],
    ],
)
def test_rejects_bad_renditions(clips: Clips, tmp_path: Path, renditions: list) -> None:
    with pytest.raises(ValueError):
        HlsTranscoder().transcode(clips.sd_silent, tmp_path / "out", renditions)


# --------------------------------------------------------------------- poster


def test_poster_frame_is_a_full_size_jpeg(clips: Clips, tmp_path: Path) -> None:
    transcoder = HlsTranscoder()
    poster = transcoder.extract_poster_frame(clips.hd_audio, tmp_path / "p" / "poster.jpg", 1.5)
    late = transcoder.extract_poster_frame(clips.hd_audio, tmp_path / "late.jpg", 3600)

    for path in (poster, late):
        with Image.open(path) as image:
            assert (image.format, image.size) == ("JPEG", (1280, 720))
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == ["poster.jpg"]
