"""Separately uploaded audio files of a title (a dub, audio description): what the studio
sees of each one while it is processed, and deleting one with everything made from it.

An audio file is a ``MediaAsset`` of kind ``audio``; once ready, its track is an
``AudioTrack`` of the film with ``stream_index`` = minus the asset's id (see ``audio``).
"""

from __future__ import annotations

import sqlalchemy as sa

from ... import jobs
from ...extensions import db
from ...models import AssetKind, AssetStatus, AudioTrack, MediaAsset, UploadSession

# Still uploading: the uploader shows those; replaced files are gone for the studio.
_NOT_LISTED = (AssetStatus.UPLOADING, AssetStatus.SUPERSEDED)


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


def track_of(asset: MediaAsset) -> AudioTrack | None:
    """The film's audio track made from this file, once it is ready."""
    return db.session.scalar(
        sa.select(AudioTrack).where(
            AudioTrack.title_id == asset.title_id, AudioTrack.stream_index == -asset.id
        )
    )


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
    db.session.execute(
        sa.delete(AudioTrack).where(
            AudioTrack.title_id == title_id, AudioTrack.stream_index == -locked.id
        )
    )
    db.session.execute(sa.delete(UploadSession).where(UploadSession.asset_id == locked.id))
    jobs.defer(db.session, "delete_asset_objects", title_id, locked.id, source_key)
    db.session.delete(locked)
    db.session.flush()
