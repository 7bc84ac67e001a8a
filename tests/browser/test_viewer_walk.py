"""A new viewer's first visit: a pre-order's release said on the viewer's own clock when it is
called "your time", a catalogue page with a main heading, and a festival's own words kept in
their direction on a right-to-left page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storefront.extensions import db
from storefront.models import utcnow
from storefront.services.promotion import festivals

from .pages import AXE


@pytest.fixture
def upcoming(make_studio, make_user, make_title):  # type: ignore[no-untyped-def]
    """A film out at 18:00 UTC in ten days (03:00 the next morning in Tokyo), pre-orders open."""
    release = (utcnow() + timedelta(days=10)).replace(hour=18, minute=0, second=0, microsecond=0)
    studio = make_studio(make_user("fenna@example.org"), name="North Light Films")
    offers = [{"kind": "rent", "amount": 599, "currency": "EUR", "available_from": release}]
    return make_title(
        "Polar Night", studio=studio, offers=offers, release_at=release, preorders=True
    )


def local_clock(page, moment) -> str:  # type: ignore[no-untyped-def]
    """``moment`` (naive UTC) as the browser's own clock writes it in the page's language."""
    return page.evaluate(
        """iso => new Intl.DateTimeFormat(document.documentElement.lang,
             {dateStyle: "medium", timeStyle: "short"}).format(new Date(iso))""",
        moment.replace(tzinfo=None).isoformat() + "Z",
    )


def test_a_preorders_release_is_on_the_visitors_own_clock(browser, live_server, upcoming):
    """A visitor without an account in Tokyo read "6:00:00 PM UTC (your time)": UTC is not
    their time. The release is now written on the browser's clock, as festival times are."""
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", timezone_id="Asia/Tokyo", bypass_csp=True
    )
    page = context.new_page()
    try:
        page.goto(f"/films/{upcoming.slug}", wait_until="networkidle")
        note = page.get_by_test_id("preorder-note").inner_text()
        expected = local_clock(page, upcoming.release_at)
        assert f"watched from {expected} (your time)" in note, note
        assert "UTC" not in note, note
    finally:
        context.close()


def test_the_checkout_says_the_release_on_the_viewers_own_clock(
    browser, live_server, upcoming, make_user
):
    from .test_festival import log_in

    make_user("vera@example.org")
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-GB",
        timezone_id="Asia/Tokyo",
        bypass_csp=True,
        extra_http_headers={"X-Test-Country": "FR"},
    )
    page = context.new_page()
    try:
        log_in(page, "vera@example.org")
        page.goto(f"/buy/{upcoming.slug}", wait_until="networkidle")
        note = page.get_by_test_id("preorder-note").inner_text()
        assert f"watched from {local_clock(page, upcoming.release_at)} (your time)" in note, note
    finally:
        context.close()


def test_the_films_page_has_a_main_heading(page, live_server, make_title):
    """axe-core's page-has-heading-one: the catalogue's own page had only an h2."""
    make_title("Salt and Ice", offers=[{"kind": "rent", "amount": 399, "currency": "EUR"}])
    page.goto("/films", wait_until="networkidle")
    page.add_script_tag(path=str(AXE))
    failures = page.evaluate(
        """async () => (await axe.run(document, {runOnly: ["page-has-heading-one"]}))
             .violations.map(v => v.id)"""
    )
    assert failures == []
    assert page.locator("h1").count() == 1


def test_a_festivals_own_words_keep_their_direction_on_an_arabic_page(
    browser, live_server, make_studio, make_user
):
    """An English description on an Arabic page ran right to left, its full stop at the
    wrong end: the organiser's text now takes the direction of its own script."""
    today = utcnow().date()
    festival = festivals.create_festival(
        make_studio(make_user("frida@example.org"), name="Arctic Lights"),
        "Arctic Lights Festival", today, today + timedelta(days=5), "Europe/Oslo", 3000,
    )  # fmt: skip
    festival.description = "Ten days of films from the far north."
    db.session.commit()
    context = browser.new_context(base_url=live_server.url, locale="ar", bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(f"/festivals/{festival.slug}")
        assert page.evaluate("document.documentElement.dir") == "rtl"
        description = page.get_by_text("Ten days of films from the far north.")
        assert description.evaluate("el => getComputedStyle(el).direction") == "ltr"
    finally:
        context.close()


def test_the_library_says_when_a_live_film_starts_on_the_viewers_own_clock(
    browser, live_server, make_user, make_studio, make_title
):
    """A ticket holder in Oslo whose account is still on the default zone read the live start
    on UTC's clock with no zone named: an hour early for them. It is now on their own clock."""
    from datetime import datetime

    from storefront.services.promotion import screenings
    from tests.festivals.test_windows import ticket_for

    from .test_festival import log_in

    filmmaker = make_user("fenna@example.org")
    film = make_title("Northern Lights", studio=make_studio(filmmaker, name="North Light Films"))
    today = utcnow().date()
    festival = festivals.create_festival(
        make_studio(make_user("frida@example.org"), name="Arctic Lights"),
        "Arctic Lights Festival", today, today + timedelta(days=5), "Europe/Oslo", 3000,
    )  # fmt: skip
    selection = festivals.invite_title(festival, film)
    festivals.respond(selection, filmmaker, accept=True)
    tomorrow = datetime.combine(today + timedelta(days=1), datetime.min.time())
    screening = screenings.add_screening(
        selection, tomorrow.replace(hour=19), tomorrow.replace(hour=23), 800, "EUR",
        live_local=tomorrow.replace(hour=20),
    )  # fmt: skip
    viewer = make_user("vera@example.org")
    ticket_for(viewer, screening)
    db.session.commit()

    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", timezone_id="Europe/Oslo", bypass_csp=True
    )
    page = context.new_page()
    try:
        log_in(page, viewer.email)
        page.goto("/library", wait_until="networkidle")
        state = page.locator(".library-state").first.inner_text()
        expected = local_clock(page, screening.live_start_at)
        assert f"the film starts for everyone at {expected}." in state, state
    finally:
        context.close()
