"""A generated sample film (test pattern and tone), so demo data has something to play."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .ffmpeg import resolve_ffmpeg


@dataclass(frozen=True)
class SampleVoice:
    """An extra audio track of the sample film: a tone, with its container tags."""

    frequency: int
    language: str  # ISO 639-2, as containers tag it ("fra")
    title: str
    description: bool = False  # flagged for visually impaired viewers (audio description)


def write_sample_film(
    out_path: str | os.PathLike[str],
    seconds: int = 24,
    width: int = 1280,
    height: int = 720,
    ffmpeg_path: str | None = None,
    voices: Sequence[SampleVoice] = (),
) -> Path:
    """Write an H.264/AAC MP4 made from FFmpeg's lavfi test sources (no input file needed),
    with an English tone track and one more track per ``voices``."""
    out = Path(out_path)
    command = [
        resolve_ffmpeg(ffmpeg_path),
        "-v", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate=24:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
    ]  # fmt: skip
    for voice in voices:
        tone = f"sine=frequency={voice.frequency}:sample_rate=48000:duration={seconds}"
        command += ["-f", "lavfi", "-i", tone]
    command += ["-map", "0:v", "-map", "1:a"]
    for number in range(len(voices)):
        command += ["-map", f"{number + 2}:a"]
    command += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    command += ["-c:a", "aac", "-metadata:s:a:0", "language=eng"]
    for number, voice in enumerate(voices, start=1):
        command += [f"-metadata:s:a:{number}", f"language={voice.language}"]
        command += [f"-metadata:s:a:{number}", f"title={voice.title}"]
        if voice.description:
            command += [f"-disposition:a:{number}", "visual_impaired"]
    command += ["-shortest", "-movflags", "+faststart", str(out)]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    return out
