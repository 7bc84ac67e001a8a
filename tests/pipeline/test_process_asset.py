"""process_asset end to end, in-process (jobs run at once), on local storage and on S3."""

from __future__ import annotations

from datetime import timedelta

import m3u8
import pytest

from storefront import jobs
from storefront.adapters.storage import keys
from storefront.extensions import db
from storefront.models import (
    AssetKind,
    AssetStatus,
    MediaAsset,
    Rendition,
    Title,
    TitleStatus,
    utcnow,
)
from storefront.services.media.pipeline import asset_status, hls_prefix
from storefront.tasks.media import process_asset

from .conftest import fresh

pytestmark = pytest.mark.slow


def stored_package(storage, asset: MediaAsset) -> dict[str, m3u8.M3U8]:
    """Parse the master and variant playlists from storage; check every segment is there."""
    prefix = hls_prefix(asset)
    assert asset.hls_master_key == prefix + "master.m3u8"
    master = m3u8.loads(storage.get(asset.hls_master_key).decode())
    variants = {}
    for playlist in master.playlists:
        assert not playlist.uri.startswith(("/", "http"))  # relative, signed at playback
        media = m3u8.loads(storage.get(prefix + playlist.uri).decode())
        folder = playlist.uri.rsplit("/", 1)[0]
        for segment in media.segments:
            assert storage.exists(f"{prefix}{folder}/{segment.uri}")
        variants[folder] = media
    return variants


@pytest.mark.parametrize("storage_backend", ["local", "s3"])
def test_an_upload_becomes_an_hls_ladder(storage_backend, storage, upload, draft_title, clips):
    asset = upload(draft_title, clips.hd_audio)  # 4 s 1280x720, stereo AAC in English

    asset = fresh(MediaAsset, asset.id)
    assert asset.status == AssetStatus.READY and asset.progress == 100
    assert (asset.attempts, asset.error_code, asset.error) == (1, None, None)
    assert 3900 <= asset.duration_ms <= 4100
    assert (asset.width, asset.height, asset.frame_rate, asset.video_codec) == (
        1280,
        720,
        "25/1",
        "h264",
    )
    assert [(t["codec"], t["channels"], t["language"]) for t in asset.audio_tracks] == [
        ("aac", 2, "eng")
    ]

    rows = {r.name: r for r in asset.renditions}
    assert sorted(rows) == ["360p", "720p"]
    variants = stored_package(storage, asset)
    for name, row in rows.items():
        assert (row.status, row.progress, row.attempts) == (AssetStatus.READY, 100, 1)
        assert (
            row.playlist_key
            == f"{keys.rendition_prefix(draft_title.id, asset.id)}{name}/index.m3u8"
        )
        assert row.segment_count == len(variants[name].segments) == 2  # 4 s in 2 s segments
        assert all(abs(s.duration - 2) < 0.05 for s in variants[name].segments)
    assert (rows["360p"].width, rows["360p"].height) == (640, 360)

    title = fresh(Title, draft_title.id)
    assert title.status == TitleStatus.READY and title.runtime_seconds == 4
    assert storage.exists(asset.source_key)  # the master copy is kept


BAD_FILES = [
    ("empty", "empty", "This file is empty."),
    ("audio_only", "no_video", "No video stream found in this file."),
    ("random_bytes", "not_video", "This file is not a video we can read."),
    (
        "mp4_half",
        "truncated",
        "The video could not be decoded; the file may be incomplete or damaged.",
    ),
]


@pytest.mark.parametrize(("clip", "code", "message"), BAD_FILES)
def test_a_bad_file_fails_with_a_reason_and_a_replacement_then_works(
    app, storage, upload, make_title, draft_title, clips, clip, code, message
):
    other = make_title("Already Fine", status=TitleStatus.DRAFT)
    fine = upload(other, clips.sd_silent)

    bad = upload(draft_title, getattr(clips, clip))

    bad = fresh(MediaAsset, bad.id)
    assert (bad.status, bad.error_code, bad.error) == (AssetStatus.FAILED, code, message)
    assert bad.renditions == [] and bad.hls_master_key is None
    assert fresh(Title, draft_title.id).status == TitleStatus.FAILED
    with app.test_request_context():
        shown = asset_status(bad)
    assert (shown["status"], shown["error_code"], shown["error"]) == ("failed", code, message)
    assert storage.delete_prefix(keys.rendition_prefix(draft_title.id, bad.id)) == 0
    # Nothing else was touched.
    assert fresh(MediaAsset, fine.id).status == AssetStatus.READY
    assert fresh(Title, other.id).status == TitleStatus.READY

    replacement = upload(draft_title, clips.sd_silent)

    assert fresh(MediaAsset, replacement.id).status == AssetStatus.READY
    assert fresh(MediaAsset, bad.id).status == AssetStatus.SUPERSEDED
    assert not storage.exists(bad.source_key)  # the useless upload is gone
    assert fresh(Title, draft_title.id).status == TitleStatus.READY


def test_the_reason_is_shown_in_the_filmmakers_language(app, upload, draft_title, clips):
    bad = upload(draft_title, clips.audio_only)
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        shown = asset_status(fresh(MediaAsset, bad.id))
    assert shown["error"] == "Aucun flux vidéo n’a été trouvé dans ce fichier."
    assert shown["error_code"] == "no_video"


def test_running_again_after_success_changes_nothing(storage, upload, draft_title, clips):
    asset = upload(draft_title, clips.sd_silent)
    before = fresh(MediaAsset, asset.id)
    master = storage.get(before.hls_master_key)
    stamp = before.updated_at

    assert process_asset(asset.id) == "skipped"
    jobs.enqueue("process_asset", asset.id)

    after = fresh(MediaAsset, asset.id)
    assert (after.status, after.attempts, after.updated_at) == (AssetStatus.READY, 1, stamp)
    assert storage.get(after.hls_master_key) == master


def test_an_interrupted_attempt_is_cleaned_up_and_redone(storage, upload, draft_title, clips):
    asset = upload(draft_title, clips.sd_silent, enqueue=False)
    prefix = keys.rendition_prefix(draft_title.id, asset.id)
    # What a worker killed mid-transcode leaves: a half-written package, a stale heartbeat.
    storage.put(prefix + "720p/seg_00042.ts", b"half a segment", "video/mp2t")
    asset.status, asset.attempts, asset.progress = AssetStatus.TRANSCODING, 1, 40
    asset.renditions = [
        Rendition(name="720p", width=1280, height=720, bandwidth=1, progress=40, attempts=1)
    ]
    db.session.commit()
    db.session.execute(
        db.update(MediaAsset)
        .where(MediaAsset.id == asset.id)
        .values(updated_at=utcnow() - timedelta(hours=1))
    )
    db.session.commit()

    assert process_asset(asset.id) == "ready"

    asset = fresh(MediaAsset, asset.id)
    assert (asset.status, asset.attempts) == (AssetStatus.READY, 2)
    assert not storage.exists(prefix + "720p/seg_00042.ts")
    # sd_silent is 640x360: the 720 rung would be upscaling, so its old row is gone.
    assert [(r.name, r.attempts, r.status) for r in asset.renditions] == [
        ("360p", 1, AssetStatus.READY)
    ]


def test_an_asset_another_worker_is_on_is_left_alone(upload, draft_title, clips):
    asset = upload(draft_title, clips.sd_silent, enqueue=False)
    asset.status, asset.attempts = AssetStatus.TRANSCODING, 1
    db.session.commit()  # heartbeat: now

    assert process_asset(asset.id) == "skipped"
    assert fresh(MediaAsset, asset.id).attempts == 1


def test_replaced_and_deleted_assets_are_skipped(upload, draft_title, clips):
    replaced = upload(draft_title, clips.sd_silent, enqueue=False)
    replaced.status = AssetStatus.SUPERSEDED
    db.session.commit()
    assert process_asset(replaced.id) == "skipped"
    assert process_asset(987654) == "skipped"
    assert fresh(MediaAsset, replaced.id).attempts == 0


def test_a_new_feature_replaces_the_old_one_once_ready(storage, upload, make_title, clips):
    title = make_title("Published Film", status=TitleStatus.PUBLISHED)
    first = upload(title, clips.sd_silent)
    first = fresh(MediaAsset, first.id)
    old_files = [first.source_key, first.hls_master_key, first.renditions[0].playlist_key]

    failed = upload(title, clips.random_bytes)
    # A failed replacement changes nothing for viewers: the old film still plays.
    assert fresh(MediaAsset, failed.id).status == AssetStatus.FAILED
    assert fresh(MediaAsset, first.id).status == AssetStatus.READY
    assert fresh(Title, title.id).status == TitleStatus.PUBLISHED

    second = upload(title, clips.hd_audio)

    assert fresh(MediaAsset, second.id).status == AssetStatus.READY
    assert fresh(MediaAsset, first.id).status == AssetStatus.SUPERSEDED
    assert fresh(MediaAsset, failed.id).status == AssetStatus.SUPERSEDED
    assert not any(storage.exists(key) for key in old_files)
    title = fresh(Title, title.id)
    assert title.status == TitleStatus.PUBLISHED and title.runtime_seconds == 4


def test_a_trailer_goes_through_the_same_pipeline_without_touching_the_title(
    storage, upload, draft_title, clips
):
    trailer = upload(draft_title, clips.sd_silent, AssetKind.TRAILER)

    trailer = fresh(MediaAsset, trailer.id)
    assert trailer.status == AssetStatus.READY
    assert trailer.hls_master_key == keys.trailer_prefix(draft_title.id, trailer.id) + "master.m3u8"
    stored_package(storage, trailer)
    title = fresh(Title, draft_title.id)
    assert (title.status, title.runtime_seconds) == (TitleStatus.DRAFT, None)

    feature = upload(draft_title, clips.sd_silent)
    # Each kind replaces only its own kind.
    assert fresh(MediaAsset, trailer.id).status == AssetStatus.READY
    assert fresh(MediaAsset, feature.id).status == AssetStatus.READY

    new_trailer = upload(draft_title, clips.hd_audio, AssetKind.TRAILER)
    assert fresh(MediaAsset, new_trailer.id).status == AssetStatus.READY
    assert fresh(MediaAsset, trailer.id).status == AssetStatus.SUPERSEDED
    assert not storage.exists(trailer.hls_master_key)
    assert fresh(MediaAsset, feature.id).status == AssetStatus.READY


def test_asset_status_reports_progress_per_rendition(app, upload, draft_title, clips):
    asset = upload(draft_title, clips.hd_audio)
    with app.test_request_context():
        shown = asset_status(fresh(MediaAsset, asset.id))
    assert shown["status"] == "ready" and shown["progress"] == 100
    assert shown["error"] is None and shown["attempts"] == 1
    assert shown["probe"]["width"] == 1280 and shown["probe"]["frame_rate"] == "25/1"
    assert [(r["name"], r["status"], r["progress"]) for r in shown["renditions"]] == [
        ("360p", "ready", 100),
        ("720p", "ready", 100),
    ]
