"""Separately uploaded audio files of a title (a dub, audio description): what the studio
sees of each one while it is processed, and deleting one with everything made from it.

An audio file is a ``MediaAsset`` of kind ``audio``; once ready, its track is an
``AudioTrack`` of the film with ``stream_index`` = minus the asset's id (see ``audio``).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from ... import jobs
from ...extensions import db
from ...models import AssetKind, AssetStatus, AudioTrack, MediaAsset, UploadSession, utcnow

# Still uploading: the uploader shows those; replaced files are gone for the studio.
_NOT_LISTED = (AssetStatus.UPLOADING, AssetStatus.SUPERSEDED)
# Failures that say nothing against the file itself (no ready film then, a full disk, an
# error of ours): the same file may well work another time. A file that cannot be read
# fails the same way again, so only deleting (and uploading a good one) helps.
_WORTH_RETRYING = frozenset({"no_film", "no_space", "processing_error", "ffmpeg_missing"})


def audio_files(title_id: int) -> list[MediaAsset]:
    """The title's uploaded audio files, oldest first, whatever their pipeline state."""
    return list(
        db.session.scalars(
            sa.select(MediaAsset)
            .where(
                MediaAsset.title_id == title_id,
                MediaAsset.kind == AssetKind.AUDIO,
                MediaAsset.status.not_in(_NOT_LISTED),
            )
            .order_by(MediaAsset.id)
        )
    )


def audio_file_of_title(title_id: int, asset_id: int) -> MediaAsset | None:
    asset = db.session.get(MediaAsset, asset_id)
    if asset is None or asset.title_id != title_id or asset.kind != AssetKind.AUDIO:
        return None
    return asset


def _made_from(asset: MediaAsset) -> sa.ColumnElement[bool]:
    """The film's audio track made from this file (``audio`` numbers it minus the file's id)."""
    return sa.and_(AudioTrack.title_id == asset.title_id, AudioTrack.stream_index == -asset.id)


def track_of(asset: MediaAsset) -> AudioTrack | None:
    """The film's audio track made from this file, once it is ready."""
    return db.session.scalar(sa.select(AudioTrack).where(_made_from(asset)))


def delete_audio_file(asset: MediaAsset) -> None:
    """Delete an audio file: its track leaves the film's playlists now, its rows go, and
    once that commits a job deletes its stored objects (source, playlist, segments).

    The asset row is locked first, so a worker finishing it either commits before (and its
    track is deleted here) or finds the row gone and stops, tidying its own output away
    (``pipeline.owned_asset`` and the lease fence every write of an attempt).
    """
    locked = db.session.scalar(
        sa.select(MediaAsset)
        .where(MediaAsset.id == asset.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if locked is None:
        return  # deleted by a request that got here first
    title_id, source_key = locked.title_id, locked.source_key
    db.session.execute(sa.delete(AudioTrack).where(_made_from(locked)))
    db.session.execute(sa.delete(UploadSession).where(UploadSession.asset_id == locked.id))
    jobs.defer(db.session, "delete_asset_objects", title_id, locked.id, source_key)
    db.session.delete(locked)
    db.session.flush()


def can_retry(asset: MediaAsset) -> bool:
    """A failed file whose reason may pass, with attempts left (``attempts`` only grows: it
    fences off any earlier attempt, so a retry continues the count rather than reset it)."""
    return (
        asset.status == AssetStatus.FAILED
        and asset.error_code in _WORTH_RETRYING
        and asset.attempts < int(current_app.config["TRANSCODE_MAX_ATTEMPTS"])
    )


def retry_audio_file(asset: MediaAsset) -> bool:
    """Queue a failed file again (see ``can_retry``); False if it cannot be."""
    if not can_retry(asset):
        return False
    asset.status = AssetStatus.UPLOADED
    asset.progress = 0
    asset.error_code = asset.error = None
    asset.updated_at = utcnow()
    db.session.flush()
    jobs.defer(db.session, "process_asset", asset.id)
    return True
