"""Subtitles appear at their SRT times in hls.js (Chromium).

The film carries a burnt-in timecode: its frame number in ten black/white blocks across the
top of the picture, read back from a canvas. At each moment checked, the cues the browser
has active must be exactly those whose SRT interval holds the video's ``currentTime``, and
``currentTime`` must be the time of the frame on screen. Before the subtitles carried an
``X-TIMESTAMP-MAP`` every cue showed about 1.5 s early and the first was cut short.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest
from playwright.sync_api import expect

from storefront.adapters.storage import keys
from storefront.extensions import db
from storefront.models import SubtitleTrack
from storefront.services.media.subtitle_formats import to_webvtt

from ..watching.conftest import RENDITIONS, WORLDWIDE, grant, store_hls
from .test_player import log_in

FPS = 25
DURATION_S = 14
BITS, BLOCK = 10, 32  # frame numbers up to 1023 in 32-pixel blocks over 320 pixels
CUES = [(1.0, 3.0, "One"), (6.0, 8.0, "Two"), (11.0, 13.0, "Three")]
EDGE = 0.3  # moments this close to a cue's edge are not judged while playing


def srt() -> str:
    def stamp(seconds: float) -> str:
        return f"00:00:{int(seconds):02d},{round(seconds % 1 * 1000):03d}"

    blocks = [f"{n}\n{stamp(a)} --> {stamp(b)}\n{text}\n" for n, (a, b, text) in enumerate(CUES, 1)]
    return "\n".join(blocks)


@pytest.fixture(scope="session")
def timecode_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 14-second film whose frames show their own number, as the store's transcoder
    encodes (x264 with B-frames, AAC, MPEG-TS segments of 6 s)."""
    out = tmp_path_factory.mktemp("timecode")
    bit = f"mod(floor(N/pow(2,floor(X/{BLOCK}))),2)"
    picture = (
        f"nullsrc=size=320x180:rate={FPS}:duration={DURATION_S},format=yuv420p,"
        f"geq=lum='if(lt(Y,90),if({bit},235,16),128)':cb=128:cr=128"
    )
    split = "[0:v]split=2[a][b];[a]scale=320:180[v0];[b]scale=640:360[v1]"
    args = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", picture,
        "-f", "lavfi", "-i", f"sine=frequency=440:duration={DURATION_S}",
        "-filter_complex", split,
        "-map", "[v0]", "-map", "1:a", "-map", "[v1]", "-map", "1:a",
        "-c:v", "libx264", "-preset", "veryfast", "-g", "150", "-sc_threshold", "0",
        "-c:a", "aac", "-b:a", "64k", "-ac", "2", "-ar", "48000",
        "-f", "hls", "-hls_time", "6", "-hls_playlist_type", "vod",
        "-hls_flags", "independent_segments", "-hls_segment_type", "mpegts",
        "-hls_segment_filename", str(out / "%v" / "seg_%05d.ts"),
        "-master_pl_name", "master.m3u8",
        "-var_stream_map", " ".join(f"v:{i},a:{i},name:{r[0]}" for i, r in enumerate(RENDITIONS)),
        str(out / "%v" / "index.m3u8"),
    ]  # fmt: skip
    subprocess.run(args, check=True, timeout=180)
    return out


@pytest.fixture
def timecode_film(make_title, timecode_package, tmp_path):
    title = make_title("Clockwork", offers=WORLDWIDE)
    package = tmp_path / "package"
    shutil.copytree(timecode_package, package)
    asset = store_hls(title, package)
    asset.duration_ms = DURATION_S * 1000
    track = SubtitleTrack(title_id=title.id, language="en", label="English", storage_key="x")
    db.session.add(track)
    db.session.flush()
    track.storage_key = keys.subtitle_key(title.id, track.id)
    vtt = to_webvtt(srt().encode("utf-8"), "clock.srt")  # SRT in, as a filmmaker uploads it
    from flask import current_app

    current_app.extensions["storage"].put(track.storage_key, vtt.encode(), "text/vtt")
    db.session.commit()
    return title


# The frame on screen, its burnt-in time, currentTime and the active cues, in one go.
OBSERVE = """() => new Promise((resolve) => {
  const video = document.querySelector('video');
  const look = (mediaTime) => {
    const canvas = document.createElement('canvas');
    canvas.width = 320; canvas.height = 180;
    const context = canvas.getContext('2d', { willReadFrequently: true });
    context.drawImage(video, 0, 0, 320, 180);
    const row = context.getImageData(0, 45, 320, 1).data;
    let frame = 0;
    for (let i = 0; i < BITS; i++) {
      if (row[(i * BLOCK + BLOCK / 2) * 4] > 128) frame += 2 ** i;
    }
    const track = Array.from(video.textTracks).find((t) => t.mode !== 'disabled');
    const active = track && track.activeCues ? Array.from(track.activeCues, (c) => c.text) : null;
    resolve({ frame, mediaTime: mediaTime ?? video.currentTime, currentTime: video.currentTime,
      active, ended: video.ended });
  };
  // Playing: look when the next frame is presented. Paused (after a seek): look now.
  if (video.paused) look();
  else video.requestVideoFrameCallback((_now, meta) => look(meta.mediaTime));
})""".replace("BITS", str(BITS)).replace("BLOCK", str(BLOCK))

SEEK = """async (t) => {
  const video = document.querySelector('video');
  await new Promise((resolve) => {
    video.addEventListener('seeked', resolve, { once: true });
    video.currentTime = t;
  });
}"""


def expected_cues(at: float) -> list[str]:
    return [text for start, end, text in CUES if start <= at < end]


def near_an_edge(at: float, margin: float) -> bool:
    return any(abs(at - edge) < margin for start, end, _ in CUES for edge in (start, end))


def test_cues_are_active_exactly_while_current_time_is_inside_them(page, viewer, timecode_film):
    grant(viewer, timecode_film)
    log_in(page, viewer.email)
    page.goto(f"/watch/{timecode_film.slug}")
    subtitles = page.get_by_label("Subtitles")
    expect(subtitles.locator("option", has_text="English")).to_have_count(1, timeout=20_000)
    subtitles.select_option(label="English (en)")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(
        "(() => { const t = Array.from(document.querySelector('video').textTracks)"
        ".find((t) => t.mode !== 'disabled'); return t && t.cues && t.cues.length === 3; })()",
        timeout=20_000,
    )

    # Playing through the first cue: every frame presented up to 4.5 s.
    judged = []
    for _ in range(1000):
        seen = page.evaluate(OBSERVE)
        if seen["mediaTime"] > 4.5 or seen["ended"]:
            break
        judged.append(judge(seen, EDGE))
    assert any(1 + EDGE < t < 3 - EDGE for t in judged if t is not None)
    assert any(t < 1 - EDGE for t in judged if t is not None)

    # Paused, at moments just inside and just outside each cue.
    page.get_by_role("button", name="Pause").click()
    for start, end, _text in CUES:
        for at in (start - 0.2, start + 0.2, (start + end) / 2, end - 0.2, end + 0.2):
            page.evaluate(SEEK, at)
            page.wait_for_function(
                "(expected) => { const t = Array.from(document.querySelector('video').textTracks)"
                ".find((t) => t.mode !== 'disabled');"
                " return JSON.stringify(Array.from(t.activeCues, (c) => c.text))"
                " === JSON.stringify(expected); }",
                arg=expected_cues(at),
                timeout=5_000,
            )
            assert judge(settled(page), 1.5 / FPS) is not None


def settled(page) -> dict:  # type: ignore[no-untyped-def]
    """Paused after a seek, the observation once the sought frame is painted.

    'seeked' can come a moment before a busy machine paints the new frame (the canvas then
    still shows the one before): look again, for up to two seconds, before judging.
    """
    for _ in range(40):
        seen = page.evaluate(OBSERVE)
        if abs(seen["mediaTime"] - seen["frame"] / FPS) <= 3 / FPS:
            break
        page.wait_for_timeout(50)
    return seen


def judge(seen: dict, margin: float) -> float | None:
    """Check one observation; the moment judged, or None when it is too near a cue's edge.

    hls.js puts the first frame a frame or two after 0 (its zero is the earliest decode
    time), so ``currentTime`` and the picture agree within a few frames, never by a second;
    the cues follow the picture, as the map says and as native players show them.
    """
    picture = seen["frame"] / FPS
    # mediaTime: the presented frame's time on the video's clock (currentTime has moved on
    # by the time a script runs).
    assert abs(seen["mediaTime"] - picture) <= 3 / FPS, seen
    if near_an_edge(picture, margin) or near_an_edge(seen["mediaTime"], margin):
        return None
    assert seen["active"] == expected_cues(picture) == expected_cues(seen["mediaTime"]), seen
    return picture
