"""Running the FFmpeg binary: locating it, progress, cancellation, timeouts, error tails.

The process is always reaped before ``run_ffmpeg`` returns or raises, including when a
progress callback raises, so no zombie or orphaned FFmpeg is left behind.

A worker killed outright (``kill -9``, the OOM killer) cannot stop its FFmpeg, and FFmpeg
ignores the broken pipe. On Linux the kernel kills FFmpeg with its parent (a parent-death
signal); everywhere, FFmpeg carries its worker's identity in its environment, and a
starting worker stops any FFmpeg whose worker is gone (:func:`reap_orphaned_ffmpeg`).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import queue
import signal
import subprocess
import sys
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
OWNER_ENV = "STOREFRONT_FFMPEG_OWNER"  # "pid:start time" of the worker that started FFmpeg
_PR_SET_PDEATHSIG = 1
log = logging.getLogger(__name__)


def _start_ticks(pid: int) -> str | None:
    """A process's start time in clock ticks since boot (Linux), telling reused pids apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces; fields after it are space-separated.
    return stat.rsplit(")", 1)[1].split()[19]


def _owner_tag() -> str:
    return f"{os.getpid()}:{_start_ticks(os.getpid()) or '?'}"


def _die_with_parent(parent: int) -> Callable[[], None] | None:
    """A pre-exec hook that asks Linux to SIGKILL the child when its parent dies."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def hook() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before the request took effect
            os._exit(1)

    return hook


def reap_orphaned_ffmpeg(work_dir: Path | None = None) -> int:
    """Stop every FFmpeg whose starting worker is no longer running; returns how many.

    Called when a worker starts. Only processes this code started are considered (they
    carry :data:`OWNER_ENV`), and only those whose owner (pid and start time) is gone.
    """
    proc = Path("/proc")
    if not proc.is_dir():
        return 0
    stopped = 0
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:  # gone, or not ours to read
            continue
        prefix = f"{OWNER_ENV}=".encode()
        tag = next((v[len(prefix) :].decode() for v in environ if v.startswith(prefix)), None)
        if tag is None:
            continue
        owner, _, started = tag.partition(":")
        if owner.isdigit() and _start_ticks(int(owner)) == started:
            continue  # its worker is alive and will stop it itself
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(int(entry.name), signal.SIGKILL)
            stopped += 1
            log.warning("Stopped FFmpeg %s left behind by dead worker %s", entry.name, owner)
    return stopped


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
        proc = subprocess.Popen(  # noqa: PLW1509 - the hook only calls prctl and getppid
            list(args),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            env={**os.environ, OWNER_ENV: _owner_tag()},
            preexec_fn=_die_with_parent(os.getpid()),
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
