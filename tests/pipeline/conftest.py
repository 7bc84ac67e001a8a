"""Fixtures for the media pipeline: fast transcode settings, an upload helper, S3 on moto.

Clips come from the media adapter's fixtures, the S3 server from the storage fixtures.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from storefront import jobs
from storefront.adapters.storage import Storage, keys
from storefront.extensions import db
from storefront.models import AssetKind, AssetStatus, MediaAsset, Title, TitleStatus
from tests.media.conftest import FAST_H264, Clips, clips, ffmpeg, video  # noqa: F401
from tests.storage.conftest import bucket, moto_endpoint, moto_settings  # noqa: F401

# Two rungs and 2 s segments keep each transcode around a second.
FAST_LADDER = [(360, 800, 96), (720, 2800, 128)]


@pytest.fixture
def storage_backend() -> str:
    """The embedded default; tests parametrize this name to run on S3 too."""
    return "local"


@pytest.fixture
def fast_settings(
    settings: dict, tmp_path: Path, storage_backend: str, request: pytest.FixtureRequest
) -> dict:
    settings.update(
        TRANSCODE_LADDER=FAST_LADDER,
        TRANSCODE_PRESET="ultrafast",
        TRANSCODE_SEGMENT_SECONDS=2,
        TRANSCODE_WORK_DIR=str(tmp_path / "work"),
    )
    if storage_backend == "s3":
        settings.update(
            moto_settings(
                request.getfixturevalue("moto_endpoint"), request.getfixturevalue("bucket")
            )
        )
    return settings


@pytest.fixture
def app(fast_settings: dict, app: Flask) -> Flask:
    """The app with the settings above applied before it is built."""
    return app


@pytest.fixture
def storage(app: Flask) -> Storage:
    return app.extensions["storage"]


@pytest.fixture(scope="session")
def long_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """12 s of 720p: a few seconds of transcoding, time enough to step in mid-way."""
    path = tmp_path_factory.mktemp("long") / "long_720p.mp4"
    ffmpeg(*video(12, "1280x720"), *FAST_H264, str(path))
    return path


@pytest.fixture
def draft_title(make_title: Callable[..., Title]) -> Title:
    return make_title("Northern Lights", status=TitleStatus.DRAFT)


@pytest.fixture
def upload(app: Flask) -> Callable[..., MediaAsset]:
    """Store a file as an asset's source and complete the upload as the studio does:
    status uploaded, then process_asset deferred until the commit."""

    def put(
        title: Title, path: Path, kind: AssetKind = AssetKind.FEATURE, *, enqueue: bool = True
    ) -> MediaAsset:
        asset = MediaAsset(
            title_id=title.id,
            kind=kind,
            status=AssetStatus.UPLOADING,
            original_filename=path.name,
            size_bytes=path.stat().st_size,
            source_key="pending",
        )
        db.session.add(asset)
        db.session.flush()
        asset.source_key = keys.source_key(title.id, asset.id, path.suffix or ".bin")
        app.extensions["storage"].upload_from(path, asset.source_key, "video/mp4")
        asset.status = AssetStatus.UPLOADED
        if enqueue:
            jobs.defer(db.session, "process_asset", asset.id)
        db.session.commit()
        return asset

    return put


def fresh(model: type, ident: int):  # type: ignore[no-untyped-def]
    """Read a row as the database has it now (other sessions and processes write too)."""
    db.session.rollback()
    return db.session.get(model, ident, populate_existing=True)
