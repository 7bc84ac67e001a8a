"""Probing and transcoding uploads in the background, and resuming work a dead worker left.

* ``process_asset(asset_id)``: uploaded -> probing -> transcoding -> ready, or failed with a
  reason for the filmmaker. Safe to run any number of times: a ready, failed or replaced
  asset is left alone, an asset another live worker holds is skipped, and an attempt
  after a partial one clears what that one uploaded and starts over.
* ``requeue_stale_assets()``: every ``TRANSCODE_SWEEP_MINUTES`` (on the worker's own timer
  thread, so long transcodes cannot hold it back) and when ``flask worker`` starts. Huey
  drops a task from the queue when a worker takes it, so a killed worker would lose it;
  the asset's heartbeat (``updated_at``) going stale is how we notice, and
  the asset is queued again until ``TRANSCODE_MAX_ATTEMPTS`` is reached.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import Huey

from ..adapters.media.base import MediaError, ProbeError
from ..adapters.media.ffmpeg import reap_orphaned_ffmpeg
from ..adapters.storage import ObjectNotFound, Storage
from ..extensions import db
from ..jobs import enqueue, in_app_context, on_worker_schedule, on_worker_start
from ..models import AssetKind, AssetStatus, MediaAsset, utcnow
from ..services.media import audio, pipeline
from ..services.media.storage import get_storage
from .media_work import (
    TRANSCODE_SHARE,
    Lease,
    LeaseLost,
    PipelineSettings,
    RetryLater,
    attempt_dir,
    estimated_output_bytes,
    fetch_source,
    remove,
    require_space,
    upload_files,
    upload_package,
)

log = logging.getLogger(__name__)

# Media errors that say more about this worker than about the file.
RETRYABLE_CODES = frozenset({"ffmpeg_missing"})


@dataclass(frozen=True)
class Job:
    """What an attempt needs to know, copied out of the session so commits cannot expire it."""

    asset_id: int
    attempt: int
    prefix: str  # where the HLS package goes
    source_key: str
    size_bytes: int
    kind: AssetKind


def settings() -> PipelineSettings:
    return PipelineSettings.from_config(current_app.config)


def process_asset(asset_id: int) -> str:
    """Probe and transcode one uploaded asset; returns the outcome (for logs and tests)."""
    conf = settings()
    stale_before = utcnow() - timedelta(seconds=conf.stale_seconds)
    asset = pipeline.claim_asset(
        asset_id, stale_before=stale_before, max_attempts=conf.max_attempts
    )
    if asset is None:
        db.session.commit()  # the claim may have failed an asset that is out of attempts
        log.info("Asset %s: nothing to do", asset_id)
        return "skipped"
    job = Job(
        asset.id,
        asset.attempts,
        pipeline.hls_prefix(asset),
        asset.source_key,
        asset.size_bytes,
        asset.kind,
    )
    db.session.commit()
    log.info("Asset %s: attempt %s started", asset_id, job.attempt)

    storage = get_storage()
    work = attempt_dir(conf, job.asset_id, job.attempt)
    lease = Lease(db.engine, job.asset_id, job.attempt, conf.heartbeat_seconds)
    try:
        with lease:
            if job.kind == AssetKind.AUDIO:
                return _process_audio_file(job, conf, storage, lease, work)
            return _process(job, conf, storage, lease, work)
    except LeaseLost:
        return _abandon(job, storage)
    except MediaError as exc:
        if lease.lost.is_set():  # FFmpeg was stopped because the asset is no longer ours
            return _abandon(job, storage)
        if exc.code in RETRYABLE_CODES:
            if _retry_or_fail(job, conf, storage, exc.code, exc):
                raise
            return "failed"
        log.info("Asset %s failed: %s", asset_id, exc)
        return _fail(job, storage, exc.code, exc.message)
    except RetryLater as exc:
        if _retry_or_fail(job, conf, storage, exc.code, exc):
            raise
        return "failed"
    except Exception as exc:
        if _retry_or_fail(job, conf, storage, "processing_error", exc):
            raise  # Huey retries after TRANSCODE_RETRY_SECONDS
        return "failed"
    finally:
        remove(work)


def _fresh_source(job: Job, storage: Storage, lease: Lease, work: Path) -> Path:
    """Clear what an interrupted attempt uploaded, then fetch the source into ``work``."""
    storage.delete_prefix(job.prefix)
    try:
        source = fetch_source(
            storage,
            job.source_key,
            job.size_bytes,
            work,
            lambda received: lease.download_progress(received, job.size_bytes),
        )
    except ObjectNotFound as exc:
        raise ProbeError("missing", detail=job.source_key) from exc
    lease.check()
    return source


def _process(job: Job, conf: PipelineSettings, storage: Storage, lease: Lease, work: Path) -> str:
    from ..adapters.media.audio import transcode_audio_track
    from ..adapters.media.hls import HlsTranscoder
    from ..adapters.media.ladder import choose_renditions
    from ..adapters.media.probe import probe

    source = _fresh_source(job, storage, lease, work)
    info = probe(source)
    renditions = choose_renditions(info.height, info.width, conf.ladder)
    require_space(work, estimated_output_bytes(renditions, info.duration))

    asset = pipeline.owned_asset(job.asset_id, job.attempt)
    if asset is None:
        raise LeaseLost()
    pipeline.start_transcoding(asset, info, renditions)
    is_feature = asset.kind == AssetKind.FEATURE
    db.session.commit()
    log.info(
        "Asset %s: %.1fs %sx%s, encoding %s",
        job.asset_id,
        info.duration,
        info.width,
        info.height,
        ", ".join(r.name for r in renditions),
    )

    transcoder = HlsTranscoder(
        conf.ffmpeg_path,
        preset=conf.preset,
        segment_seconds=conf.segment_seconds,
        threads=conf.threads,
        timeout=conf.timeout_for(info.duration),
    )
    out = work / "hls"
    result = transcoder.transcode(
        source,
        out,
        renditions,
        on_progress=lease.transcode_progress,
        should_cancel=lease.lost.is_set,
        probe_result=info,
    )
    lease.check()
    # Every audio track after the first (which the video renditions carry) becomes an
    # alternate audio rendition: dubbed versions, audio description, commentary.
    audio_playlists: dict[int, str] = {}
    audio_segments: list[str] = []
    for track in info.audio_tracks[1:] if is_feature else ():
        playlist, segments = transcode_audio_track(
            source,
            track.index,
            out,
            segment_seconds=conf.segment_seconds,
            ffmpeg_path=conf.ffmpeg_path,
            timeout=conf.timeout_for(info.duration),
            should_cancel=lease.lost.is_set,
        )
        lease.check()
        audio_playlists[track.index] = playlist
        audio_segments.extend(segments)
    if audio_playlists:
        upload_files(
            storage, out, job.prefix, audio_segments, list(audio_playlists.values()), lease
        )
    upload_share = 100 - TRANSCODE_SHARE - 1  # 100 is for when the asset is ready

    def uploaded(sent: int, total: int) -> None:
        lease.progress(TRANSCODE_SHARE + upload_share * sent // total, 99)

    upload_package(storage, out, job.prefix, result, lease, uploaded)

    asset = pipeline.owned_asset(job.asset_id, job.attempt)
    finished = pipeline.finish_asset(asset, job.attempt, job.prefix, result) if asset else None
    if finished is None:
        raise LeaseLost()
    if is_feature and finished.asset.status == AssetStatus.READY:
        audio.record_tracks(
            finished.asset,
            info.audio_tracks,
            {index: job.prefix + playlist for index, playlist in audio_playlists.items()},
        )
    replaced = [(old.id, pipeline.hls_prefix(old), old.source_key) for old in finished.replaced]
    status = finished.asset.status
    db.session.commit()
    log.info("Asset %s: %s", job.asset_id, status.value)
    for old_id, prefix, source_key in replaced:
        _purge(storage, old_id, prefix, source_key)
    return status.value


def _process_audio_file(
    job: Job, conf: PipelineSettings, storage: Storage, lease: Lease, work: Path
) -> str:
    """A separate audio file (a dub, audio description): one alternate audio rendition."""
    from ..adapters.media.audio import transcode_audio_track
    from ..adapters.media.probe import probe_audio

    source = _fresh_source(job, storage, lease, work)
    duration, tracks = probe_audio(source)
    asset = pipeline.owned_asset(job.asset_id, job.attempt)
    if asset is None:
        raise LeaseLost()
    audio.start_audio_file(asset, duration, tracks)
    db.session.commit()

    out = work / "hls"
    playlist, segments = transcode_audio_track(
        source,
        tracks[0].index,
        out,
        segment_seconds=conf.segment_seconds,
        ffmpeg_path=conf.ffmpeg_path,
        timeout=conf.timeout_for(duration),
        should_cancel=lease.lost.is_set,
        audio_file=True,
    )
    lease.check()
    upload_files(storage, out, job.prefix, list(segments), [playlist], lease)
    asset = pipeline.owned_asset(job.asset_id, job.attempt)
    if asset is None:
        raise LeaseLost()
    track = audio.finish_audio_file(asset, job.attempt, job.prefix + playlist, tracks[0])
    if track is None and asset.status == AssetStatus.FAILED:  # no ready film to go with
        db.session.commit()
        _delete_prefix(storage, job.prefix)
        return "failed"
    if track is None:
        raise LeaseLost()
    db.session.commit()
    log.info("Asset %s: audio track %s ready", job.asset_id, track.id)
    return AssetStatus.READY.value


def _retry_or_fail(
    job: Job, conf: PipelineSettings, storage: Storage, code: str, exc: BaseException
) -> bool:
    """After a passing problem: True if the asset waits for another attempt, else failed."""
    log.warning("Asset %s: attempt %s failed", job.asset_id, job.attempt, exc_info=exc)
    db.session.rollback()
    asset = db.session.get(MediaAsset, job.asset_id, populate_existing=True)
    if asset is None:  # deleted meanwhile: nobody will come back for what it uploaded
        _abandon(job, storage)
        return False
    if job.attempt < conf.max_attempts and pipeline.release_for_retry(asset, job.attempt):
        db.session.commit()
        return True
    _fail(job, storage, code, None)
    return False


def _fail(job: Job, storage: Storage, code: str, message: str | None) -> str:
    db.session.rollback()
    asset = db.session.get(MediaAsset, job.asset_id, populate_existing=True)
    if asset is None or not pipeline.fail_asset(asset, job.attempt, code, message):
        return _abandon(job, storage)
    db.session.commit()
    _delete_prefix(storage, job.prefix)  # partial output; the source stays for support
    return "failed"


def _abandon(job: Job, storage: Storage) -> str:
    """Another attempt owns the asset, or it was replaced or deleted: leave, tidying up."""
    db.session.rollback()
    asset = db.session.get(MediaAsset, job.asset_id, populate_existing=True)
    if asset is None or asset.status == AssetStatus.SUPERSEDED:
        _delete_prefix(storage, job.prefix)  # nobody else will write there again
    log.info("Asset %s: attempt %s stopped, the asset is no longer ours", job.asset_id, job.attempt)
    return "abandoned"


def _purge(storage: Storage, asset_id: int, prefix: str, source_key: str | None) -> None:
    """Delete a replaced asset's files (its row stays, marked superseded)."""
    try:
        if source_key:
            storage.delete(source_key)
        storage.delete_prefix(prefix)
    except Exception:  # an orphaned file costs storage, not correctness
        log.exception("Could not delete the files of replaced asset %s", asset_id)


def _delete_prefix(storage: Storage, prefix: str) -> None:
    try:
        storage.delete_prefix(prefix)
    except Exception:
        log.exception("Could not delete %s", prefix)


def requeue_stale_assets() -> dict[str, int]:
    """Queue again what a killed worker left and what never reached the queue."""
    conf = settings()
    stale_before = utcnow() - timedelta(seconds=conf.stale_seconds)
    sweep = pipeline.sweep_stale(stale_before, conf.max_attempts, _queued_asset_ids())
    failed = [pipeline.hls_prefix(asset) for asset in sweep.failed]
    db.session.commit()
    storage = get_storage()
    for prefix in failed:
        _delete_prefix(storage, prefix)
    for asset_id in sweep.requeue:
        enqueue("process_asset", asset_id)
    if sweep.requeue or failed:
        log.info("Requeued assets %s; gave up on %d", sweep.requeue, len(failed))
    return {"requeued": len(sweep.requeue), "failed": len(failed)}


def _queued_asset_ids() -> set[int]:
    """Assets with a process_asset task waiting in the queue or the retry schedule."""
    huey: Huey = current_app.extensions["huey"]
    try:
        waiting = [*huey.pending(), *huey.scheduled()]
    except Exception:  # a duplicate task is a no-op, so not knowing is fine
        log.warning("Could not read the job queue", exc_info=True)
        return set()
    return {int(t.args[0]) for t in waiting if t.name == "process_asset" and t.args}


def _process_asset_task(asset_id: int) -> None:
    # Huey stores return values until someone reads them; nobody will, so return nothing.
    process_asset(asset_id)


def register_tasks(huey: Huey, app: Flask) -> dict[str, Any]:
    conf = PipelineSettings.from_config(app.config)
    process = huey.task(
        retries=conf.max_attempts, retry_delay=conf.retry_seconds, name="process_asset"
    )(in_app_context(app, _process_asset_task))
    sweep = huey.task(name="requeue_stale_assets")(in_app_context(app, requeue_stale_assets))
    # FFmpeg a killed worker left running is stopped before its job is queued again.
    on_worker_start(app, lambda: reap_orphaned_ffmpeg(conf.work_dir))
    on_worker_start(app, in_app_context(app, requeue_stale_assets))
    # On the worker's own timer thread, not in the queue behind long transcodes.
    seconds = int(app.config.get("TRANSCODE_SWEEP_SECONDS") or 60 * conf.sweep_minutes)
    on_worker_schedule(app, seconds, in_app_context(app, requeue_stale_assets))
    return {"process_asset": process, "requeue_stale_assets": sweep}
