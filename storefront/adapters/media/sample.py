"""A generated sample film (test pattern and tone), so demo data has something to play."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from .ffmpeg import resolve_ffmpeg


def write_sample_film(
    out_path: str | os.PathLike[str],
    seconds: int = 24,
    width: int = 1280,
    height: int = 720,
    ffmpeg_path: str | None = None,
) -> Path:
    """Write an H.264/AAC MP4 made from FFmpeg's lavfi test sources (no input file needed)."""
    out = Path(out_path)
    command = [
        resolve_ffmpeg(ffmpeg_path),
        "-v", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate=24:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-shortest", "-movflags", "+faststart",
        str(out),
    ]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    return out
