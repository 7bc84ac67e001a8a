"""Faults the browser cannot see for itself: storage lost the unfinished upload, or the
bucket's CORS rules refuse the uploader. The app notices and says what to do."""

from __future__ import annotations

import pytest

from storefront.extensions import db
from storefront.models import AssetStatus, MediaAsset, UploadSession, UploadStatus
from tests.storage.conftest import moto_client

from .conftest import PART, reload

pytestmark = pytest.mark.usefixtures("backend", "queued_jobs")

LOST = "The storage service no longer has this unfinished upload"


def lose(storage, session_id: str) -> None:
    """What a storage restart, the abandoned-upload sweep or a lifecycle rule does."""
    session = db.session.scalar(db.select(UploadSession).filter_by(public_id=session_id))
    storage.abort_multipart(session.storage_key, session.storage_upload_id)


def test_a_lost_upload_is_marked_lost_and_the_same_file_starts_afresh(
    uploads, film, storage, draft
):
    opened = uploads.open(film).json
    uploads.put(opened["id"], 1, film.part(1, PART))
    lose(storage, opened["id"])

    shown = uploads.show(opened["id"])
    assert shown.status_code == 200, shown.text
    assert shown.json["status"] == "lost" and LOST in shown.json["message"]
    assert shown.json["parts"] == []
    session = db.session.scalar(db.select(UploadSession).filter_by(public_id=opened["id"]))
    assert reload(session).status == UploadStatus.LOST
    lost_asset = reload(session.asset)
    assert lost_asset.status == AssetStatus.FAILED and lost_asset.error_code == "upload_lost"
    assert storage.list_multipart_uploads() == []  # no parts left behind

    # Nothing more is signed or completed for it.
    assert uploads.complete(opened["id"]).status_code == 409
    again = uploads.open(film)
    assert again.status_code == 201, again.text
    assert again.json["parts"] == [] and again.json["id"] != opened["id"]
    done = uploads.upload(film)
    asset = db.session.get(MediaAsset, done["asset"]["id"])
    assert asset.status == AssetStatus.UPLOADED and storage.get(asset.source_key) == film.data
    assert storage.list_multipart_uploads() == []


def test_completing_an_upload_storage_lost_says_so(uploads, film, storage):
    opened = uploads.open(film).json
    for number in (1, 2, 3):
        uploads.put(opened["id"], number, film.part(number, PART))
    lose(storage, opened["id"])

    refused = uploads.complete(opened["id"])
    assert refused.status_code == 410
    assert refused.json["error"]["reason"] == "upload_lost"
    assert LOST in refused.json["error"]["message"]
    assert uploads.show(opened["id"]).json["status"] == "lost"


def test_signing_for_an_upload_storage_lost_says_so(backend, uploads, film, storage):
    if backend != "local":
        pytest.skip("S3 part links are signed offline: storage answers the PUT with 404")
    opened = uploads.open(film).json
    lose(storage, opened["id"])
    refused = uploads.sign(opened["id"], [{"number": 1, "crc32": "AAAAAA=="}])
    assert refused.status_code == 410 and refused.json["error"]["reason"] == "upload_lost"


def refuse_checksum_header(app, moto_endpoint: str, origin: str = "http://localhost") -> None:
    """Bucket CORS rules that let the site PUT but not send the part's checksum header."""
    moto_client(moto_endpoint).put_bucket_cors(
        Bucket=app.config["S3_BUCKET"],
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedOrigins": [origin],
                    "AllowedMethods": ["PUT", "GET", "HEAD"],
                    "AllowedHeaders": ["Content-Type", "Range"],
                }
            ]
        },
    )


def test_cors_refusing_the_checksum_header_is_named_before_the_upload_starts(
    backend, app, uploads, film, storage, moto_endpoint
):
    if backend != "s3":
        pytest.skip("CORS rules only exist on S3")
    refuse_checksum_header(app, moto_endpoint)

    refused = uploads.open(film)
    assert refused.status_code == 400
    message = refused.json["error"]["message"]
    assert "x-amz-checksum-crc32" in message and "S3_PART_CHECKSUMS" in message
    assert db.session.scalar(db.select(db.func.count(MediaAsset.id))) == 0
    assert storage.list_multipart_uploads() == []


def test_cors_changed_during_an_upload_is_named_when_the_uploader_asks(
    backend, app, uploads, film, storage, moto_endpoint
):
    if backend != "s3":
        pytest.skip("CORS rules only exist on S3")
    storage.apply_cors(["http://localhost"])  # what `flask storage init` does
    opened = uploads.open(film).json
    assert "problem" not in uploads.show(opened["id"]).json

    refuse_checksum_header(app, moto_endpoint)
    assert "x-amz-checksum-crc32" in uploads.show(opened["id"]).json["problem"]
    storage.apply_cors(["https://elsewhere.example"])
    assert "http://localhost" in uploads.show(opened["id"]).json["problem"]
