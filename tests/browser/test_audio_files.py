"""Separately uploaded audio files on the studio's media page in Chromium at 390 px: each
file's state (waiting, ready, failed with its reason) shown and kept current by the page's
status poller, a file deleted with its button; and a viewer who had chosen a deleted track
is given the film's default one."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from storefront.adapters.storage import keys
from storefront.extensions import db
from storefront.models import AssetKind, AssetStatus, MediaAsset, Title, TitleStatus
from storefront.tasks.media import process_asset

from ..media.conftest import ffmpeg, three_voices, tone_at  # noqa: F401
from ..watching.conftest import WORLDWIDE, grant
from .accessibility import assert_usable_and_accessible
from .test_audio_menu import log_in, settings  # noqa: F401 - the same quick ladder


def stored_asset(app, film: Title, path: Path, kind: AssetKind) -> MediaAsset:
    """A completed upload of ``path``, waiting for its job."""
    asset = MediaAsset(
        title_id=film.id,
        kind=kind,
        status=AssetStatus.UPLOADED,
        original_filename=path.name,
        size_bytes=path.stat().st_size,
        source_key="pending",
    )
    db.session.add(asset)
    db.session.flush()
    asset.source_key = keys.source_key(film.id, asset.id, path.suffix)
    app.extensions["storage"].upload_from(path, asset.source_key, "application/octet-stream")
    db.session.commit()
    return asset


def dub(folder: Path, name: str, language: str) -> Path:
    path = folder / f"{name}.m4a"
    ffmpeg(
        *tone_at(550, 4), "-ac", "2", "-c:a", "aac", "-b:a", "64k",
        "-metadata:s:a:0", f"language={language}", "-metadata:s:a:0", f"title={name}",
        str(path),
    )  # fmt: skip
    return path


@pytest.fixture
def film(app, make_title, studio, three_voices):  # noqa: F811
    film = make_title("Three Voices", studio=studio, status=TitleStatus.DRAFT, offers=WORLDWIDE)
    assert process_asset(stored_asset(app, film, three_voices, AssetKind.FEATURE).id) == "ready"
    return film


def test_the_media_page_shows_each_audio_files_state_and_deletes_one(
    app, page, filmmaker, studio, film, tmp_path
):
    ready = stored_asset(app, film, dub(tmp_path, "Deutsche Fassung", "deu"), AssetKind.AUDIO)
    assert process_asset(ready.id) == "ready"
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF" + bytes(range(256)) * 100)
    failed = stored_asset(app, film, broken, AssetKind.AUDIO)
    failed_id = failed.id
    assert process_asset(failed_id) == "failed"
    waiting = stored_asset(app, film, dub(tmp_path, "Doblaje", "spa"), AssetKind.AUDIO)

    log_in(page, filmmaker.email)
    path = f"/studio/{studio.slug}/titles/{film.id}/media"
    assert_usable_and_accessible(page, path)
    files = page.locator("[data-audio-files] > li")
    expect(files).to_have_count(3)
    expect(files.nth(0)).to_contain_text("Ready")
    expect(files.nth(1)).to_contain_text("Failed")
    expect(files.nth(1).locator("[data-field=error]")).to_contain_text("not an audio file")
    expect(files.nth(2)).to_contain_text("Uploaded, waiting to be processed")

    assert process_asset(waiting.id) == "ready"  # the worker gets to it while the page is open
    expect(files.nth(2)).to_contain_text("Ready", timeout=15_000)
    expect(files.nth(2).locator("[data-field-box=progress]")).to_be_hidden()

    files.nth(1).get_by_role("button", name="Delete broken.wav").click()
    expect(page.get_by_text("The audio track is deleted.")).to_be_visible()
    expect(files).to_have_count(2)
    expect(page.locator("[data-audio-files]")).not_to_contain_text("broken.wav")
    db.session.rollback()
    assert db.session.get(MediaAsset, failed_id) is None
    assert_usable_and_accessible(page, path)


def test_a_viewer_who_chose_a_deleted_track_hears_the_default_one(
    app, page, viewer, filmmaker_client, studio, film, tmp_path
):
    german = stored_asset(app, film, dub(tmp_path, "Deutsche Fassung", "deu"), AssetKind.AUDIO)
    assert process_asset(german.id) == "ready"
    film = db.session.get(Title, film.id, populate_existing=True)
    film.status = TitleStatus.PUBLISHED
    db.session.commit()
    grant(viewer, film)
    log_in(page, viewer.email)
    page.goto(f"/watch/{film.slug}")
    menu = page.get_by_label("Audio", exact=True)
    expect(menu).to_be_visible(timeout=20_000)
    menu.select_option(label="German – Dubbed")  # the studio has not named it
    player = page.locator("[data-player]")
    expect(player).to_have_attribute("data-audio-track", "de:German – Dubbed", timeout=20_000)

    deleted = filmmaker_client.post(
        f"/studio/{studio.slug}/titles/{film.id}/audio-files/{german.id}/delete"
    )
    assert deleted.status_code == 302
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.reload()

    expect(menu).to_be_visible(timeout=20_000)
    expect(menu.locator("option")).to_have_text(
        ["English", "Version française", "Audio description"]
    )
    expect(player).to_have_attribute("data-audio-track", "en:English", timeout=20_000)
    expect(page.locator(".player-notice")).to_have_text("")  # silently: nothing to explain
    expect(page.locator(".player-message")).to_be_hidden()
    assert errors == []
