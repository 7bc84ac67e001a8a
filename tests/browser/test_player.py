"""The player in Chromium: a bought film plays with subtitles offered and resumes where it
stopped; it keeps playing past its segment links' expiry; expired, blocked, refunded and
borrowed-link playback is refused."""

from __future__ import annotations

import re
import time
from datetime import timedelta

from babel.numbers import format_decimal
from playwright.sync_api import expect

from storefront.extensions import db
from storefront.models import EntitlementStatus, OfferKind, utcnow
from storefront.web import watch

from ..conftest import PASSWORD
from ..watching.conftest import film, grant, hls_package, store_hls  # noqa: F401
from .conftest import screenshot
from .test_languages import choose_language


def log_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def current_time(page) -> float:
    return page.evaluate("document.querySelector('video').currentTime")


def test_a_bought_film_plays_offers_subtitles_and_resumes(page, viewer, film):  # noqa: F811
    grant(viewer, film)
    log_in(page, viewer.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My films").click()
    page.get_by_role("link", name="Watch").click()
    expect(page.get_by_role("heading", name="Northern Lights")).to_be_visible()

    subtitles = page.get_by_label("Subtitles")
    expect(subtitles.locator("option", has_text="French")).to_have_count(1)
    expect(page.get_by_label("Quality").locator("option")).to_have_count(3)  # auto + 2

    page.get_by_role("button", name="Play").click()
    page.wait_for_function("document.querySelector('video').currentTime > 2.5", timeout=20_000)
    subtitles.select_option(label="French (fr)")
    assert page.evaluate("document.querySelector('video').textTracks.length") >= 1
    screenshot(page, "player")

    # Keyboard: K pauses (and saves the position at once).
    page.locator("[data-player]").focus()
    with page.expect_response(lambda r: "/heartbeat" in r.url) as beat:
        page.keyboard.press("k")
    assert beat.value.ok
    saved = int(current_time(page))
    assert saved >= 2
    expect(page.get_by_role("button", name="Play")).to_be_visible()

    page.reload()
    page.wait_for_function(
        f"document.querySelector('video').currentTime >= {saved - 0.5}", timeout=20_000
    )
    page.goto("/library")
    expect(page.get_by_role("link", name="Continue watching")).to_be_visible()


def test_playback_outlives_its_segment_links_until_a_refund(  # noqa: PLR0913
    page,
    viewer,
    film,  # noqa: F811
    app,
    monkeypatch,
):
    # Links last 10 seconds and the player renews them every 5. Heartbeats are rare here, so
    # only the renewals re-check the viewer.
    app.config["SEGMENT_URL_SECONDS"] = 10
    monkeypatch.setattr(watch, "HEARTBEAT_SECONDS", 600)
    grant(viewer, film)
    segments: list[int] = []
    page.on(
        "response",
        lambda r: segments.append(r.status) if "/media/objects/" in r.url else None,
    )
    log_in(page, viewer.email)
    page.goto(f"/watch/{film.slug}")
    quality = page.get_by_label("Quality")
    expect(quality.locator("option")).to_have_count(3)

    page.get_by_role("button", name="Play").click()
    page.wait_for_function("document.querySelector('video').currentTime > 0.5", timeout=20_000)
    page.get_by_role("button", name="Pause").click()

    # Buffer the lowest quality, then the other one.
    with page.expect_response(lambda r: "/media/objects/" in r.url):
        quality.select_option("0")
    with page.expect_response(lambda r: "/media/objects/" in r.url):
        quality.select_option("1")

    # Once the links first given out have expired, going back to the lowest quality fetches
    # its segments again: at renewed links, so none is refused, and the film plays on.
    page.wait_for_timeout(12_000)
    with page.expect_response(lambda r: "/media/objects/" in r.url) as again:
        quality.select_option("0")
    assert again.value.ok
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("document.querySelector('video').currentTime > 2.5", timeout=20_000)
    with page.expect_response(lambda r: "/heartbeat" in r.url) as beat:
        page.get_by_role("button", name="Pause").click()
    assert beat.value.ok
    assert segments and 403 not in segments

    # A refund: the next renewal is refused and stops the player with the reason.
    for entitlement in film_entitlements(viewer, film):
        entitlement.status = EntitlementStatus.REVOKED
    db.session.commit()
    with page.expect_response(lambda r: ".m3u8" in r.url and r.status == 403):
        expect(page.locator(".player-message")).to_contain_text(
            "This order was refunded", timeout=10_000
        )
    assert page.evaluate("document.querySelector('video').paused")


def test_refusals_are_clear(  # noqa: PLR0913
    page,
    browser,
    live_server,
    viewer,
    make_user,
    make_title,
    film,  # noqa: F811
    hls_package,  # noqa: F811
):
    # An expired rental, with a way to rent again.
    expired_title = make_title(
        "Last Weekend", offers=[{"kind": OfferKind.RENT, "amount": 300, "currency": "EUR"}]
    )
    rental = grant(
        viewer, expired_title, OfferKind.RENT, at=utcnow() - timedelta(days=4)
    ).entitlement
    rental.started_at = utcnow() - timedelta(days=3)
    rental.expires_at = rental.started_at + timedelta(hours=48)
    # A territory the rights exclude.
    blocked = make_title(
        "Not Here",
        offers=[
            {
                "kind": OfferKind.BUY,
                "amount": 900,
                "currency": "EUR",
                "territories": [{"country": "IT", "blocked": True}],
            }
        ],
    )
    grant(viewer, blocked, country="FR")
    # A refunded order.
    refunded = make_title(
        "Changed My Mind", offers=[{"kind": OfferKind.BUY, "amount": 900, "currency": "EUR"}]
    )
    grant(viewer, refunded, status=EntitlementStatus.REVOKED)
    db.session.commit()

    log_in(page, viewer.email)
    page.goto("/watch/last-weekend")
    expect(page.get_by_role("alert")).to_contain_text("Your rental has expired")
    page.get_by_role("link", name="Rent again").click()
    expect(page).to_have_url(f"{live_server.url}/films/last-weekend")

    page.goto("/watch/changed-my-mind")
    expect(page.get_by_role("alert")).to_contain_text("This order was refunded")

    italy = browser.new_context(
        base_url=live_server.url, extra_http_headers={"X-Test-Country": "IT"}
    )
    in_italy = italy.new_page()
    log_in(in_italy, viewer.email)
    store_hls(blocked, hls_package)
    in_italy.goto("/watch/not-here")
    expect(in_italy.get_by_role("alert")).to_contain_text("cannot be watched in the country")
    italy.close()

    # Another account cannot use this viewer's playlist link.
    grant(viewer, film)
    with page.expect_response(lambda r: r.url.endswith("/start")) as started:
        page.goto(f"/watch/{film.slug}")
    master_url = started.value.json()["master_url"]
    other = browser.new_context(base_url=live_server.url)
    intruder_page = other.new_page()
    intruder = make_user("intruder@example.org")
    grant(intruder, film)
    log_in(intruder_page, intruder.email)
    response = intruder_page.goto(master_url)
    assert response.status == 403
    assert "not valid for your account" in intruder_page.content()
    other.close()

    # A refund while watching stops the player with the reason.
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("document.querySelector('video').currentTime > 0.5", timeout=20_000)
    for entitlement in film_entitlements(viewer, film):
        entitlement.status = EntitlementStatus.REVOKED
    db.session.commit()
    page.get_by_role("button", name="Pause").click()
    expect(page.locator(".player-message")).to_contain_text("This order was refunded")


def film_entitlements(user, title):
    from storefront.models import Entitlement

    return db.session.scalars(db.select(Entitlement).filter_by(user_id=user.id, title_id=title.id))


def test_play_pressed_as_soon_as_the_page_shows_is_not_lost(page, viewer, film):  # noqa: F811
    # On a slow connection the page (and its Play button) shows before the player's script
    # has run. A viewer who presses Play then must get the film playing, not a dead button.
    grant(viewer, film)
    log_in(page, viewer.email)

    def slow_script(route) -> None:  # type: ignore[no-untyped-def]
        time.sleep(1.5)
        route.continue_()

    page.route("**/static/js/player.js*", slow_script)
    page.goto(f"/watch/{film.slug}", wait_until="commit")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("document.querySelector('video').currentTime > 1", timeout=20_000)


def test_a_rendition_without_a_picture_size_is_named_by_bitrate_in_the_viewers_language(
    page,
    viewer,
    film,  # noqa: F811
):
    # Without RESOLUTION in the master playlist (audio-only renditions, other packagers),
    # the quality menu names each rendition by its bitrate, in the interface's language.
    grant(viewer, film)
    log_in(page, viewer.email)
    choose_language(page, "de")
    bandwidths: list[int] = []

    def without_resolution(route) -> None:  # type: ignore[no-untyped-def]
        playlist = route.fetch().text()
        bandwidths.extend(int(b) for b in re.findall(r"[:,]BANDWIDTH=(\d+)", playlist))
        route.fulfill(
            body=re.sub(r",RESOLUTION=\d+x\d+", "", playlist),
            content_type="application/vnd.apple.mpegurl",
        )

    page.route("**/master.m3u8", without_resolution)
    page.goto(f"/watch/{film.slug}")
    options = page.get_by_label("Qualität").locator("option")
    expect(options).to_have_count(3)
    assert bandwidths
    rates = [f"{format_decimal(round(b / 1000), locale='de')} kbit/s" for b in bandwidths]
    # Auto names the rendition it plays the same way once it has picked one.
    expect(options).to_have_text([re.compile(r"Auto( \([\d.]+ kbit/s\))?"), *rates])
