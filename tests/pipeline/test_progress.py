"""The progress the studio shows while a source is fetched from storage, then transcoded."""

from __future__ import annotations

from datetime import timedelta

from storefront.adapters.media.ladder import choose_renditions
from storefront.adapters.media.probe import probe
from storefront.extensions import db
from storefront.models import AssetStatus, MediaAsset, utcnow
from storefront.services.media.pipeline import claim_asset, start_transcoding
from storefront.tasks.media import settings
from storefront.tasks.media_work import DOWNLOAD_SHARE, Lease

from .conftest import fresh


def shown(asset_id: int) -> tuple[AssetStatus, int]:
    asset = fresh(MediaAsset, asset_id)
    return asset.status, asset.progress


def test_fetching_the_source_fills_the_first_part_of_the_bar(app, upload, draft_title, clips):
    asset = upload(draft_title, clips.hd_audio, enqueue=False)
    claimed = claim_asset(asset.id, stale_before=utcnow() - timedelta(minutes=5), max_attempts=3)
    db.session.commit()
    lease = Lease(db.engine, asset.id, claimed.attempts, interval=60)
    total = 8 * 1024**3  # an 8 GB feature arriving from S3

    lease.download_progress(total // 2, total)
    assert shown(asset.id) == (AssetStatus.PROBING, DOWNLOAD_SHARE // 2)
    lease.download_progress(total, total)
    assert shown(asset.id) == (AssetStatus.PROBING, DOWNLOAD_SHARE)

    # Transcoding carries on from there instead of sending the bar back to 0.
    info = probe(clips.hd_audio)
    renditions = choose_renditions(info.height, info.width, settings().ladder)
    start_transcoding(fresh(MediaAsset, asset.id), info, renditions)
    db.session.commit()
    assert shown(asset.id) == (AssetStatus.TRANSCODING, DOWNLOAD_SHARE)
    lease.transcode_progress(50)
    status, progress = shown(asset.id)
    assert status == AssetStatus.TRANSCODING and DOWNLOAD_SHARE < progress < 90
    assert not lease.lost.is_set()


def test_progress_for_an_asset_taken_over_by_another_attempt_is_not_written(
    app, upload, draft_title, clips
):
    asset = upload(draft_title, clips.hd_audio, enqueue=False)
    claimed = claim_asset(asset.id, stale_before=utcnow() - timedelta(minutes=5), max_attempts=3)
    db.session.commit()
    stale = Lease(db.engine, asset.id, claimed.attempts - 1, interval=60)
    stale.download_progress(1, 2)
    assert shown(asset.id) == (AssetStatus.PROBING, 0)
    assert stale.lost.is_set()
