"""An audio track taken away while someone listens, in Chromium: the studio deletes the
German dub a viewer plays, and the film goes on from where it was in its main audio, the
menu no longer offers German and a polite notice says why. A remembered choice whose track
is gone by the time it loads falls back to the main audio without a word."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from storefront.extensions import db
from storefront.models import AssetKind, Title, TitleStatus
from storefront.tasks.media import process_asset

from ..media.conftest import FAST_H264, STEREO_AAC, ffmpeg, tone_at, video
from ..watching.conftest import WORLDWIDE, grant
from .test_audio_files import stored_asset
from .test_audio_menu import log_in

SECONDS = 40  # longer than the player's 30 s of buffer: it still fetches German when deleted
NOTICE = "The audio track you chose is no longer available. The film goes on with its main audio."
GERMAN = "de:German – Dubbed"  # the studio has not named it
CHOSEN = {"name": "German – Dubbed", "lang": "de", "describes": False}


@pytest.fixture
def settings(settings: dict, tmp_path, request) -> dict:
    settings.update(
        TRANSCODE_LADDER=[(360, 800, 96)],
        TRANSCODE_PRESET="ultrafast",
        TRANSCODE_SEGMENT_SECONDS=2,
        TRANSCODE_WORK_DIR=str(tmp_path / "work"),
        # How long segment links last; the player refreshes its playlists at half that.
        SEGMENT_URL_SECONDS=getattr(request, "param", 300),
    )
    return settings


@pytest.fixture(scope="module")
def two_voices(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 s of small video with English and French audio."""
    path = tmp_path_factory.mktemp("long-voices") / "two_voices.mkv"
    ffmpeg(
        *video(SECONDS, "640x360", rate=10), *tone_at(440, SECONDS), *tone_at(660, SECONDS),
        "-map", "0:v", "-map", "1:a", "-map", "2:a", *FAST_H264, *STEREO_AAC,
        "-metadata:s:a:0", "language=eng",
        "-metadata:s:a:1", "language=fra", "-metadata:s:a:1", "title=Version française",
        "-shortest", str(path),
    )  # fmt: skip
    return path


@pytest.fixture(scope="module")
def german_dub(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The German version as its own audio file, as long as the film."""
    path = tmp_path_factory.mktemp("long-dub") / "Deutsche Fassung.m4a"
    ffmpeg(
        *tone_at(550, SECONDS), "-ac", "2", "-c:a", "aac", "-b:a", "64k",
        "-metadata:s:a:0", "language=deu", str(path),
    )  # fmt: skip
    return path


@pytest.fixture
def dubbed(app, make_title, studio, viewer, two_voices, german_dub):
    """The published film and its German audio file (an upload of the studio's)."""
    film = make_title("Two Voices", studio=studio, status=TitleStatus.DRAFT, offers=WORLDWIDE)
    assert process_asset(stored_asset(app, film, two_voices, AssetKind.FEATURE).id) == "ready"
    german = stored_asset(app, film, german_dub, AssetKind.AUDIO)
    assert process_asset(german.id) == "ready"
    film = db.session.get(Title, film.id, populate_existing=True)
    film.status = TitleStatus.PUBLISHED
    db.session.commit()
    grant(viewer, film)
    return film, german.id


def delete_url(studio, film, asset_id: int) -> str:
    return f"/studio/{studio.slug}/titles/{film.id}/audio-files/{asset_id}/delete"


def playing_time(page) -> float:
    return page.evaluate("document.querySelector('video').currentTime")


def start_in_german(page, viewer, film):
    log_in(page, viewer.email)
    page.goto(f"/watch/{film.slug}")
    menu = page.get_by_label("Audio", exact=True)
    expect(menu).to_be_visible(timeout=20_000)
    expect(menu.locator("option")).to_have_text(["English", "Version française", "German – Dubbed"])
    page.get_by_role("button", name="Play").click()
    menu.select_option(label="German – Dubbed")
    expect(page.locator("[data-player]")).to_have_attribute(
        "data-audio-track", GERMAN, timeout=20_000
    )
    page.wait_for_function("document.querySelector('video').currentTime > 2", timeout=20_000)
    # Whether the film ever plays from an earlier point again (a restart from the beginning).
    page.evaluate(
        """() => {
          const video = document.querySelector('video');
          let last = video.currentTime;
          window.wentBack = false;
          video.addEventListener('timeupdate', () => {
            if (video.currentTime > 0.25 && video.currentTime < last - 1) window.wentBack = true;
            if (video.currentTime > 0.25) last = video.currentTime;
          });
        }"""
    )


def plays_on_in_english(page, since: float) -> None:
    player = page.locator("[data-player]")
    menu = page.get_by_label("Audio", exact=True)
    expect(player).to_have_attribute("data-audio-track", "en:English", timeout=20_000)
    expect(page.get_by_role("status").filter(has_text=NOTICE)).to_be_visible()
    expect(menu.locator("option")).to_have_text(["English", "Version française"])
    expect(menu).to_have_value("0")
    page.wait_for_function(
        f"document.querySelector('video').currentTime > {since + 3}", timeout=20_000
    )
    assert page.evaluate("window.wentBack") is False  # on from where it was, not from the start
    assert page.evaluate("document.querySelector('video').paused") is False
    expect(page.locator(".player-message")).to_be_hidden()
    expect(player).to_have_attribute("data-audio-track", "en:English")


@pytest.mark.parametrize("settings", [10], indirect=True)  # playlists refreshed every 5 s
def test_a_track_deleted_while_the_viewer_listens_gives_way_to_the_main_audio(
    page, viewer, studio, filmmaker_client, dubbed
):
    """The player buffers the whole of this short film: its next playlist refresh is what
    finds the track gone (404)."""
    film, german_id = dubbed
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    start_in_german(page, viewer, film)
    expect(page.get_by_role("status").filter(has_text=NOTICE)).to_have_count(0)
    where = playing_time(page)

    deleted = filmmaker_client.post(delete_url(studio, film, german_id))

    assert deleted.status_code == 302
    plays_on_in_english(page, where)
    assert errors == []


def test_going_back_to_a_track_deleted_meanwhile_gives_way_to_the_main_audio(
    page, viewer, studio, filmmaker_client, dubbed
):
    """The viewer heard German, went over to English, and picks German again after the studio
    deleted it (links last 5 minutes: no refresh has noticed): its segments answer 404."""
    film, german_id = dubbed
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    start_in_german(page, viewer, film)
    menu = page.get_by_label("Audio", exact=True)
    menu.select_option(label="English")
    expect(page.locator("[data-player]")).to_have_attribute("data-audio-track", "en:English")
    assert filmmaker_client.post(delete_url(studio, film, german_id)).status_code == 302
    where = playing_time(page)

    with page.expect_response(lambda r: "/media/objects/" in r.url and r.status == 404):
        menu.select_option(label="German – Dubbed")

    plays_on_in_english(page, where)
    assert errors == []


def test_a_remembered_track_gone_before_it_loads_falls_back_without_a_word(
    app, page, viewer, studio, filmmaker_client, dubbed
):
    """The master playlist still offered the dub; by the time the player asks for the dub's
    own playlist the studio has deleted it (the route only lets the request go on after)."""
    film, german_id = dubbed
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, viewer.email)
    page.evaluate(f"localStorage.setItem('storefront.audio', {json.dumps(json.dumps(CHOSEN))})")
    url = delete_url(studio, film, german_id)
    asked: list[int] = []

    def delete_first(route) -> None:
        # Playwright calls this outside the test's application context.
        if not asked:
            with app.app_context():
                asked.append(filmmaker_client.post(url).status_code)
        route.continue_()

    page.route("**/watch/play/*/a/*.m3u8", delete_first)
    with page.expect_response(lambda r: "/a/" in r.url, timeout=20_000) as gone:
        page.goto(f"/watch/{film.slug}")
    assert asked == [302] and gone.value.status == 404

    player = page.locator("[data-player]")
    menu = page.get_by_label("Audio", exact=True)
    expect(player).to_have_attribute("data-audio-track", "en:English", timeout=20_000)
    expect(menu.locator("option")).to_have_text(["English", "Version française"])
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("document.querySelector('video').currentTime > 2", timeout=20_000)
    expect(page.locator(".player-notice")).to_have_text("")
    expect(page.locator(".player-message")).to_be_hidden()
    assert errors == []
