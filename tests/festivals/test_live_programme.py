"""The festival's programme speaks of a live screening as its ticket holders live it: before the
film starts it says when it starts, while it runs it offers to watch, and once the film has
ended for everyone it says so instead of offering a "Watch" link that playback would refuse."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storefront.extensions import db
from storefront.models import utcnow

from .test_windows import ticket_for


@pytest.fixture
def ninety_minute_film(film):  # type: ignore[no-untyped-def]
    film.runtime_seconds = 90 * 60
    db.session.commit()
    return film


def entry(page_text: str, screening_id: int) -> str:
    """The screening's entry in the schedule (the last list on the page that shows it)."""
    marker = f'data-testid="screening-{screening_id}"'
    return page_text.rsplit(marker, 1)[1].split("</li>", 1)[0]


def programme(client, festival, locale: str = "en") -> str:  # type: ignore[no-untyped-def]
    page = client.get(
        f"/festivals/{festival.slug}",
        headers={"X-Test-Country": "NO", "Accept-Language": locale},
    )
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_a_ticket_holder_is_told_the_live_film_has_ended_not_offered_watch(
    viewer_client, viewer, ninety_minute_film, make_screening, festival
):
    now = utcnow()
    screening = make_screening(
        now - timedelta(hours=3), now + timedelta(hours=3), live_local=now - timedelta(hours=2)
    )
    ticket_for(viewer, screening)
    db.session.commit()

    shown = entry(programme(viewer_client, festival), screening.id)

    assert "You have a ticket." in shown
    assert "Live screening over: the film has ended for everyone" in shown
    assert "/watch/" not in shown and ">Watch<" not in shown


def test_a_ticket_holder_is_told_when_the_live_film_starts(
    viewer_client, viewer, ninety_minute_film, make_screening, festival
):
    now = utcnow()
    live = now + timedelta(hours=1)
    screening = make_screening(now - timedelta(hours=1), now + timedelta(hours=5), live_local=live)
    ticket_for(viewer, screening)
    db.session.commit()

    shown = entry(programme(viewer_client, festival), screening.id)

    assert "You have a ticket: the film starts for everyone at" in shown
    assert f'datetime="{screening.live_start_at.isoformat()}"' in shown
    assert "/watch/" not in shown


def test_while_the_live_film_runs_its_ticket_holder_can_watch(
    viewer_client, viewer, ninety_minute_film, make_screening, festival
):
    now = utcnow()
    screening = make_screening(
        now - timedelta(hours=1), now + timedelta(hours=5), live_local=now - timedelta(minutes=30)
    )
    ticket_for(viewer, screening)
    db.session.commit()

    shown = entry(programme(viewer_client, festival), screening.id)

    assert f'href="/watch/{screening.title.slug}">Watch<' in shown


def test_a_viewer_without_a_ticket_reads_that_the_live_film_has_ended(
    viewer_client, ninety_minute_film, make_screening, festival
):
    now = utcnow()
    screening = make_screening(
        now - timedelta(hours=3), now + timedelta(hours=3), live_local=now - timedelta(hours=2)
    )

    shown = entry(programme(viewer_client, festival), screening.id)

    assert f'data-testid="reason-{screening.id}">Live screening over' in shown
    assert "ticket-" not in shown


@pytest.mark.parametrize(
    ("locale", "said"),
    [
        ("de", "Live-Vorführung vorbei"),
        ("nb", "Direktevisningen er over"),
    ],
)
def test_the_end_is_said_in_the_viewers_language(
    viewer_client, viewer, ninety_minute_film, make_screening, festival, locale, said
):
    now = utcnow()
    screening = make_screening(
        now - timedelta(hours=3), now + timedelta(hours=3), live_local=now - timedelta(hours=2)
    )
    ticket_for(viewer, screening)
    db.session.commit()

    shown = entry(programme(viewer_client, festival, locale), screening.id)

    assert said in shown


def test_a_past_screening_offers_no_seats(
    viewer_client, ninety_minute_film, make_screening, festival
):
    """Seats left of a screening nobody can start any more would read as seats to buy."""
    now = utcnow()
    screening = make_screening(
        now - timedelta(hours=3), now + timedelta(hours=3), live_local=now - timedelta(hours=2),
        capacity=50,
    )  # fmt: skip

    shown = entry(programme(viewer_client, festival), screening.id)

    assert "seats left" not in shown


def test_a_live_screening_says_when_it_ends_not_hours_to_watch(
    viewer_client, ninety_minute_film, make_screening, festival, emu
):
    """A live film ends for everyone with the film: "24 hours to watch once started" would
    promise what playback refuses, on the programme and on the processor's page alike."""
    from .conftest import buy_ticket, session_id_from

    now = utcnow()
    live = now + timedelta(hours=1)
    screening = make_screening(now - timedelta(hours=1), now + timedelta(hours=5), live_local=live)

    shown = entry(programme(viewer_client, festival), screening.id)
    response = buy_ticket(viewer_client, screening)
    terms = emu.state.private[session_id_from(response.location)]["product_description"]

    assert "hours to watch" not in shown
    assert "It ends for everyone at" in shown
    ends = (screening.live_start_at + timedelta(minutes=90)).isoformat()
    assert f'datetime="{ends}"' in shown
    assert terms == "Live screening: everyone watches together, and it ends when the film ends."
