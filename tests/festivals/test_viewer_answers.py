"""What a festival viewer is told when they cannot buy or watch yet: a ticket or pass asked for
outside the countries it is sold in names the viewer's country and where it is sold; a live
screening not started says when it starts, on the viewer's clock, counting down; a viewer who
started before the screening closed finishes the film."""

from __future__ import annotations

import re
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from storefront.extensions import db
from storefront.models import utcnow
from storefront.services.watching import playback

from .conftest import book, buy_pass, buy_ticket
from .test_passes import paid_pass
from .test_windows import ticket_for

NORDIC = [{"country": "NO"}, {"country": "SE", "amount": 9900, "currency": "SEK"}]


def test_a_ticket_asked_for_outside_its_countries_says_why_and_where_it_is_sold(
    viewer_client, make_screening
):
    screening = make_screening(territory_mode="allow", territories=NORDIC)

    refused = buy_ticket(viewer_client, screening, country="FR")

    page = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "Not available in France" in page
    assert "Norway" in page and "Sweden" in page
    assert "cannot be bought here and now" not in page


def test_a_pass_asked_for_outside_its_countries_says_why_and_where_it_is_sold(
    viewer_client, make_pass
):
    festival_pass = make_pass(territory_mode="allow", territories=NORDIC)

    refused = buy_pass(viewer_client, festival_pass, country="US")

    page = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "United States" in page and "Norway" in page and "Sweden" in page
    assert "cannot be bought here and now" not in page


def test_a_booking_from_outside_the_screenings_countries_says_why(
    viewer_client, viewer, make_pass, make_screening, emu, webhooks
):
    holding = paid_pass(viewer_client, viewer, make_pass(), emu)
    screening = make_screening(territory_mode="allow", territories=[{"country": "NO"}])

    refused = book(viewer_client, screening, holding.id, country="DE")

    page = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "Not available in Germany" in page and "Norway" in page


def test_a_live_screening_not_started_says_when_in_the_viewers_zone_and_counts_down(
    client, auth, viewer, make_screening
):
    start = (utcnow() + timedelta(days=1)).replace(hour=19, minute=0, second=0, microsecond=0)
    screening = make_screening(
        start - timedelta(hours=1),
        start + timedelta(hours=3),
        live_local=start.astimezone(UTC),  # an aware time is taken as it is
    )
    ticket_for(viewer, screening)
    viewer.timezone = "America/New_York"
    db.session.commit()
    auth.login(viewer.email)

    page = client.get(f"/watch/{screening.title.slug}", headers={"X-Test-Country": "NO"})

    text = page.get_data(as_text=True)
    assert page.status_code == 403
    new_york = start.astimezone(ZoneInfo("America/New_York"))
    assert new_york.strftime("%-I:%M") in text and "PM" in text
    countdown = re.search(r"<time[^>]*data-starts-in[^>]*>", text)
    assert countdown and f'datetime="{start.astimezone(UTC).isoformat()}"' in countdown[0]


def test_a_viewer_who_started_before_the_screening_closed_finishes_the_film(viewer, make_screening):
    now = utcnow()
    screening = make_screening(now - timedelta(hours=3), now + timedelta(minutes=30))
    ticket_for(viewer, screening)
    playback.start(viewer, screening.title, "NO", now, playback.Limits())

    # Two hours after the screening closed to starting, within the ticket's 24 hours.
    later = now + timedelta(hours=2, minutes=30)
    decision = playback.check(viewer, screening.title, "NO", later)

    assert decision is not None
