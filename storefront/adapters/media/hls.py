"""Transcoding a source into an HLS ladder with FFmpeg.

``HlsTranscoder.transcode`` runs one FFmpeg process that decodes the source once, splits
the picture (``split`` + ``scale`` per rung in ``-filter_complex``) and writes every
rendition through the HLS muxer (``-var_stream_map``/``-master_pl_name``)::

    out_dir/master.m3u8
    out_dir/720p/index.m3u8
    out_dir/720p/seg_00000.ts ...

Encoding: H.264 (libx264, yuv420p; "main" profile up to 540 lines for old devices,
"high" above) with capped CRF: each rung's ``video_kbps`` is the ``-maxrate`` cap, so easy
scenes cost less storage and bandwidth. Keyframes sit at the same times in every
rendition (``-force_key_frames`` every ``segment_seconds``, GOP = fps x segment, no
scene-cut keyframes), so segment boundaries line up and players can switch cleanly.
Segments are MPEG-TS, VOD playlists, ``independent_segments``.

Audio: AAC-LC stereo 48 kHz from the source's first audio track. A source without audio
gets a silent AAC track (``anullsrc``): every rendition of every film then has the same
video+audio shape, which keeps players (and a later "replace the soundtrack" feature)
free of special cases, at a cost of a few kb/s.

Sources above 60 fps are reduced to half (or a quarter...) of their rate, at most 60 fps.
HDR is not tone-mapped: 10-bit sources are converted to 8-bit 4:2:0 as is.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import shutil
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path

from .base import (
    CancelCheck,
    ProbeError,
    ProbeResult,
    ProgressCallback,
    Rendition,
    TranscodeError,
    TranscodeResult,
)
from .ffmpeg import resolve_ffmpeg, run_ffmpeg
from .playlist import MASTER_PLAYLIST, PLAYLIST_NAME, read_result, variant_lines, write_master
from .probe import DEMUXER_WHITELIST, probe

SEGMENT_PATTERN = "seg_%05d.ts"
_MAX_FPS = 60
_MAIN_PROFILE_MAX_LINES = 540
_AUDIO_RATE = 48_000
_NAME_RE = re.compile(r"^[A-Za-z0-9_-]+$")


class HlsTranscoder:
    """FFmpeg-backed ``Transcoder``. ``ffmpeg_path=None`` uses the bundled FFmpeg binary."""

    def __init__(
        self,
        ffmpeg_path: str | os.PathLike[str] | None = None,
        preset: str = "veryfast",
        segment_seconds: int = 6,
        threads: int = 0,
        *,
        crf: int = 21,
        timeout: float | None = None,
    ) -> None:
        if segment_seconds <= 0:
            raise ValueError("segment_seconds must be positive")
        self.ffmpeg_path = ffmpeg_path
        self.preset = preset
        self.segment_seconds = segment_seconds
        self.threads = threads
        self.crf = crf
        self.timeout = timeout  # seconds per FFmpeg process; None waits forever

    def transcode(
        self,
        source_path: str | os.PathLike[str],
        out_dir: str | os.PathLike[str],
        renditions: Sequence[Rendition],
        on_progress: ProgressCallback | None = None,
        *,
        should_cancel: CancelCheck | None = None,
        probe_result: ProbeResult | None = None,
    ) -> TranscodeResult:
        """Write all renditions with one FFmpeg process (the source is decoded once).

        ``out_dir`` must be missing or empty; on failure it is emptied again. Pass
        ``probe_result`` to skip probing the source a second time.
        """
        info, out = self._start(source_path, out_dir, renditions, probe_result)
        progress = _Progress(on_progress)
        try:
            args = self._command(info, renditions, MASTER_PLAYLIST)
            run_ffmpeg(
                args,
                cwd=out,
                duration=info.duration,
                on_fraction=progress.fraction,
                should_cancel=should_cancel,
                timeout=self.timeout,
            )
            result = read_result(out, [r.name for r in renditions])
        except BaseException:
            _empty_dir(out)
            raise
        progress.done()
        return result

    def transcode_per_rendition(
        self,
        source_path: str | os.PathLike[str],
        out_dir: str | os.PathLike[str],
        renditions: Sequence[Rendition],
        on_progress: ProgressCallback | None = None,
        *,
        should_cancel: CancelCheck | None = None,
        probe_result: ProbeResult | None = None,
    ) -> TranscodeResult:
        """Same output as ``transcode`` but one FFmpeg process per rendition, run in turn.

        Each process decodes the whole source again; kept to measure what the single-pass
        ladder saves (see ``bench/bench_transcode.py``).
        """
        info, out = self._start(source_path, out_dir, renditions, probe_result)
        progress = _Progress(on_progress)
        count = len(renditions)
        try:
            variants: list[str] = []
            for i, rendition in enumerate(renditions):
                partial = f".master_{rendition.name}.m3u8"
                args = self._command(info, [rendition], partial)
                run_ffmpeg(
                    args,
                    cwd=out,
                    duration=info.duration,
                    on_fraction=lambda f, i=i: progress.fraction((i + f) / count),
                    should_cancel=should_cancel,
                    timeout=self.timeout,
                )
                variants.extend(variant_lines(out / partial))
                (out / partial).unlink()
            write_master(out / MASTER_PLAYLIST, variants)
            result = read_result(out, [r.name for r in renditions])
        except BaseException:
            _empty_dir(out)
            raise
        progress.done()
        return result

    def extract_poster_frame(
        self,
        source: str | os.PathLike[str],
        out_path: str | os.PathLike[str],
        at_seconds: float,
    ) -> Path:
        """Save the frame at ``at_seconds`` (clamped into the film) as a JPEG; return its path."""
        return extract_poster_frame(
            source, out_path, at_seconds, ffmpeg_path=self.ffmpeg_path, timeout=self.timeout or 60.0
        )

    def _start(
        self,
        source_path: str | os.PathLike[str],
        out_dir: str | os.PathLike[str],
        renditions: Sequence[Rendition],
        probe_result: ProbeResult | None,
    ) -> tuple[ProbeResult, Path]:
        if not renditions:
            raise ValueError("at least one rendition is needed")
        names = [r.name for r in renditions]
        if len(set(names)) != len(names) or not all(_NAME_RE.match(n) for n in names):
            raise ValueError(f"rendition names must be unique and plain: {names}")
        if any(r.width % 2 or r.height % 2 for r in renditions):
            raise ValueError("rendition sizes must be even")
        if probe_result is None:
            info = _probe_for_transcode(source_path)
        else:  # trust the earlier probe's findings, but read the file we were given
            info = dataclasses.replace(probe_result, path=Path(source_path).absolute())
        out = Path(out_dir).absolute()
        if out.exists() and any(out.iterdir()):
            raise ValueError(f"output directory is not empty: {out}")
        out.mkdir(parents=True, exist_ok=True)
        return info, out

    def _command(
        self, info: ProbeResult, renditions: Sequence[Rendition], master_name: str
    ) -> list[str]:
        """The FFmpeg command line writing ``renditions`` from one decode of the source."""
        seg = self.segment_seconds
        rate = _output_rate(info.frame_rate_fraction)
        gop = max(1, round(rate * seg))
        count = len(renditions)
        args = [resolve_ffmpeg(self.ffmpeg_path), "-hide_banner", "-nostdin", "-y"]
        args += ["-loglevel", "error", "-nostats", "-progress", "pipe:1"]
        if self.threads:
            args += ["-threads", str(self.threads), "-filter_complex_threads", str(self.threads)]
        args += _safe_input(info.path)
        if info.has_audio:
            audio_input = f"0:{info.audio_tracks[0].index}"
        else:
            audio_input = "1:a:0"
            args += ["-f", "lavfi", "-t", f"{info.duration:.3f}"]
            args += ["-i", f"anullsrc=channel_layout=stereo:sample_rate={_AUDIO_RATE}"]

        pre = f"fps={rate.numerator}/{rate.denominator}," if rate != _source_rate(info) else ""
        graph = [
            f"[0:{info.video_stream_index}]{pre}split={count}"
            + "".join(f"[s{i}]" for i in range(count))
        ]
        for i, r in enumerate(renditions):
            graph.append(f"[s{i}]scale={r.width}:{r.height},setsar=1,format=yuv420p[v{i}]")
        args += ["-filter_complex", ";".join(graph)]
        for i in range(count):
            args += ["-map", f"[v{i}]"]
        for _ in range(count):
            args += ["-map", audio_input]

        args += ["-c:v", "libx264", "-preset", self.preset, "-crf", str(self.crf)]
        args += ["-g", str(gop), "-sc_threshold", "0"]
        args += ["-force_key_frames", f"expr:gte(t,n_forced*{seg})"]
        args += ["-c:a", "aac", "-ac", "2", "-ar", str(_AUDIO_RATE)]
        for i, r in enumerate(renditions):
            profile = "main" if min(r.width, r.height) <= _MAIN_PROFILE_MAX_LINES else "high"
            args += [f"-profile:v:{i}", profile]
            cap = r.video_kbps
            args += [f"-maxrate:v:{i}", f"{cap}k", f"-bufsize:v:{i}", f"{2 * cap}k"]
            args += [f"-b:a:{i}", f"{r.audio_kbps}k"]
        if self.threads:
            args += ["-threads", str(self.threads)]
        args += ["-map_metadata", "-1", "-map_chapters", "-1"]
        stream_map = " ".join(f"v:{i},a:{i},name:{r.name}" for i, r in enumerate(renditions))
        args += ["-f", "hls", "-hls_time", str(seg), "-hls_playlist_type", "vod"]
        args += ["-hls_flags", "independent_segments", "-hls_segment_type", "mpegts"]
        args += ["-hls_segment_filename", f"%v/{SEGMENT_PATTERN}"]
        args += ["-master_pl_name", master_name, "-var_stream_map", stream_map]
        args.append(f"%v/{PLAYLIST_NAME}")
        return args


def extract_poster_frame(
    source: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    at_seconds: float,
    *,
    ffmpeg_path: str | os.PathLike[str] | None = None,
    timeout: float | None = 60.0,
) -> Path:
    """Save one frame of ``source`` as a JPEG at display size; return ``out_path``.

    ``at_seconds`` is clamped into the film, so "10% in" style choices never miss.
    """
    info = _probe_for_transcode(source)
    at = min(max(0.0, at_seconds), max(0.0, info.duration - 0.5))
    out = Path(out_path).absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(f".{out.stem}.part.jpg")
    args = [resolve_ffmpeg(ffmpeg_path), "-hide_banner", "-nostdin", "-y", "-loglevel", "error"]
    args += ["-ss", f"{at:.3f}", *_safe_input(info.path)]
    args += ["-map", f"0:{info.video_stream_index}", "-frames:v", "1"]
    args += ["-vf", "scale=trunc(iw*sar/2)*2:ih,setsar=1", "-q:v", "3"]
    args += ["-f", "image2", "-update", "1", str(part)]
    try:
        run_ffmpeg(args, timeout=timeout)
        if not part.is_file() or part.stat().st_size == 0:
            raise TranscodeError("no_frame", detail=f"nothing decoded at {at:.3f}s")
        os.replace(part, out)
    finally:
        part.unlink(missing_ok=True)
    return out


def _probe_for_transcode(source: str | os.PathLike[str]) -> ProbeResult:
    try:
        return probe(source)
    except ProbeError as exc:
        raise TranscodeError(exc.code, exc.message, exc.detail) from exc


def _safe_input(path: Path, formats: str = DEMUXER_WHITELIST) -> list[str]:
    """``-i`` for a local file, refusing anything but plain files in accepted containers."""
    return [
        "-protocol_whitelist",
        "file",
        "-format_whitelist",
        formats,
        "-i",
        os.fspath(Path(path).absolute()),
    ]


def _source_rate(info: ProbeResult) -> Fraction:
    return Fraction(info.frame_rate_fraction)


def _output_rate(rate_fraction: str) -> Fraction:
    rate = Fraction(rate_fraction)
    if rate <= 0:
        return Fraction(25)
    while rate > _MAX_FPS:
        rate /= 2
    return rate


def _empty_dir(path: Path) -> None:
    """Remove what a failed run left in ``path`` (which was empty before)."""
    for child in path.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


class _Progress:
    """Turns FFmpeg's position reports into monotonic percentages ending at 100."""

    def __init__(self, callback: Callable[[float], None] | None) -> None:
        self.callback = callback
        self.last = -1.0

    def fraction(self, value: float) -> None:
        # Hold back the last percent until the output is confirmed complete.
        self._emit(min(99.0, math.floor(value * 1000) / 10))

    def done(self) -> None:
        self._emit(100.0)

    def _emit(self, percent: float) -> None:
        if self.callback is not None and percent > self.last:
            self.last = percent
            self.callback(percent)
