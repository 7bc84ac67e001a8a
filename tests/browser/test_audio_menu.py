"""The player's audio menu in Chromium: a film with a dubbed track and audio description
offers all three, switching changes what hls.js plays, and the choice is remembered for
the next visit."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from storefront.adapters.storage import keys
from storefront.extensions import db
from storefront.models import AssetKind, AssetStatus, MediaAsset, TitleStatus
from storefront.tasks.media import process_asset

from ..conftest import PASSWORD
from ..media.conftest import three_voices  # noqa: F401
from ..watching.conftest import WORLDWIDE, grant


@pytest.fixture
def settings(settings: dict, tmp_path) -> dict:
    settings.update(
        TRANSCODE_LADDER=[(360, 800, 96)],
        TRANSCODE_PRESET="ultrafast",
        TRANSCODE_SEGMENT_SECONDS=2,
        TRANSCODE_WORK_DIR=str(tmp_path / "work"),
    )
    return settings


@pytest.fixture
def dubbed_film(app, make_title, three_voices):  # noqa: F811
    film = make_title("Three Voices", status=TitleStatus.DRAFT, offers=WORLDWIDE)
    asset = MediaAsset(
        title_id=film.id,
        kind=AssetKind.FEATURE,
        status=AssetStatus.UPLOADED,
        original_filename=three_voices.name,
        size_bytes=three_voices.stat().st_size,
        source_key="pending",
    )
    db.session.add(asset)
    db.session.flush()
    asset.source_key = keys.source_key(film.id, asset.id, ".mkv")
    app.extensions["storage"].upload_from(three_voices, asset.source_key, "video/x-matroska")
    db.session.commit()
    assert process_asset(asset.id) == "ready"
    film.status = TitleStatus.PUBLISHED
    db.session.commit()
    return film


# Records hls.js's audio events in the page, so that a failure says how far a switch got. (The
# failure it caught once, a pick landing while the remembered track's first audio was appended,
# is now reproduced on purpose below.)
AUDIO_TRACE = """
Object.defineProperty(window, "Hls", { configurable: true, get() { return undefined; }, set(Hls) {
  class Traced extends Hls {
    constructor(config) {
      super(config);
      window.audioTrace = [];
      const names = ["AUDIO_TRACKS_UPDATED", "AUDIO_TRACK_SWITCHING", "AUDIO_TRACK_SWITCHED",
        "AUDIO_TRACK_LOADED", "BUFFER_FLUSHED", "FRAG_BUFFERED", "ERROR"];
      for (const name of names) {
        this.on(Hls.Events[name], (event, data) => window.audioTrace.push([
          Math.round(performance.now()), name, data?.id ?? data?.frag?.level ?? data?.details,
          data?.frag ? `${data.frag.type}:${data.frag.sn}` : "", this.audioTrack,
        ]));
      }
    }
  }
  Object.defineProperty(window, "Hls", { value: Traced, writable: true, configurable: true });
} });
"""


def audio_trace(page) -> str:
    video = "document.querySelector('video')"
    return page.evaluate(
        f"JSON.stringify({{at: {video}.currentTime, paused: {video}.paused,"
        f" readyState: {video}.readyState, events: window.audioTrace}})"
    )


def log_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_the_audio_menu_switches_tracks_and_remembers_the_choice(page, viewer, dubbed_film):
    grant(viewer, dubbed_film)
    page.add_init_script(AUDIO_TRACE)
    log_in(page, viewer.email)
    page.goto(f"/watch/{dubbed_film.slug}")
    player = page.locator("[data-player]")
    menu = page.get_by_label("Audio", exact=True)
    expect(menu).to_be_visible(timeout=20_000)
    expect(menu.locator("option")).to_have_text(
        ["English", "Version française", "Audio description"]
    )
    expect(player).to_have_attribute("data-audio-track", "en:English")

    page.get_by_role("button", name="Play").click()
    with page.expect_response(lambda r: "/a/" in r.url and r.ok, timeout=20_000):
        menu.select_option(label="Version française")
    expect(player).to_have_attribute("data-audio-track", "fr:Version française", timeout=20_000)
    page.wait_for_function("document.querySelector('video').currentTime > 1", timeout=20_000)

    page.reload()
    expect(player).to_have_attribute("data-audio-track", "fr:Version française", timeout=20_000)
    expect(menu).to_have_value("1")
    menu.select_option(label="Audio description")
    try:
        expect(player).to_have_attribute("data-audio-track", "en:Audio description", timeout=20_000)
    except AssertionError as failure:
        raise AssertionError(f"{failure}\naudio trace: {audio_trace(page)}") from None


# A viewer back on the page (French remembered) picks audio description at the instant hls.js
# appends French's first sound (its second audio append; the first is the init segment): the
# pick lands in that instant on every run, as it did by chance in a loaded full run.
PICK_WHILE_FRENCH_IS_APPENDED = """
localStorage.setItem("storefront.audio",
  JSON.stringify({ name: "Version française", lang: "fr", describes: false }));
Object.defineProperty(window, "Hls", { configurable: true, get() { return undefined; }, set(Hls) {
  class Picking extends Hls {
    constructor(config) {
      super(config);
      let frenchAppends = 0;
      this.on(Hls.Events.BUFFER_APPENDING, (event, data) => {
        if (data.type !== "audio" || this.audioTracks[data.frag.level]?.lang !== "fr") return;
        if (++frenchAppends !== 2) return;
        const menu = document.querySelector(".pc-audio");
        menu.value = String(this.audioTracks.findIndex((t) => t.name === "Audio description"));
        menu.dispatchEvent(new Event("change"));
      });
    }
  }
  Object.defineProperty(window, "Hls", { value: Picking, writable: true, configurable: true });
} });
"""


def test_a_pick_made_while_the_remembered_track_starts_still_switches(page, viewer, dubbed_film):
    grant(viewer, dubbed_film)
    log_in(page, viewer.email)
    page.add_init_script(PICK_WHILE_FRENCH_IS_APPENDED)
    page.goto(f"/watch/{dubbed_film.slug}")
    # Paused at the start: audio description plays there, not the French appended meanwhile.
    player = page.locator("[data-player]")
    expect(player).to_have_attribute("data-audio-track", "en:Audio description", timeout=20_000)
    expect(page.get_by_label("Audio", exact=True)).to_have_value("2")
