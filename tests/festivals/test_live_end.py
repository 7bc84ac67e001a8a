"""A live screening is over for everyone when its film ends: no ticket is sold for a film
already finished, and a ticket holder who missed it (or any screening) is told so in the words
of a festival ticket, not offered to "rent again"."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storefront.extensions import db
from storefront.models import utcnow
from storefront.services.catalog.availability import Reason
from storefront.services.promotion.screenings import screening_availability
from storefront.services.watching import library, playback
from storefront.services.watching.access import PlaybackRefused, Refusal

from .conftest import buy_ticket
from .test_windows import ticket_for


@pytest.fixture
def ninety_minute_film(film):  # type: ignore[no-untyped-def]
    film.runtime_seconds = 90 * 60
    db.session.commit()
    return film


def live_two_hours_ago(make_screening):  # type: ignore[no-untyped-def]
    now = utcnow()
    return make_screening(
        now - timedelta(hours=3), now + timedelta(hours=2), live_local=now - timedelta(hours=2)
    )


def test_no_ticket_is_sold_for_a_live_film_that_has_ended(
    viewer_client, ninety_minute_film, make_screening, festival
):
    screening = live_two_hours_ago(make_screening)

    availability = screening_availability(screening, "NO", utcnow())
    refused = buy_ticket(viewer_client, screening)
    page = viewer_client.get(f"/festivals/{festival.slug}", headers={"X-Test-Country": "NO"})

    assert availability.reason == Reason.ENDED
    assert refused.status_code == 409
    assert "This screening has closed." in refused.get_data(as_text=True)
    assert f'data-testid="reason-{screening.id}">Live screening over' in page.text


def test_a_live_film_still_running_sells_and_plays_where_everyone_is(
    viewer, ninety_minute_film, make_screening
):
    now = utcnow()
    screening = make_screening(
        now - timedelta(hours=2), now + timedelta(hours=2), live_local=now - timedelta(minutes=80)
    )
    assert screening_availability(screening, "NO", now).is_available
    ticket_for(viewer, screening)

    started = playback.start(viewer, screening.title, "NO", now, playback.Limits())

    assert 80 * 60 - 1 <= started.position <= 80 * 60 + 1


def test_a_ticket_holder_who_missed_a_live_film_is_told_the_screening_is_over(
    viewer, ninety_minute_film, make_screening
):
    now = utcnow()
    screening = make_screening(
        now + timedelta(minutes=30), now + timedelta(hours=5), live_local=now + timedelta(hours=1)
    )
    ticket_for(viewer, screening)
    after_the_film = now + timedelta(hours=2, minutes=31)

    with pytest.raises(PlaybackRefused) as refused:
        playback.check(viewer, screening.title, "NO", after_the_film)

    assert refused.value.code == Refusal.SCREENING_CLOSED
    assert "rent" not in refused.value.message.lower()
    [item] = library.items(viewer.id, after_the_film)
    assert item.state == library.ItemState.SCREENING_CLOSED and not item.rent_again


def test_a_ticket_never_started_before_its_screening_closed_is_not_called_a_rental(
    client, auth, viewer, make_screening
):
    now = utcnow()
    screening = make_screening(now - timedelta(hours=3), now - timedelta(minutes=1))
    ticket_for(viewer, screening)
    auth.login(viewer.email)

    page = client.get(f"/watch/{screening.title.slug}", headers={"X-Test-Country": "NO"})
    shelf = client.get("/library")

    assert page.status_code == 403
    assert "screening has closed" in page.text and "Rent again" not in page.text
    assert "Rental expired" not in shelf.text and "screening closed" in shelf.text.lower()
