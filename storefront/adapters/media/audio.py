"""Alternate audio renditions: one audio track of a source as an audio-only HLS playlist.

The film's first audio track is muxed into every video rendition (see ``hls.py``); every
other track (a dubbed version, audio description, commentary) is encoded once here as AAC-LC
stereo 48 kHz in MPEG-TS segments of the same length as the video's, for
``EXT-X-MEDIA TYPE=AUDIO`` renditions in the master playlist::

    out_dir/audio_2/index.m3u8
    out_dir/audio_2/seg_00000.ts ...
"""

from __future__ import annotations

import os
from pathlib import Path

from .base import CancelCheck, TranscodeError
from .ffmpeg import resolve_ffmpeg, run_ffmpeg
from .hls import SEGMENT_PATTERN, _safe_input
from .playlist import PLAYLIST_NAME, _media_segments
from .probe import AUDIO_DEMUXER_WHITELIST, DEMUXER_WHITELIST

AUDIO_KBPS = 128
_AUDIO_RATE = 48_000


def audio_dir_name(stream_index: int) -> str:
    return f"audio_{stream_index}"


def transcode_audio_track(
    source: str | os.PathLike[str],
    stream_index: int,
    out_dir: str | os.PathLike[str],
    *,
    segment_seconds: int = 6,
    ffmpeg_path: str | os.PathLike[str] | None = None,
    timeout: float | None = None,
    should_cancel: CancelCheck | None = None,
    audio_file: bool = False,
) -> tuple[str, tuple[str, ...]]:
    """Encode stream ``stream_index`` of ``source`` into ``out_dir/audio_<index>/``.

    Returns the playlist's and the segments' paths relative to ``out_dir``. ``audio_file``:
    the source is a separate audio file (WAV, MP3, FLAC, AAC are accepted too).
    """
    name = audio_dir_name(stream_index)
    out = Path(out_dir).absolute()
    (out / name).mkdir(parents=True, exist_ok=True)
    args = [resolve_ffmpeg(ffmpeg_path), "-hide_banner", "-nostdin", "-y"]
    args += ["-loglevel", "error", "-nostats"]
    args += _safe_input(Path(source), AUDIO_DEMUXER_WHITELIST if audio_file else DEMUXER_WHITELIST)
    args += ["-map", f"0:{stream_index}", "-vn", "-sn", "-dn"]
    args += ["-c:a", "aac", "-ac", "2", "-ar", str(_AUDIO_RATE), "-b:a", f"{AUDIO_KBPS}k"]
    args += ["-map_metadata", "-1", "-map_chapters", "-1"]
    args += ["-f", "hls", "-hls_time", str(segment_seconds), "-hls_playlist_type", "vod"]
    args += ["-hls_segment_type", "mpegts"]
    args += ["-hls_segment_filename", f"{name}/{SEGMENT_PATTERN}", f"{name}/{PLAYLIST_NAME}"]
    run_ffmpeg(args, cwd=out, timeout=timeout, should_cancel=should_cancel)
    playlist = out / name / PLAYLIST_NAME
    if not playlist.is_file():
        raise TranscodeError("ffmpeg_failed", detail=f"{name}: no playlist written")
    segments, _durations = _media_segments(playlist)
    return f"{name}/{PLAYLIST_NAME}", tuple(f"{name}/{s}" for s in segments)
