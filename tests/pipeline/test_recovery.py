"""Work that a dead worker, a lost enqueue or a passing problem interrupted gets done."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from storefront import jobs
from storefront.adapters.storage import keys
from storefront.extensions import db
from storefront.jobs import in_app_context
from storefront.models import AssetStatus, MediaAsset, Title, TitleStatus, utcnow
from storefront.tasks.media import process_asset, requeue_stale_assets

from .conftest import fresh

pytestmark = pytest.mark.slow


def left_by_a_dead_worker(asset: MediaAsset, attempts: int, minutes_ago: float) -> None:
    db.session.execute(
        db.update(MediaAsset)
        .where(MediaAsset.id == asset.id)
        .values(
            status=AssetStatus.TRANSCODING,
            attempts=attempts,
            progress=30,
            updated_at=utcnow() - timedelta(minutes=minutes_ago),
        )
    )
    db.session.commit()


def test_a_stale_asset_is_requeued_and_completes(upload, draft_title, clips):
    asset = upload(draft_title, clips.sd_silent, enqueue=False)
    left_by_a_dead_worker(asset, attempts=1, minutes_ago=6)  # default stale time: 5 min

    assert requeue_stale_assets() == {"requeued": 1, "failed": 0}

    asset = fresh(MediaAsset, asset.id)
    assert (asset.status, asset.attempts) == (AssetStatus.READY, 2)


def test_a_live_workers_asset_is_not_taken_from_it(upload, draft_title, clips):
    asset = upload(draft_title, clips.sd_silent, enqueue=False)
    left_by_a_dead_worker(asset, attempts=1, minutes_ago=4)

    assert requeue_stale_assets() == {"requeued": 0, "failed": 0}
    assert fresh(MediaAsset, asset.id).status == AssetStatus.TRANSCODING


def test_after_the_last_attempt_the_asset_fails_with_a_reason(storage, upload, draft_title, clips):
    asset = upload(draft_title, clips.sd_silent, enqueue=False)
    left_by_a_dead_worker(asset, attempts=3, minutes_ago=10)  # TRANSCODE_MAX_ATTEMPTS = 3
    storage.put(f"titles/{draft_title.id}/renditions/{asset.id}/360p/seg_00000.ts", b"x", "")

    assert requeue_stale_assets() == {"requeued": 0, "failed": 1}

    asset = fresh(MediaAsset, asset.id)
    assert (asset.status, asset.error_code) == (AssetStatus.FAILED, "interrupted")
    assert asset.error.startswith("Processing was interrupted too many times.")
    assert fresh(Title, draft_title.id).status == TitleStatus.FAILED
    assert storage.delete_prefix(f"titles/{draft_title.id}/renditions/{asset.id}/") == 0


def test_an_upload_whose_enqueue_was_lost_is_processed(upload, draft_title, clips):
    asset = upload(draft_title, clips.sd_silent, enqueue=False)  # committed, never queued

    assert requeue_stale_assets() == {"requeued": 1, "failed": 0}
    assert fresh(MediaAsset, asset.id).status == AssetStatus.READY


def test_a_passing_problem_is_retried_later_then_gives_up(
    app, settings, upload, draft_title, clips
):
    huey = app.extensions["huey"]
    app.config["FFMPEG_PATH"] = "/nonexistent/ffmpeg"  # e.g. a system FFmpeg not mounted yet

    asset = upload(draft_title, clips.sd_silent)

    asset = fresh(MediaAsset, asset.id)
    assert (asset.status, asset.attempts, asset.error) == (AssetStatus.UPLOADED, 1, None)
    retry = [t for t in huey.scheduled() if t.name == "process_asset"]
    assert [t.args for t in retry] == [(asset.id,)]  # Huey retries after a delay
    # The sweep sees the scheduled retry and does not queue a second one.
    assert requeue_stale_assets() == {"requeued": 0, "failed": 0}

    jobs.enqueue("process_asset", asset.id)  # attempt 2, still broken
    assert fresh(MediaAsset, asset.id).status == AssetStatus.UPLOADED
    jobs.enqueue("process_asset", asset.id)  # attempt 3 is the last

    asset = fresh(MediaAsset, asset.id)
    assert (asset.status, asset.attempts, asset.error_code) == (
        AssetStatus.FAILED,
        3,
        "ffmpeg_missing",
    )
    assert fresh(Title, draft_title.id).status == TitleStatus.FAILED


def test_a_retry_that_finds_the_problem_gone_completes(app, upload, draft_title, clips):
    app.config["FFMPEG_PATH"] = "/nonexistent/ffmpeg"
    asset = upload(draft_title, clips.sd_silent)
    app.config["FFMPEG_PATH"] = None  # back to the bundled binary

    jobs.enqueue("process_asset", asset.id)

    asset = fresh(MediaAsset, asset.id)
    assert (asset.status, asset.attempts) == (AssetStatus.READY, 2)
    assert [r.attempts for r in asset.renditions] == [2]


@pytest.mark.parametrize("change", ["replaced", "deleted"])
def test_work_on_an_asset_replaced_or_deleted_mid_transcode_stops(
    app, storage, upload, draft_title, long_clip, fast_settings, change
):
    asset_id = upload(draft_title, long_clip, enqueue=False).id
    outcome: dict[str, str] = {}
    run = in_app_context(app, process_asset)
    worker = threading.Thread(target=lambda: outcome.update(result=run(asset_id)))
    worker.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        current = fresh(MediaAsset, asset_id)
        if current.status == AssetStatus.TRANSCODING and current.progress > 0:
            break
        time.sleep(0.05)
    if change == "replaced":  # a newer upload completed
        current.status = AssetStatus.SUPERSEDED
    else:  # the filmmaker deleted the title
        db.session.delete(fresh(Title, draft_title.id))
    db.session.commit()

    worker.join(timeout=30)

    assert outcome == {"result": "abandoned"}
    assert storage.delete_prefix(keys.rendition_prefix(draft_title.id, asset_id)) == 0
    assert list(Path(fast_settings["TRANSCODE_WORK_DIR"]).glob("asset-*")) == []
    if change == "replaced":
        current = fresh(MediaAsset, asset_id)
        assert current.status == AssetStatus.SUPERSEDED and current.progress < 100
    else:
        assert fresh(MediaAsset, asset_id) is None
