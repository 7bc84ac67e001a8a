"""Reading the playlists FFmpeg wrote into a ``TranscodeResult``, and merging masters."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from .base import RenditionOutput, TranscodeError, TranscodeResult

MASTER_PLAYLIST = "master.m3u8"
PLAYLIST_NAME = "index.m3u8"


def read_result(out_dir: Path, names: Sequence[str]) -> TranscodeResult:
    """Describe the HLS package in ``out_dir`` from its playlists."""
    variants: dict[str, tuple[int, int, int]] = {}
    lines = (out_dir / MASTER_PLAYLIST).read_text().splitlines()
    for line, uri in zip(lines, lines[1:], strict=False):
        if line.startswith("#EXT-X-STREAM-INF:"):  # the variant's URI is on the next line
            attrs = _attributes(line.partition(":")[2])
            width, _, height = attrs.get("RESOLUTION", "0x0").partition("x")
            name = uri.strip().split("/")[0]
            variants[name] = (int(attrs.get("BANDWIDTH", 0)), int(width), int(height))
    outputs = []
    for name in names:
        if name not in variants:
            raise TranscodeError("ffmpeg_failed", detail=f"{name} missing from master playlist")
        bandwidth, width, height = variants[name]
        playlist = f"{name}/{PLAYLIST_NAME}"
        segments, durations = _media_segments(out_dir / playlist)
        missing = [s for s in segments if not (out_dir / name / s).is_file()]
        if missing:
            raise TranscodeError("ffmpeg_failed", detail=f"{name}: segments missing: {missing}")
        outputs.append(
            RenditionOutput(
                name=name,
                width=width,
                height=height,
                bandwidth=bandwidth,
                playlist=playlist,
                segment_count=len(segments),
                segments=tuple(f"{name}/{s}" for s in segments),
                segment_durations=tuple(durations),
            )
        )
    duration = round(sum(outputs[0].segment_durations), 6)
    return TranscodeResult(MASTER_PLAYLIST, tuple(outputs), duration)


def _media_segments(playlist: Path) -> tuple[list[str], list[float]]:
    segments: list[str] = []
    durations: list[float] = []
    pending: float | None = None
    for line in playlist.read_text().splitlines():
        line = line.strip()
        if line.startswith("#EXTINF:"):
            pending = float(line[len("#EXTINF:") :].split(",")[0])
        elif line and not line.startswith("#") and pending is not None:
            segments.append(line)
            durations.append(pending)
            pending = None
    if not segments:
        raise TranscodeError("ffmpeg_failed", detail=f"no segments in {playlist.name}")
    return segments, durations


def variant_lines(master: Path) -> list[str]:
    """The ``#EXT-X-STREAM-INF`` line and URI of each variant in a master playlist."""
    lines = [line.strip() for line in master.read_text().splitlines() if line.strip()]
    return [
        f"{line}\n{uri}"
        for line, uri in zip(lines, lines[1:], strict=False)
        if line.startswith("#EXT-X-STREAM-INF:")
    ]


def _attributes(text: str) -> dict[str, str]:
    return {k: v.strip('"') for k, v in re.findall(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)', text)}


def write_master(path: Path, variant_lines: Sequence[str]) -> None:
    """Write a master playlist from ``#EXT-X-STREAM-INF`` + URI pairs."""
    header = "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-INDEPENDENT-SEGMENTS\n"
    path.write_text(header + "\n".join(variant_lines) + "\n")
