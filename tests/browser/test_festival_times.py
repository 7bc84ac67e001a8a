"""A live screening's start is said in the same time zone as its window: a visitor whose
browser is in Oslo reads both on Oslo's clock, not one of them in UTC."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from storefront.extensions import db
from storefront.models import utcnow
from storefront.services.promotion import festivals, screenings


@pytest.fixture
def live_screening(live_server, make_user, make_studio, make_title):  # type: ignore[no-untyped-def]
    filmmaker = make_user("fenna@example.org")
    film = make_title("Northern Lights", studio=make_studio(filmmaker, name="North Light Films"))
    organiser = make_user("frida@example.org")
    today = utcnow().date()
    festival = festivals.create_festival(
        make_studio(organiser, name="Arctic Lights"), "Arctic Lights Festival", today,
        today + timedelta(days=5), "Europe/Oslo", 3000,
    )  # fmt: skip
    selection = festivals.invite_title(festival, film)
    festivals.respond(selection, filmmaker, accept=True)
    tomorrow = datetime.combine(today + timedelta(days=1), datetime.min.time())
    screening = screenings.add_screening(
        selection, tomorrow.replace(hour=19), tomorrow.replace(hour=23), 800, "EUR",
        live_local=tomorrow.replace(hour=20),
    )  # fmt: skip
    db.session.commit()
    return screening


def test_the_live_start_is_on_the_viewers_clock_like_the_window(
    browser, live_server, live_screening
):
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", timezone_id="Europe/Oslo", bypass_csp=True
    )
    page = context.new_page()
    try:
        page.goto(f"/festivals/{live_screening.festival.slug}")
        item = page.get_by_test_id(f"screening-{live_screening.id}").first
        expected = page.evaluate(
            """iso => new Intl.DateTimeFormat(document.documentElement.lang,
                 {dateStyle: "medium", timeStyle: "short"}).format(new Date(iso))""",
            live_screening.live_start_at.replace(tzinfo=None).isoformat() + "Z",
        )
        text = item.inner_text()
        assert f"the film starts for everyone at {expected}." in text, text
    finally:
        context.close()


def test_a_ticket_holder_reads_when_a_live_film_starts_and_that_one_has_ended(
    page, live_server, live_screening, make_user
):
    """The programme of a ticket holder with two live screenings, one to come and one whose
    film has ended: no "Watch" link for either, each says where it stands; the page fits
    390 px and passes axe-core."""
    from tests.festivals.test_windows import ticket_for

    from .accessibility import assert_usable_and_accessible
    from .test_festival import log_in

    film = live_screening.title
    film.runtime_seconds = 90 * 60
    now = utcnow()
    ended = screenings.add_screening(
        live_screening.selection, now - timedelta(hours=3), now + timedelta(hours=3), 800, "EUR",
        live_local=now - timedelta(hours=2),
    )  # fmt: skip
    viewer = make_user("vera@example.org")
    ticket_for(viewer, live_screening)
    ticket_for(viewer, ended)

    log_in(page, viewer.email)
    assert_usable_and_accessible(page, f"/festivals/{live_screening.festival.slug}")

    coming = page.get_by_test_id(f"your-ticket-{live_screening.id}").first
    over = page.get_by_test_id(f"your-ticket-{ended.id}").first
    assert "the film starts for everyone at" in coming.inner_text()
    assert "Live screening over" in over.inner_text()
    assert page.get_by_role("link", name="Watch", exact=True).count() == 0
