"""The media pipeline's state rules: who works on an asset, what it learnt, how it ended.

An asset moves uploaded -> probing -> transcoding -> ready, or to failed with a reason a
filmmaker understands. One attempt at a time owns an asset: the claim bumps
``attempts`` and every later write by that attempt is conditional on ``attempts`` still
being its number (a fencing token), so a worker that was presumed dead and comes back
cannot overwrite the work of the attempt that replaced it. ``updated_at`` is the
heartbeat of the attempt that owns the asset.

These functions only flush; the background task commits between the steps, so the
studio sees each step as it happens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext

from ...adapters.media.base import MESSAGES as MEDIA_MESSAGES
from ...adapters.media.base import N_, ProbeResult, TranscodeResult
from ...adapters.media.base import Rendition as RenditionSpec
from ...adapters.storage import keys
from ...extensions import db
from ...formatting import frame_rate_text, runtime_text
from ...models import AssetKind, AssetStatus, MediaAsset, Rendition, Title, TitleStatus, utcnow
from .upload_faults import LOST_CODE, LOST_REASON

IN_PROGRESS = frozenset({AssetStatus.PROBING, AssetStatus.TRANSCODING})
# The studio's choices; the pipeline never moves a title out of them.
STORE_STATUSES = frozenset({TitleStatus.PUBLISHED, TitleStatus.UNLISTED, TitleStatus.REMOVED})

# Reasons the pipeline itself gives (the media adapter's are in its MESSAGES).
MESSAGES: dict[str, str] = {
    "interrupted": N_(
        "Processing was interrupted too many times. Please upload the file again, "
        "or contact us if it keeps happening."
    ),
    "no_space": N_(
        "There is not enough disk space to process this file right now. Please try again later."
    ),
    LOST_CODE: LOST_REASON,
    "no_film": N_(
        "Upload the film first: a separate audio track is added to the film once it is ready."
    ),
    "processing_error": N_(
        "Something went wrong while processing this file. Please upload it again, "
        "or contact us if it keeps happening."
    ),
}


def message_for(code: str) -> str:
    """The English reason for an error code (translated only when shown)."""
    return MESSAGES.get(code) or MEDIA_MESSAGES.get(code) or MESSAGES["processing_error"]


def hls_prefix(asset: MediaAsset) -> str:
    """Where an asset's HLS package lives: trailers (played publicly) apart from films."""
    if asset.kind == AssetKind.TRAILER:
        return keys.trailer_prefix(asset.title_id, asset.id)
    return keys.rendition_prefix(asset.title_id, asset.id)


def claim_asset(asset_id: int, *, stale_before: datetime, max_attempts: int) -> MediaAsset | None:
    """Take an asset for a new attempt, or None when there is nothing to do.

    Nothing to do: the asset is gone, ready, failed, replaced, still uploading, or being
    processed by an attempt whose heartbeat is fresh. An asset out of attempts is failed.
    """
    asset = db.session.get(MediaAsset, asset_id, populate_existing=True)
    if asset is None:
        return None
    if asset.status in IN_PROGRESS:
        if asset.updated_at >= stale_before:
            return None  # another worker is on it
    elif asset.status != AssetStatus.UPLOADED:
        return None
    if asset.attempts >= max_attempts:
        fail_asset(asset, asset.attempts, "interrupted")
        return None
    condition = [MediaAsset.id == asset.id, MediaAsset.attempts == asset.attempts]
    if asset.status in IN_PROGRESS:
        condition += [MediaAsset.status.in_(IN_PROGRESS), MediaAsset.updated_at < stale_before]
    else:
        condition.append(MediaAsset.status == AssetStatus.UPLOADED)
    claimed = db.session.execute(
        sa.update(MediaAsset)
        .where(*condition)
        .values(
            status=AssetStatus.PROBING,
            attempts=MediaAsset.attempts + 1,
            progress=0,
            error_code=None,
            error=None,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return None  # someone else claimed it between our read and our write
    db.session.refresh(asset)
    sync_title_status(asset.title_id)
    return asset


def owned_asset(asset_id: int, attempt: int) -> MediaAsset | None:
    """The asset if this attempt still owns it (in progress, not re-claimed), else None."""
    asset = db.session.get(MediaAsset, asset_id, populate_existing=True)
    if asset is None or asset.attempts != attempt or asset.status not in IN_PROGRESS:
        return None
    return asset


def start_transcoding(
    asset: MediaAsset, info: ProbeResult, renditions: Sequence[RenditionSpec]
) -> None:
    """Record what the probe found and one row per rendition about to be encoded."""
    asset.duration_ms = round(info.duration * 1000)
    asset.width = info.width
    asset.height = info.height
    asset.frame_rate = info.frame_rate_fraction[:20]
    asset.video_codec = info.video_codec[:40]
    asset.audio_tracks = [
        {"index": t.index, "codec": t.codec, "channels": t.channels, "language": t.language}
        for t in info.audio_tracks
    ]
    asset.status = AssetStatus.TRANSCODING  # progress carries on from fetching the source
    asset.updated_at = utcnow()
    # A partial run may have left rows: keep their attempt counts, reset the rest.
    existing = {row.name: row for row in asset.renditions}
    rows = []
    for spec in renditions:
        row = existing.pop(spec.name, None) or Rendition(name=spec.name, attempts=0)
        row.width, row.height = spec.width, spec.height
        row.bandwidth = (spec.video_kbps + spec.audio_kbps) * 1000
        row.status = AssetStatus.TRANSCODING
        row.progress = 0
        row.attempts = (row.attempts or 0) + 1
        row.error = None
        row.playlist_key = None
        row.segment_count = 0
        rows.append(row)
    asset.renditions = rows  # rungs no longer planned are deleted (delete-orphan)
    db.session.flush()


@dataclass(frozen=True)
class Finished:
    asset: MediaAsset
    replaced: list[MediaAsset]  # assets whose stored objects can now be deleted


def finish_asset(
    asset: MediaAsset, attempt: int, prefix: str, result: TranscodeResult
) -> Finished | None:
    """Mark the asset ready (None if this attempt lost it) and retire the ones it replaces."""
    newer_ready = db.session.scalar(
        sa.select(MediaAsset.id).where(
            MediaAsset.title_id == asset.title_id,
            MediaAsset.kind == asset.kind,
            MediaAsset.id > asset.id,
            MediaAsset.status == AssetStatus.READY,
        )
    )
    # A newer upload finished first: this one is already out of date.
    target = AssetStatus.SUPERSEDED if newer_ready else AssetStatus.READY
    done = db.session.execute(
        sa.update(MediaAsset)
        .where(
            MediaAsset.id == asset.id,
            MediaAsset.attempts == attempt,
            MediaAsset.status == AssetStatus.TRANSCODING,
        )
        .values(
            status=target,
            progress=100,
            hls_master_key=prefix + result.master_playlist,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        return None
    db.session.refresh(asset)
    outputs = {output.name: output for output in result.renditions}
    for row in asset.renditions:
        output = outputs[row.name]
        row.status = AssetStatus.READY
        row.progress = 100
        row.playlist_key = prefix + output.playlist
        row.segment_count = output.segment_count
        row.width, row.height, row.bandwidth = output.width, output.height, output.bandwidth
    if target == AssetStatus.SUPERSEDED:
        db.session.flush()
        return Finished(asset, [asset])

    older = db.session.scalars(
        sa.select(MediaAsset).where(
            MediaAsset.title_id == asset.title_id,
            MediaAsset.kind == asset.kind,
            MediaAsset.id < asset.id,
            MediaAsset.status != AssetStatus.UPLOADING,
        )
    ).all()
    for old in older:
        old.status = AssetStatus.SUPERSEDED
    title = db.session.get(Title, asset.title_id)
    if title is not None and asset.kind == AssetKind.FEATURE and asset.duration_ms:
        title.runtime_seconds = round(asset.duration_ms / 1000)
    db.session.flush()
    sync_title_status(asset.title_id)
    return Finished(asset, list(older))


def fail_asset(asset: MediaAsset, attempt: int, code: str, message: str | None = None) -> bool:
    """Mark the asset failed with a reason; False if this attempt no longer owns it."""
    allowed = IN_PROGRESS | {AssetStatus.UPLOADED}
    if asset.attempts != attempt or asset.status not in allowed:
        return False
    message = message or message_for(code)
    asset.status = AssetStatus.FAILED
    asset.error_code = code[:40]
    asset.error = message
    asset.updated_at = utcnow()
    for row in asset.renditions:
        if row.status != AssetStatus.READY:
            row.status = AssetStatus.FAILED
            row.error = message
    db.session.flush()
    sync_title_status(asset.title_id)
    return True


def release_for_retry(asset: MediaAsset, attempt: int) -> bool:
    """Put an asset whose attempt hit a passing problem back in line for the next one."""
    if asset.attempts != attempt or asset.status not in IN_PROGRESS:
        return False
    asset.status = AssetStatus.UPLOADED
    asset.progress = 0
    asset.updated_at = utcnow()
    for row in asset.renditions:
        row.status = AssetStatus.UPLOADED
        row.progress = 0
    db.session.flush()
    return True


@dataclass(frozen=True)
class Sweep:
    requeue: list[int]  # asset ids to enqueue again
    failed: list[MediaAsset]  # gave up: out of attempts


def sweep_stale(stale_before: datetime, max_attempts: int, queued: set[int]) -> Sweep:
    """Find work a dead worker left and work whose enqueue was lost.

    An asset in progress whose heartbeat is older than ``stale_before`` goes back to
    ``uploaded`` (or fails once out of attempts); an ``uploaded`` asset not in ``queued``
    (the queue and the retry schedule) is enqueued again.
    """
    requeue: list[int] = []
    failed: list[MediaAsset] = []
    stale = db.session.scalars(
        sa.select(MediaAsset).where(
            MediaAsset.status.in_(IN_PROGRESS), MediaAsset.updated_at < stale_before
        )
    ).all()
    for asset in stale:
        if asset.attempts >= max_attempts:
            if fail_asset(asset, asset.attempts, "interrupted"):
                failed.append(asset)
            continue
        reset = db.session.execute(
            sa.update(MediaAsset)
            .where(
                MediaAsset.id == asset.id,
                MediaAsset.attempts == asset.attempts,
                MediaAsset.status.in_(IN_PROGRESS),
                MediaAsset.updated_at < stale_before,
            )
            .values(status=AssetStatus.UPLOADED, progress=0, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if reset.rowcount == 1:
            requeue.append(asset.id)
    waiting = db.session.scalars(
        sa.select(MediaAsset.id).where(MediaAsset.status == AssetStatus.UPLOADED)
    ).all()
    requeue += [
        asset_id for asset_id in waiting if asset_id not in queued and asset_id not in requeue
    ]
    db.session.flush()
    return Sweep(requeue, failed)


def current_feature(title_id: int) -> MediaAsset | None:
    """The newest uploaded feature that has not been replaced."""
    return db.session.scalar(
        sa.select(MediaAsset)
        .where(
            MediaAsset.title_id == title_id,
            MediaAsset.kind == AssetKind.FEATURE,
            MediaAsset.status.not_in([AssetStatus.SUPERSEDED, AssetStatus.UPLOADING]),
        )
        .order_by(MediaAsset.id.desc())
        .limit(1)
    )


def sync_title_status(title_id: int) -> None:
    """A title not yet in the store follows its feature: processing, ready or failed."""
    title = db.session.get(Title, title_id)
    if title is None or title.status in STORE_STATUSES:
        return
    feature = current_feature(title_id)
    if feature is None:
        return
    if feature.status == AssetStatus.READY:
        title.status = TitleStatus.READY
    elif feature.status == AssetStatus.FAILED:
        title.status = TitleStatus.FAILED
    else:
        title.status = TitleStatus.PROCESSING
    db.session.flush()


def asset_status(asset: MediaAsset) -> dict[str, Any]:
    """What the studio shows about an asset while it is processed (JSON-ready, translated)."""
    failed = asset.status == AssetStatus.FAILED
    return {
        "id": asset.id,
        "kind": asset.kind.value,
        "status": asset.status.value,
        "progress": 100 if asset.status == AssetStatus.READY else asset.progress,
        "attempts": asset.attempts,
        "error_code": asset.error_code if failed else None,
        "error": _error_text(asset) if failed else None,
        "probe": {
            "duration_ms": asset.duration_ms,
            "width": asset.width,
            "height": asset.height,
            "frame_rate": asset.frame_rate,
            "duration_text": runtime_text((asset.duration_ms or 0) / 1000),
            "frame_rate_text": gettext("%(rate)s fps", rate=frame_rate_text(asset.frame_rate))
            if asset.frame_rate
            else "",
            "video_codec": asset.video_codec,
            "audio_tracks": list(asset.audio_tracks or []),
        },
        "renditions": [
            {
                "name": row.name,
                "width": row.width,
                "height": row.height,
                "status": row.status.value,
                "progress": row.progress,
                "attempts": row.attempts,
                "error": _error_text(asset) if row.status == AssetStatus.FAILED else None,
            }
            for row in asset.renditions
        ],
    }


def _error_text(asset: MediaAsset) -> str:
    """The failure reason in the reader's language: by code, else the stored text."""
    code = asset.error_code or ""
    known = MESSAGES.get(code) or MEDIA_MESSAGES.get(code)
    if known:
        return gettext(known)
    return gettext(asset.error or message_for("processing_error"))
