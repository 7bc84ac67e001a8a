"""Small media files generated with FFmpeg's lavfi sources (testsrc2, sine), once per run."""

from __future__ import annotations

import random
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from storefront.adapters.media.ffmpeg import default_ffmpeg_path


def ffmpeg(*args: str) -> bytes:
    """Run the bundled FFmpeg quietly; fail loudly. Returns what it wrote to stdout."""
    cmd = [default_ffmpeg_path(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args]
    return subprocess.run(cmd, check=True, capture_output=True, timeout=120).stdout


def video(seconds: float, size: str, rate: int = 25) -> list[str]:
    return ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}"]


def tone(seconds: float) -> list[str]:
    return ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]


FAST_H264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "25"]
STEREO_AAC = ["-c:a", "aac", "-ac", "2", "-b:a", "96k"]


def cut_in_half(src: Path, dst: Path) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: len(data) // 2])
    return dst


@dataclass(frozen=True)
class Clips:
    hd_audio: Path  # 4 s 1280x720 25 fps, stereo AAC tagged "eng", MP4 (moov at the end)
    sd_silent: Path  # 2 s 640x360 25 fps, no audio, Matroska
    sd_long: Path  # 20 s 640x360, no audio, for cancellation and timeouts
    rotated: Path  # sd_silent remuxed to MP4 with a 90 degree display matrix
    streamed: Path  # sd_silent remuxed to Matroska through a pipe: no duration, no index
    audio_only: Path  # 2 s AAC in M4A
    audio_cover: Path  # audio_only plus a PNG cover picture (attached_pic)
    empty: Path
    random_bytes: Path
    png_as_mp4: Path
    mp4_half: Path  # hd_audio cut in half: no moov atom
    mp4_faststart_half: Path  # moov at the front, media data cut in half
    mkv_half: Path
    ts_half: Path


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Clips:
    d = tmp_path_factory.mktemp("clips")
    hd = d / "hd_audio.mp4"
    ffmpeg(*video(4, "1280x720"), *tone(4), *FAST_H264, *STEREO_AAC,
           "-metadata:s:a:0", "language=eng", "-shortest", str(hd))  # fmt: skip
    sd = d / "sd_silent.mkv"
    ffmpeg(*video(2, "640x360"), *FAST_H264, str(sd))
    long = d / "sd_long.mkv"
    ffmpeg(*video(20, "640x360"), *FAST_H264, str(long))
    rotated = d / "rotated.mp4"
    ffmpeg("-display_rotation", "90", "-i", str(sd), "-c", "copy", str(rotated))
    streamed = d / "streamed.mkv"
    streamed.write_bytes(ffmpeg("-i", str(sd), "-c", "copy", "-f", "matroska", "pipe:1"))
    audio = d / "audio_only.m4a"
    ffmpeg(*tone(2), *STEREO_AAC, str(audio))
    png = d / "cover.png"
    ffmpeg(*video(1, "64x64"), "-frames:v", "1", str(png))
    cover = d / "audio_cover.m4a"
    ffmpeg("-i", str(audio), "-i", str(png), "-map", "0", "-map", "1", "-c", "copy",
           "-disposition:v:0", "attached_pic", str(cover))  # fmt: skip
    faststart = d / "faststart.mp4"
    ffmpeg("-i", str(hd), "-c", "copy", "-movflags", "+faststart", str(faststart))
    mkv = d / "hd.mkv"
    ffmpeg("-i", str(hd), "-c", "copy", str(mkv))
    ts = d / "hd.ts"
    ffmpeg("-i", str(hd), "-c", "copy", str(ts))

    empty = d / "empty.mp4"
    empty.write_bytes(b"")
    random_bytes = d / "random.mp4"
    random_bytes.write_bytes(random.Random(20240601).randbytes(200_000))
    png_as_mp4 = d / "picture.mp4"
    png_as_mp4.write_bytes(png.read_bytes())
    return Clips(
        hd_audio=hd,
        sd_silent=sd,
        sd_long=long,
        rotated=rotated,
        streamed=streamed,
        audio_only=audio,
        audio_cover=cover,
        empty=empty,
        random_bytes=random_bytes,
        png_as_mp4=png_as_mp4,
        mp4_half=cut_in_half(hd, d / "mp4_half.mp4"),
        mp4_faststart_half=cut_in_half(faststart, d / "faststart_half.mp4"),
        mkv_half=cut_in_half(mkv, d / "mkv_half.mkv"),
        ts_half=cut_in_half(ts, d / "ts_half.ts"),
    )


def tone_at(frequency: int, seconds: float = 4) -> list[str]:
    return ["-f", "lavfi", "-i", f"sine=frequency={frequency}:sample_rate=48000:duration={seconds}"]


@pytest.fixture(scope="session")
def three_voices(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """4 s of video with English, French (dubbed) and English audio description tracks."""
    path = tmp_path_factory.mktemp("voices") / "three_voices.mkv"
    ffmpeg(
        *video(4, "640x360"), *tone_at(440), *tone_at(660), *tone_at(880),
        "-map", "0:v", "-map", "1:a", "-map", "2:a", "-map", "3:a",
        *FAST_H264, *STEREO_AAC,
        "-metadata:s:a:0", "language=eng",
        "-metadata:s:a:1", "language=fra", "-metadata:s:a:1", "title=Version française",
        "-metadata:s:a:2", "language=eng", "-metadata:s:a:2", "title=Audio description",
        "-disposition:a:2", "visual_impaired",
        "-shortest", str(path),
    )  # fmt: skip
    return path
