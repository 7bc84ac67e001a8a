"""A studio deletes a separately uploaded audio track: viewers' next master playlist no
longer offers it, storage keeps nothing of it, the other tracks stay; deleted while its job
runs, the job leaves nothing behind. The studio's media page shows each file's state."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest
from flask import Flask

from storefront.adapters.storage import keys
from storefront.extensions import db
from storefront.jobs import in_app_context
from storefront.models import AssetKind, AssetStatus, AudioTrack, MediaAsset, TitleStatus
from storefront.tasks.media import process_asset
from tests.storage.conftest import moto_client

from ..conftest import PASSWORD
from ..media.conftest import ffmpeg, three_voices, tone_at  # noqa: F401
from ..watching.conftest import WORLDWIDE, grant
from .conftest import fresh

pytestmark = pytest.mark.slow


def audio_file(folder: Path, name: str, language: str, seconds: float = 6) -> Path:
    """A dub as its own M4A file, tagged with its language and a name."""
    path = folder / f"{name}.m4a"
    ffmpeg(
        *tone_at(500, seconds), "-ac", "2", "-c:a", "aac", "-b:a", "64k",
        "-metadata:s:a:0", f"language={language}", "-metadata:s:a:0", f"title={name}",
        str(path),
    )  # fmt: skip
    return path


def stored(app: Flask, request: pytest.FixtureRequest) -> set[str]:
    """Every object key storage holds, looked up behind the app's back."""
    if app.config["STORAGE_BACKEND"] == "s3":
        client = moto_client(request.getfixturevalue("moto_endpoint"))
        bucket = app.config["S3_BUCKET"]
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return {item["Key"] for page in pages for item in page.get("Contents", [])}
    root = Path(app.extensions["storage"].root)
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def of_asset(found: set[str], asset: MediaAsset) -> set[str]:
    prefix = keys.rendition_prefix(asset.title_id, asset.id)
    return {key for key in found if key.startswith(prefix) or key == asset.source_key}


def audio_lines(app: Flask, viewer, film) -> list[str]:
    """The EXT-X-MEDIA audio lines of the master playlist a viewer is given now."""
    client = app.test_client()
    client.post("/login", data={"email": viewer.email, "password": PASSWORD})
    started = client.post(f"/watch/{film.slug}/start", json={})
    assert started.status_code == 200, started.text
    master = client.get(started.json["master_url"]).text
    lines = [line for line in master.splitlines() if line.startswith("#EXT-X-MEDIA:TYPE=AUDIO")]
    return [re.sub(r',URI="[^"]*"', "", line) for line in lines]  # links differ per start


def delete_path(studio, film, asset_id: int) -> str:
    return f"/studio/{studio.slug}/titles/{film.id}/audio-files/{asset_id}/delete"


@pytest.fixture
def fast_settings(fast_settings: dict) -> dict:
    """A heartbeat every second: a worker notices a deleted asset within one."""
    fast_settings["TRANSCODE_STALE_SECONDS"] = 5
    return fast_settings


@pytest.fixture(scope="module")
def long_dub(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five minutes of a dub: seconds of encoding, time enough to step in mid-way."""
    return audio_file(tmp_path_factory.mktemp("long-dub"), "Long dub", "deu", seconds=300)


@pytest.fixture
def ready_film(make_title, studio, upload, three_voices):  # noqa: F811
    film = make_title("Three Voices", studio=studio, status=TitleStatus.DRAFT, offers=WORLDWIDE)
    assert process_asset(upload(film, three_voices).id) in ("ready", "skipped")
    return film


@pytest.mark.parametrize("storage_backend", ["local", "s3"])
def test_deleting_a_ready_audio_track_removes_it_for_viewers_and_from_storage(
    storage_backend, app, request, upload, ready_film, studio, filmmaker_client, viewer, tmp_path
):
    german = upload(ready_film, audio_file(tmp_path, "Deutsche Fassung", "deu"), AssetKind.AUDIO)
    spanish = upload(ready_film, audio_file(tmp_path, "Doblaje", "spa"), AssetKind.AUDIO)
    assert fresh(MediaAsset, german.id).status == AssetStatus.READY
    assert fresh(MediaAsset, spanish.id).status == AssetStatus.READY
    film = fresh(type(ready_film), ready_film.id)
    film.status = TitleStatus.PUBLISHED
    db.session.commit()
    grant(viewer, film)
    before = audio_lines(app, viewer, film)
    assert len(before) == 5 and 'LANGUAGE="de"' in before[3] and 'LANGUAGE="es"' in before[4]
    objects = stored(app, request)
    german_objects = of_asset(objects, german)
    spanish_objects = of_asset(objects, spanish)
    assert german.source_key in german_objects and len(german_objects) > 2  # + playlist, segments

    response = filmmaker_client.post(delete_path(studio, film, german.id))

    assert response.status_code == 302
    after = audio_lines(app, viewer, film)
    assert after == [line for line in before if 'LANGUAGE="de"' not in line]
    assert len(after) == 4 and 'LANGUAGE="es"' in after[3]
    left = stored(app, request)
    assert left == objects - german_objects
    assert spanish_objects <= left
    assert fresh(MediaAsset, german.id) is None
    tracks = db.session.scalars(db.select(AudioTrack).filter_by(title_id=film.id)).all()
    assert sorted(t.stream_index for t in tracks if t.stream_index < 0) == [-spanish.id]
    page = filmmaker_client.get(f"/studio/{studio.slug}/titles/{film.id}/media").text
    assert "The audio track is deleted." in page and "Doblaje.m4a" in page
    assert "Deutsche Fassung.m4a" not in page


@pytest.mark.parametrize("storage_backend", ["local", "s3"])
def test_an_audio_track_deleted_while_its_job_runs_leaves_nothing_behind(
    storage_backend, app, request, upload, ready_film, studio, filmmaker_client, long_dub
):
    before = stored(app, request)
    asset = upload(ready_film, long_dub, AssetKind.AUDIO, enqueue=False)
    asset_id, source_key = asset.id, asset.source_key
    outcome: dict[str, str] = {}
    run = in_app_context(app, process_asset)
    worker = threading.Thread(target=lambda: outcome.update(result=run(asset_id)))
    worker.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if fresh(MediaAsset, asset_id).status == AssetStatus.TRANSCODING:
            break
        time.sleep(0.02)
    db.session.rollback()

    assert source_key in stored(app, request)
    response = filmmaker_client.post(delete_path(studio, ready_film, asset_id))
    worker.join(timeout=120)

    assert response.status_code == 302
    assert outcome == {"result": "abandoned"}
    assert stored(app, request) == before
    assert fresh(MediaAsset, asset_id) is None
    assert not db.session.scalars(db.select(AudioTrack).filter_by(stream_index=-asset_id)).all()
    assert list(Path(app.config["TRANSCODE_WORK_DIR"]).rglob("asset-*")) == []


def test_a_queued_audio_file_deleted_before_its_job_starts_is_skipped(
    app, request, upload, ready_film, studio, filmmaker_client, tmp_path
):
    before = stored(app, request)
    asset = upload(ready_film, audio_file(tmp_path, "Dub", "deu"), AssetKind.AUDIO, enqueue=False)
    assert filmmaker_client.post(delete_path(studio, ready_film, asset.id)).status_code == 302
    assert process_asset(asset.id) == "skipped"
    assert stored(app, request) == before


def test_another_studio_cannot_delete_an_audio_track(
    app, upload, ready_film, make_user, make_studio, tmp_path
):
    asset = upload(ready_film, audio_file(tmp_path, "Dub", "deu"), AssetKind.AUDIO)
    stranger = make_user("stranger@example.org")
    other = make_studio(stranger, "Other Pictures")
    client = app.test_client()
    client.post("/login", data={"email": stranger.email, "password": PASSWORD})
    own_title = f"/studio/{other.slug}/titles/{ready_film.id}/audio-files/{asset.id}/delete"
    victim = delete_path(ready_film.studio, ready_film, asset.id)
    assert client.post(victim).status_code == 404
    assert client.post(own_title).status_code == 404
    assert fresh(MediaAsset, asset.id).status == AssetStatus.READY


def test_the_media_page_shows_each_audio_files_state(
    upload, ready_film, studio, filmmaker_client, tmp_path
):
    good = upload(ready_film, audio_file(tmp_path, "Dub", "deu"), AssetKind.AUDIO)
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF" + bytes(range(256)) * 100)
    bad = upload(ready_film, broken, AssetKind.AUDIO)
    later = audio_file(tmp_path, "Later", "fra")
    waiting = upload(ready_film, later, AssetKind.AUDIO, enqueue=False)

    status = filmmaker_client.get(f"/studio/{studio.slug}/titles/{ready_film.id}/media/status")

    files = {item["id"]: item for item in status.json["audio_files"]}
    assert list(files) == [good.id, bad.id, waiting.id]
    assert (files[good.id]["status"], files[good.id]["status_label"]) == ("ready", "Ready")
    assert files[good.id]["error"] is None and not files[good.id]["in_progress"]
    assert (files[bad.id]["status"], files[bad.id]["status_label"]) == ("failed", "Failed")
    assert files[bad.id]["error"] and "audio" in files[bad.id]["error"].lower()
    assert files[waiting.id]["in_progress"] and files[waiting.id]["status"] == "uploaded"
    for item in files.values():
        assert item["delete_url"].endswith(f"/audio-files/{item['id']}/delete")
        assert item["retry_url"] is None  # an unreadable file fails again: delete it instead
    retried = filmmaker_client.post(files[bad.id]["delete_url"].replace("/delete", "/retry"))
    assert retried.status_code == 302
    assert fresh(MediaAsset, bad.id).status == AssetStatus.FAILED

    page = filmmaker_client.get(f"/studio/{studio.slug}/titles/{ready_film.id}/media").text
    item = re.search(rf'data-audio-file="{bad.id}".*?</li>', page, re.S).group(0)
    assert "Failed" in item and files[bad.id]["error"] in item.replace("&#39;", "'")
    assert f"/audio-files/{bad.id}/delete" in item
    assert 'data-in-progress="true"' in page  # the page polls while a file waits


def test_a_file_that_failed_for_want_of_a_film_is_tried_again(
    make_title,
    studio,
    upload,
    filmmaker_client,
    three_voices,  # noqa: F811
    tmp_path,
):
    film = make_title("Not yet", studio=studio, status=TitleStatus.DRAFT)
    early = upload(film, audio_file(tmp_path, "Dub", "deu"), AssetKind.AUDIO)
    assert fresh(MediaAsset, early.id).error_code == "no_film"
    status = filmmaker_client.get(f"/studio/{studio.slug}/titles/{film.id}/media/status")
    (failed,) = status.json["audio_files"]
    assert failed["status"] == "failed" and "Upload the film first" in failed["error"]
    assert failed["retry_url"].endswith(f"/audio-files/{early.id}/retry")
    upload(film, three_voices)  # the film is processed and ready

    assert filmmaker_client.post(failed["retry_url"]).status_code == 302

    assert fresh(MediaAsset, early.id).status == AssetStatus.READY
    track = db.session.scalars(db.select(AudioTrack).filter_by(stream_index=-early.id)).one()
    assert track.language == "de"
    status = filmmaker_client.get(f"/studio/{studio.slug}/titles/{film.id}/media/status")
    assert [(f["status"], f["retry_url"]) for f in status.json["audio_files"]] == [("ready", None)]


def test_a_deleted_tracks_playlist_answers_not_found(
    app, upload, ready_film, studio, filmmaker_client, viewer, tmp_path
):
    """A player that still has the track from an earlier master playlist asks for it: 404
    (the player then goes on with the film's own audio), never a server error, also in the
    moment when its objects are gone but a request still sees its row."""
    german = upload(ready_film, audio_file(tmp_path, "Deutsche Fassung", "deu"), AssetKind.AUDIO)
    film = fresh(type(ready_film), ready_film.id)
    film.status = TitleStatus.PUBLISHED
    db.session.commit()
    grant(viewer, film)
    client = app.test_client()
    client.post("/login", data={"email": viewer.email, "password": PASSWORD})
    master = client.get(client.post(f"/watch/{film.slug}/start", json={}).json["master_url"])
    (line,) = [line for line in master.text.splitlines() if 'LANGUAGE="de"' in line]
    german_url = re.search(r'URI="([^"]*)"', line).group(1)

    app.extensions["storage"].delete_prefix(keys.rendition_prefix(film.id, german.id))
    assert client.get(german_url).status_code == 404

    assert filmmaker_client.post(delete_path(studio, film, german.id)).status_code == 302
    assert client.get(german_url).status_code == 404
    assert "#EXTM3U" in client.get(master.request.url).text  # the film itself plays on
