"""Resumable uploads through the app's protocol, on local disk and on S3 over HTTP."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urljoin

import pytest
import requests

from storefront.adapters.storage import crc32_checksum
from storefront.extensions import db
from storefront.models import (
    AssetKind,
    AssetStatus,
    MediaAsset,
    TitleStatus,
    UploadSession,
    UploadStatus,
    utcnow,
)
from storefront.services.catalog.titles import can_sell, current_asset
from storefront.services.media import uploads as uploads_service

from .conftest import PART, FilmFile, queued, reload

pytestmark = pytest.mark.usefixtures("backend", "queued_jobs")


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_parts_sent_to_signed_urls_become_the_film(app, uploads, film, storage, draft):
    result = uploads.upload(film)

    asset = db.session.get(MediaAsset, result["asset"]["id"])
    assert asset.status == AssetStatus.UPLOADED and asset.size_bytes == film.size
    assert asset.source_key.startswith(f"titles/{draft.id}/source/") and asset.source_key.endswith(
        ".mov"
    )
    assert storage.get(asset.source_key) == film.data
    assert storage.list_multipart_uploads() == []
    session = db.session.scalar(db.select(UploadSession))
    assert session.status == UploadStatus.COMPLETED and session.part_size == PART
    assert reload(draft).status == TitleStatus.PROCESSING
    assert queued(app, "process_asset") == [(asset.id,)]  # probing and transcoding are next


def test_the_browser_can_resume_from_the_parts_storage_lists(uploads, film):
    session = uploads.open(film).json
    assert session["part_count"] == 3 and session["parts"] == []
    uploads.put(session["id"], 1, film.part(1, PART))
    uploads.put(session["id"], 3, film.part(3, PART))

    listed = uploads.show(session["id"]).json
    assert [(p["number"], p["size"]) for p in listed["parts"]] == [(1, PART), (3, 2 * 1024 * 1024)]

    refused = uploads.complete(session["id"])
    assert refused.status_code == 409
    assert "1 part has not arrived yet (2)" in refused.json["error"]["message"]
    assert uploads.show(session["id"]).json["status"] == "active"

    uploads.put(session["id"], 2, film.part(2, PART))
    assert uploads.complete(session["id"]).status_code == 200


def test_a_short_part_is_refused_and_can_be_sent_again(uploads, film, storage):
    session = uploads.open(film).json
    for number in (1, 2):
        uploads.put(session["id"], number, film.part(number, PART))
    uploads.put(session["id"], 3, film.part(3, PART)[:-1000])

    refused = uploads.complete(session["id"])
    assert refused.status_code == 409
    assert "does not match the file's declared size" in refused.json["error"]["message"]
    assert db.session.scalar(db.select(MediaAsset.status)) == AssetStatus.UPLOADING

    uploads.put(session["id"], 3, film.part(3, PART))  # re-sending a part replaces it
    assert uploads.complete(session["id"]).status_code == 200
    assert storage.get(db.session.scalar(db.select(MediaAsset.source_key))) == film.data


def test_a_file_over_the_limit_is_refused_before_anything_starts(app, uploads, storage):
    app.config["MAX_UPLOAD_BYTES"] = 10 * 1024 * 1024
    refused = uploads.open(FilmFile(b"x" * (10 * 1024 * 1024 + 1)))
    assert refused.status_code == 400
    assert "larger than the 10.5 MB allowed" in refused.json["error"]["message"]
    assert count(MediaAsset) == 0 and storage.list_multipart_uploads() == []


def test_the_limit_is_said_in_the_filmmakers_language(app, uploads):
    app.config["MAX_UPLOAD_BYTES"] = 10 * 1024 * 1024
    uploads.client.post("/account/language", data={"locale": "fr", "next": "/"})
    refused = uploads.open(FilmFile(b"x" * (10 * 1024 * 1024 + 1)))
    assert refused.status_code == 400
    assert "10,5\u202fMo" in refused.json["error"]["message"]  # not "10.5 MB"


def test_fifty_gigabytes_fit_in_ten_thousand_parts(uploads):
    session = uploads.open(FilmFile(b""), size=50 * 1000**3).json
    assert session["part_count"] <= 10_000
    assert session["part_size"] * session["part_count"] >= 50 * 1000**3


@pytest.mark.parametrize("size", [0, -5, "12", True, None])
def test_nonsense_sizes_are_refused(uploads, size):
    assert uploads.open(FilmFile(b""), size=size).status_code == 400
    assert count(MediaAsset) == 0


def test_parts_are_signed_only_for_the_file_and_with_a_checksum(uploads, film):
    session = uploads.open(film).json
    ok = crc32_checksum(b"part")

    def part(number: object, checksum: object = ok) -> dict:
        return {"number": number, "crc32": checksum}

    refused = [
        "1",
        [],
        [part(0)],
        [part(4)],
        [part("1")],
        [part(True)],
        [1],  # a bare number: the part's checksum is missing
        [{"number": 1}],
        [part(1, None)],
        [part(1, "nope")],
        [part(1, "AAAAAAAAAA==")],  # base64, but not four bytes
        [part(1, "AAAA AA==")],
        [part(1), part(1, crc32_checksum(b"other"))],  # one part, two checksums
        [part(n) for n in range(1, 102)],
    ]
    for parts in refused:
        response = uploads.sign(session["id"], parts)
        assert response.status_code == 400, parts
        assert response.json["error"]["message"], parts
    signed = uploads.sign(session["id"], [part(3), part(1), part(1)])
    assert signed.status_code == 200
    assert sorted(signed.json["parts"]) == ["1", "3"]
    assert uploads.show(session["id"]).json["parts"] == []  # signing stores nothing


def test_a_part_damaged_on_the_way_is_refused_and_can_be_sent_again(backend, uploads, film):
    if backend != "local":
        pytest.skip("S3 checks the signed checksum itself; moto does not emulate that check")
    session = uploads.open(film).json
    first = film.part(1, PART)
    damaged = bytes([first[0] ^ 1]) + first[1:]
    refused = uploads.send(session["id"], 1, damaged, checksum=crc32_checksum(first))
    assert refused.status_code == 400
    assert "intact" in refused.text
    assert uploads.show(session["id"]).json["parts"] == []
    for number in range(1, session["part_count"] + 1):
        uploads.put(session["id"], number, film.part(number, PART))
    assert uploads.complete(session["id"]).status_code == 200


def test_cancel_leaves_no_parts_and_no_asset(uploads, film, storage):
    session = uploads.open(film).json
    uploads.put(session["id"], 1, film.part(1, PART))
    assert len(storage.list_multipart_uploads()) == 1

    assert uploads.cancel(session["id"]).status_code == 204
    assert storage.list_multipart_uploads() == []
    assert count(MediaAsset) == 0 and count(UploadSession) == 0
    gone = uploads.sign(session["id"], [{"number": 2, "crc32": crc32_checksum(b"x")}])
    assert gone.status_code == 404


def test_completing_twice_is_harmless(uploads, film):
    session_id = uploads.upload(film)["session"]["id"]
    again = uploads.complete(session_id)
    assert again.status_code == 200 and again.json["asset"]["status"] == "uploaded"


def test_a_new_upload_leaves_the_previous_one_playing_until_it_is_ready(uploads, film, draft):
    first = uploads.upload(film)["asset"]["id"]
    db.session.get(MediaAsset, first).status = AssetStatus.READY
    db.session.commit()
    trailer = uploads.upload(film, kind="trailer")["asset"]["id"]
    second = uploads.upload(film)["asset"]["id"]
    statuses = dict(db.session.execute(db.select(MediaAsset.id, MediaAsset.status)).all())
    # The pipeline retires the first film once the second is ready to play.
    assert statuses == {
        first: AssetStatus.READY,
        trailer: AssetStatus.UPLOADED,
        second: AssetStatus.UPLOADED,
    }
    assert current_asset(reload(draft), AssetKind.FEATURE).id == second
    assert can_sell(reload(draft)) == []


def test_opening_a_new_upload_abandons_the_unfinished_one(uploads, film, storage):
    old = uploads.open(film).json
    uploads.put(old["id"], 1, film.part(1, PART))
    new = uploads.open(film).json
    assert uploads.show(old["id"]).status_code == 404
    assert [u.upload_id for u in storage.list_multipart_uploads()] == [
        db.session.scalar(db.select(UploadSession.storage_upload_id))
    ]
    assert new["parts"] == []


def test_only_members_of_the_studio_reach_its_uploads(uploads, film, client, auth, make_user):
    session = uploads.open(film).json
    auth.logout()
    outsider = make_user("outsider@example.org")
    auth.login(outsider.email)
    base = uploads.base
    assert (
        client.post(base, json={"kind": "feature", "filename": "x.mov", "size": 9}).status_code
        == 404
    )
    assert client.get(f"{base}/{session['id']}").status_code == 404
    assert client.post(f"{base}/{session['id']}/sign", json={"parts": [1]}).status_code == 404
    assert client.post(f"{base}/{session['id']}/complete").status_code == 404
    assert client.delete(f"{base}/{session['id']}").status_code == 404
    assert count(MediaAsset) == 1


def test_abandoned_uploads_are_aborted_and_live_ones_kept(app, uploads, film, storage, draft):
    abandoned = uploads.open(film).json
    uploads.put(abandoned["id"], 1, film.part(1, PART))
    live = uploads.open(film, kind="trailer").json
    orphan_key = f"titles/{draft.id}/source/999.mov"
    storage.create_multipart(orphan_key, "video/quicktime")  # no session row knows it

    later = utcnow() + timedelta(hours=25)
    # The trailer's uploader signed a part an hour ago: it is slow, not abandoned.
    db.session.get(
        UploadSession,
        db.session.scalar(db.select(UploadSession.id).filter_by(public_id=live["id"])),
    ).updated_at = later - timedelta(hours=1)
    db.session.commit()

    assert uploads_service.sweep_abandoned(now=later) == (1, 1)
    db.session.commit()
    remaining = storage.list_multipart_uploads()
    assert [u.key for u in remaining] == [db.session.scalar(db.select(UploadSession.storage_key))]
    assert db.session.scalar(db.select(MediaAsset.kind)) == AssetKind.TRAILER
    assert "sweep_abandoned_uploads" in app.extensions["tasks"]


def test_local_objects_are_served_with_ranges(backend, uploads, film, storage):
    if backend != "local":
        pytest.skip("S3 serves ranges itself (covered by the storage contract tests)")
    asset_id = uploads.upload(film)["asset"]["id"]
    url = storage.signed_get_url(db.session.get(MediaAsset, asset_id).source_key, 60)
    response = requests.get(url, headers={"Range": "bytes=100-199"})
    assert response.status_code == 206 and response.content == film.data[100:200]
    assert requests.get(url.replace("objects/", "objects/x")).status_code == 403
    assert requests.put(url.replace("/objects/", "/parts/"), data=b"x").status_code == 403


def test_the_api_wants_the_csrf_token_in_a_header(app, uploads, film, filmmaker_client, draft):
    app.config["WTF_CSRF_ENABLED"] = True
    page = filmmaker_client.get(f"/studio/{draft.studio.slug}/titles/{draft.id}/media")
    token = page.text.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    body = {"kind": "feature", "filename": "film.mov", "size": film.size}
    assert filmmaker_client.post(uploads.base, json=body).status_code == 400
    opened = filmmaker_client.post(uploads.base, json=body, headers={"X-CSRFToken": token})
    assert opened.status_code == 201


def test_signing_keeps_a_slow_upload_alive_with_a_write_a_minute_at_most(uploads, film):
    session_id = uploads.open(film).json["id"]
    row = db.session.scalar(db.select(UploadSession).filter_by(public_id=session_id))
    row.updated_at = long_ago = utcnow() - timedelta(hours=23)
    db.session.commit()

    def sign(number: int) -> None:
        wanted = [{"number": number, "crc32": crc32_checksum(b"x")}]
        assert uploads.sign(session_id, wanted).status_code == 200

    def last_sign_of_life():
        db.session.expire_all()
        return db.session.get(UploadSession, row.id).updated_at

    sign(1)
    refreshed = last_sign_of_life()
    assert refreshed > long_ago + timedelta(hours=22)
    sign(2)  # seconds later: no new write
    assert last_sign_of_life() == refreshed


def test_local_storage_refuses_a_part_larger_than_the_file_declares(
    backend, uploads, film, storage
):
    if backend != "local":
        pytest.skip("S3 bounds its parts itself; completion checks their sizes")
    session = uploads.open(film).json
    last = session["part_count"]
    oversized = film.part(1, PART) + b"x" * PART  # twice what the last part may hold
    refused = uploads.send(session["id"], last, oversized)
    assert refused.status_code == 413

    def chunks():  # no Content-Length: the copy must stop at the signed size
        yield oversized[: len(oversized) // 2]
        yield oversized[len(oversized) // 2 :]

    wanted = [{"number": last, "crc32": crc32_checksum(oversized)}]
    part = uploads.sign(session["id"], wanted).json["parts"][str(last)]
    streamed = uploads.http.put(urljoin(uploads.live_url, part["url"]), data=chunks())
    assert streamed.status_code == 413
    key = db.session.scalar(db.select(UploadSession.storage_key))
    upload_id = db.session.scalar(db.select(UploadSession.storage_upload_id))
    assert storage.list_parts(key, upload_id) == []
