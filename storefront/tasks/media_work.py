"""What one processing attempt needs besides the state rules: a lease kept alive by a
heartbeat, live progress, a scratch directory, disk space checks and the upload of the
HLS package.

Heartbeats and progress are written on their own connections in short transactions, so
the studio sees them at once and they never wait for the task's own session.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..adapters.media.base import Rendition as RenditionSpec
from ..adapters.media.base import TranscodeResult
from ..adapters.storage import LocalStorage, Storage
from ..models import AssetStatus, MediaAsset, Rendition, utcnow

log = logging.getLogger(__name__)

MiB = 1024 * 1024
# Kept free besides what a job needs, so one film cannot fill the worker's disk.
DISK_MARGIN = 512 * MiB
PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
SEGMENT_TYPE = "video/mp2t"
UPLOAD_THREADS = 8
# Share of the asset's progress bar spent transcoding; uploading fills the rest.
#: Shares of the asset's progress bar: fetching the source from S3 (minutes for a feature),
#: then transcoding; the rest is uploading the package.
DOWNLOAD_SHARE = 10
TRANSCODE_SHARE = 90
_PROGRESS_SECONDS = 2.0
_PROGRESS_STEP = 2


class LeaseLost(Exception):
    """Another attempt owns the asset now, or it was replaced or deleted: stop quietly."""


class RetryLater(Exception):
    """A passing problem on this worker (e.g. a full disk): try again, maybe elsewhere."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code


@dataclass(frozen=True)
class PipelineSettings:
    ladder: tuple[tuple[int, int, int], ...]
    segment_seconds: int
    preset: str
    threads: int
    ffmpeg_path: str | None
    timeout_factor: int
    max_attempts: int
    retry_seconds: int
    stale_seconds: int
    sweep_minutes: int
    work_dir: Path

    @classmethod
    def from_config(cls, config: Any) -> PipelineSettings:
        return cls(
            ladder=tuple(tuple(rung) for rung in config["TRANSCODE_LADDER"]),  # type: ignore[misc]
            segment_seconds=int(config["TRANSCODE_SEGMENT_SECONDS"]),
            preset=config["TRANSCODE_PRESET"],
            threads=int(config["TRANSCODE_THREADS"]),
            ffmpeg_path=config.get("FFMPEG_PATH") or None,
            timeout_factor=int(config["TRANSCODE_TIMEOUT_FACTOR"]),
            max_attempts=int(config["TRANSCODE_MAX_ATTEMPTS"]),
            retry_seconds=int(config["TRANSCODE_RETRY_SECONDS"]),
            stale_seconds=int(config["TRANSCODE_STALE_SECONDS"]),
            sweep_minutes=int(config["TRANSCODE_SWEEP_MINUTES"]),
            work_dir=Path(config["TRANSCODE_WORK_DIR"]),
        )

    @property
    def heartbeat_seconds(self) -> float:
        """Several beats fit in the stale window, so one slow write never looks like death."""
        return min(30.0, max(0.2, self.stale_seconds / 5))

    def timeout_for(self, duration: float) -> float:
        """FFmpeg's time limit grows with the film: a feature may take hours on a small box."""
        return max(600.0, duration * self.timeout_factor)


class Lease:
    """This attempt's hold on an asset: a heartbeat thread and throttled progress writes.

    ``lost`` is set as soon as a write finds the asset no longer ours (re-claimed after we
    looked dead, replaced by a newer upload, deleted with its title).
    """

    def __init__(self, engine: Engine, asset_id: int, attempt: int, interval: float) -> None:
        self.engine = engine
        self.asset_id = asset_id
        self.attempt = attempt
        self.interval = interval
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, name=f"heartbeat-asset-{asset_id}", daemon=True
        )
        self._last_write = 0.0
        self._last_percent = -1

    def __enter__(self) -> Lease:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def check(self) -> None:
        if self.lost.is_set():
            raise LeaseLost()

    def _ours(self, *statuses: AssetStatus) -> list[Any]:
        return [
            MediaAsset.id == self.asset_id,
            MediaAsset.attempts == self.attempt,
            MediaAsset.status.in_(statuses or (AssetStatus.PROBING, AssetStatus.TRANSCODING)),
        ]

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                with self.engine.begin() as conn:
                    touched = conn.execute(
                        sa.update(MediaAsset).where(*self._ours()).values(updated_at=utcnow())
                    ).rowcount
            except Exception:  # a database hiccup is not a lost lease; try again next beat
                log.warning("Heartbeat of asset %s failed", self.asset_id, exc_info=True)
                continue
            if touched != 1:
                self.lost.set()
                return

    def progress(
        self,
        percent: int,
        rendition_percent: int | None = None,
        status: AssetStatus = AssetStatus.TRANSCODING,
    ) -> None:
        """Record progress if it moved enough since the last write (or ``percent`` is 100)."""
        now = time.monotonic()
        if percent <= self._last_percent:
            return
        step = percent - self._last_percent >= _PROGRESS_STEP
        if not step and now - self._last_write < _PROGRESS_SECONDS:
            return
        self._last_write, self._last_percent = now, percent
        try:
            with self.engine.begin() as conn:
                touched = conn.execute(
                    sa.update(MediaAsset)
                    .where(*self._ours(status))
                    .values(progress=percent, updated_at=utcnow())
                ).rowcount
                if touched == 1 and rendition_percent is not None:
                    conn.execute(
                        sa.update(Rendition)
                        .where(Rendition.asset_id == self.asset_id)
                        .values(progress=rendition_percent)
                    )
        except Exception:  # progress is informative; the heartbeat decides liveness
            log.warning("Progress of asset %s not saved", self.asset_id, exc_info=True)
            return
        if touched != 1:
            self.lost.set()

    def download_progress(self, received: int, total: int) -> None:
        """Bytes of the source fetched so far, mapped onto the bar's download share."""
        if total > 0:
            share = DOWNLOAD_SHARE * min(received, total) // total
            self.progress(share, status=AssetStatus.PROBING)

    def transcode_progress(self, percent: float) -> None:
        """FFmpeg's 0..100 mapped onto the share of the bar spent transcoding."""
        done = int(percent)
        share = DOWNLOAD_SHARE + done * (TRANSCODE_SHARE - DOWNLOAD_SHARE) // 100
        self.progress(share, min(done, 99))


def attempt_dir(settings: PipelineSettings, asset_id: int, attempt: int) -> Path:
    """A fresh scratch directory for this attempt, after removing earlier attempts' leftovers.

    A killed worker leaves its directory (and maybe an FFmpeg still writing into it); each
    attempt has its own so that one never writes into the next one's files.
    """
    root = settings.work_dir
    root.mkdir(parents=True, exist_ok=True)
    for old in root.glob(f"asset-{asset_id}-*"):
        shutil.rmtree(old, ignore_errors=True)
    path = root / f"asset-{asset_id}-{attempt}"
    path.mkdir()
    return path


def require_space(path: Path, needed: int) -> None:
    free = shutil.disk_usage(path).free
    if free < needed + DISK_MARGIN:
        raise RetryLater("no_space", f"{free} bytes free in {path}, {needed} needed")


def estimated_output_bytes(renditions: list[RenditionSpec], duration: float) -> int:
    """Upper bound of the HLS package: bitrates are capped, plus container overhead."""
    kbps = sum(r.video_kbps + r.audio_kbps for r in renditions)
    return int(kbps * 1000 / 8 * duration * 1.15)


def local_source(storage: Storage, key: str) -> Path | None:
    """The source's own file when storage is a local directory (no copy of a 50 GB film)."""
    if isinstance(storage, LocalStorage):
        return storage.path_for(key)
    return None


def fetch_source(
    storage: Storage,
    key: str,
    size: int,
    work: Path,
    on_progress: Callable[[int], None] | None = None,
) -> Path:
    """The source as a local file: in place on local storage, else streamed to ``work``
    (``on_progress`` hears the bytes received so far)."""
    path = local_source(storage, key)
    if path is not None:
        return path
    require_space(work, size)
    target = work / ("source" + Path(key).suffix)
    storage.download_to(key, target, on_progress)
    return target


def upload_package(
    storage: Storage,
    out: Path,
    prefix: str,
    result: TranscodeResult,
    lease: Lease,
    on_file: Callable[[int, int], None],
) -> None:
    """Segments first, then variant playlists, then the master: a reader that finds the
    master finds everything it names."""
    segments = [seg for rendition in result.renditions for seg in rendition.segments]
    playlists = [rendition.playlist for rendition in result.renditions]
    total = len(segments) + len(playlists) + 1
    sent = 0
    lock = threading.Lock()

    def send(relative: str, content_type: str) -> None:
        nonlocal sent
        lease.check()
        storage.upload_from(out / relative, prefix + relative, content_type)
        with lock:
            sent += 1
            on_file(sent, total)

    pool = ThreadPoolExecutor(max_workers=UPLOAD_THREADS, thread_name_prefix="hls-upload")
    try:
        list(pool.map(lambda seg: send(seg, SEGMENT_TYPE), segments))  # re-raises a failure
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    for playlist in playlists:
        send(playlist, PLAYLIST_TYPE)
    send(result.master_playlist, PLAYLIST_TYPE)


def upload_files(
    storage: Storage,
    out: Path,
    prefix: str,
    segments: list[str],
    playlists: list[str],
    lease: Lease,
) -> None:
    """Upload extra files of the package (alternate audio): segments before playlists."""

    def send(relative: str, content_type: str) -> None:
        lease.check()
        storage.upload_from(out / relative, prefix + relative, content_type)

    pool = ThreadPoolExecutor(max_workers=UPLOAD_THREADS, thread_name_prefix="hls-upload")
    try:
        list(pool.map(lambda seg: send(seg, SEGMENT_TYPE), segments))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    for playlist in playlists:
        send(playlist, PLAYLIST_TYPE)


def remove(path: Path | None) -> None:
    if path is not None and path.exists():
        shutil.rmtree(path, ignore_errors=True)
