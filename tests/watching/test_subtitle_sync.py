"""Subtitles carry the timestamp map of the film's segments, so HLS players place each cue at
the time the subtitle file gives it (the segments start near 1.4 s, not at 0)."""

from __future__ import annotations

import io
import re
import subprocess

import av
import imageio_ffmpeg

from storefront.adapters.media.mpegts import first_video_pts
from storefront.services.media.subtitle_sync import with_timestamp_map

from .conftest import grant
from .test_playback import fetch, start, uris


def video_start(path) -> int:
    """The first video frame's PTS as FFmpeg's own demuxer reports it (90 kHz)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.time_base.denominator == 90000
        return stream.start_time


def test_the_first_video_pts_is_read_from_a_segment(hls_package):
    for rendition in ("180p", "360p"):
        first = hls_package / rendition / "seg_00000.ts"
        second = hls_package / rendition / "seg_00001.ts"
        with first.open("rb") as stream:
            pts = first_video_pts(stream)
        assert pts == video_start(first)
        assert pts > 90000  # FFmpeg's muxer does not start at 0: the reason for the map
        with second.open("rb") as stream:
            assert first_video_pts(stream) == video_start(second)


def test_streams_without_video_or_not_mpeg_ts_give_no_start(tmp_path):
    audio_only = tmp_path / "audio.ts"
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    subprocess.run(
        [ffmpeg, "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
         "sine=duration=1", "-c:a", "aac", "-f", "mpegts", str(audio_only)],
        check=True, timeout=60,
    )  # fmt: skip
    with audio_only.open("rb") as stream:
        assert first_video_pts(stream) is None
    assert first_video_pts(io.BytesIO(b"WEBVTT\n\n" * 100)) is None
    assert first_video_pts(io.BytesIO(b"")) is None


def test_the_map_goes_in_the_header_and_replaces_an_old_one():
    vtt = (
        "WEBVTT - film\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n\n"
        "STYLE\n::cue {}\n\n1\n00:01.000 --> 00:02.000\nHi\n"
    )
    out = with_timestamp_map(vtt, 133200)
    assert out.split("\n")[:3] == [
        "WEBVTT - film",
        "X-TIMESTAMP-MAP=MPEGTS:133200,LOCAL:00:00:00.000",
        "",
    ]
    assert out.count("X-TIMESTAMP-MAP") == 1
    assert out.endswith("STYLE\n::cue {}\n\n1\n00:01.000 --> 00:02.000\nHi\n")
    assert with_timestamp_map(vtt, None) == vtt


def test_the_served_subtitles_map_their_zero_to_the_first_frame(
    viewer_client, viewer, film, hls_package
):
    grant(viewer, film)
    master = viewer_client.get(start(viewer_client, film.slug).json["master_url"]).text
    track_url = [m for m in re.findall(r'URI="([^"]+)"', master) if "/s/" in m][0]
    vtt_url = uris(viewer_client.get(track_url).text)[0]
    response = fetch(viewer_client, vtt_url)
    assert response.status_code == 200 and response.mimetype == "text/vtt"
    lines = response.get_data(as_text=True).split("\n")
    # The smallest rendition's first segment sets the zero; FFmpeg's demuxer agrees.
    expected = video_start(hls_package / "180p" / "seg_00000.ts")
    assert lines[0] == "WEBVTT"
    assert lines[1] == f"X-TIMESTAMP-MAP=MPEGTS:{expected},LOCAL:00:00:00.000"
    assert "00:00:00.500 --> 00:00:02.500" in lines  # the cues keep their own times
