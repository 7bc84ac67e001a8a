"""Running the FFmpeg binary: locating it, progress, cancellation, timeouts, error tails.

The process is always reaped before ``run_ffmpeg`` returns or raises, including when a
progress callback raises, so no zombie or orphaned FFmpeg is left behind.
"""

from __future__ import annotations

import os
import queue
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

from .base import CancelCheck, TranscodeCancelled, TranscodeError

_POLL_SECONDS = 0.2
_TERMINATE_GRACE_SECONDS = 5.0
_STDERR_TAIL_LINES = 25
_EOF = object()


def default_ffmpeg_path() -> str:
    """The FFmpeg binary bundled with the ``imageio-ffmpeg`` wheel."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def resolve_ffmpeg(ffmpeg_path: str | os.PathLike[str] | None) -> str:
    """The configured binary, or the bundled one; ``TranscodeError`` if neither works."""
    if ffmpeg_path is not None:
        return os.fspath(ffmpeg_path)
    try:
        return default_ffmpeg_path()
    except (ImportError, RuntimeError, OSError) as exc:
        raise TranscodeError("ffmpeg_missing", detail=str(exc)) from exc


def run_ffmpeg(
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    duration: float = 0.0,
    on_fraction: Callable[[float], None] | None = None,
    should_cancel: CancelCheck | None = None,
    timeout: float | None = None,
) -> None:
    """Run FFmpeg (``args[0]``) to completion.

    When ``args`` include ``-progress pipe:1``, ``on_fraction`` receives ``out_time``
    divided by ``duration`` (0..1, possibly repeated or slightly out of order; callers
    smooth it). Raises ``TranscodeCancelled`` (code ``cancelled`` or ``timeout``) after
    stopping FFmpeg, and ``TranscodeError`` with FFmpeg's last stderr lines if it fails.
    """
    try:
        proc = subprocess.Popen(
            list(args),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
    except OSError as exc:
        raise TranscodeError("ffmpeg_missing", detail=f"{args[0]}: {exc}") from exc

    events: queue.Queue[object] = queue.Queue()
    tail: deque[str] = deque(maxlen=_STDERR_TAIL_LINES)
    assert proc.stdout is not None and proc.stderr is not None
    readers = [
        threading.Thread(target=_read_progress, args=(proc.stdout, events), daemon=True),
        threading.Thread(target=_read_tail, args=(proc.stderr, tail), daemon=True),
    ]
    for reader in readers:
        reader.start()
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        while True:
            try:
                item = events.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                item = None
            if item is _EOF:
                break
            if isinstance(item, float) and on_fraction is not None and duration > 0:
                on_fraction(min(1.0, max(0.0, item / duration)))
            if should_cancel is not None and should_cancel():
                raise TranscodeCancelled("cancelled")
            if deadline is not None and time.monotonic() > deadline:
                raise TranscodeCancelled("timeout", detail=f"no result after {timeout:.0f}s")
        returncode = proc.wait()
    finally:
        if proc.poll() is None:
            _stop(proc)
        for reader in readers:
            reader.join()
        proc.stdout.close()
        proc.stderr.close()
    if returncode != 0:
        detail = "\n".join(tail) or f"ffmpeg exited with status {returncode}"
        raise TranscodeError("ffmpeg_failed", detail=detail)


def _stop(proc: subprocess.Popen[str]) -> None:
    """Ask FFmpeg to stop, then insist; always reap it."""
    proc.terminate()
    try:
        proc.wait(timeout=_TERMINATE_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _read_progress(stream: IO[str], events: queue.Queue[object]) -> None:
    """Forward ``out_time_us`` values (as seconds) from ``-progress pipe:1``."""
    try:
        for line in stream:
            key, _, value = line.strip().partition("=")
            if key == "out_time_us":
                try:
                    events.put(int(value) / 1_000_000)
                except ValueError:
                    continue  # "N/A" before the first frame is written
    finally:
        events.put(_EOF)


def _read_tail(stream: IO[str], tail: deque[str]) -> None:
    for line in stream:
        line = line.rstrip()
        if line:
            tail.append(line)
