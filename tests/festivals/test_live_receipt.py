"""The receipt for a live screening's ticket tells its buyer what the ticket is: the film starts
for everyone at a set time and ends with the film, not "start before... then N hours"."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storefront.extensions import db
from storefront.models import utcnow
from tests.smtp_server import html_of, text_of, with_smtp

from .conftest import buy_ticket, session_id_from


@pytest.fixture
def settings(settings: dict, smtp_server) -> dict:  # type: ignore[no-untyped-def]
    return with_smtp(settings, smtp_server)


def test_a_live_tickets_receipt_says_when_the_film_starts_and_ends_for_everyone(
    viewer_client, viewer, film, make_screening, emu, webhooks, mailbox
):
    film.runtime_seconds = 90 * 60
    db.session.commit()
    now = utcnow().replace(second=0, microsecond=0)
    opens = now + timedelta(days=2)
    screening = make_screening(
        opens, opens + timedelta(days=1), live_local=opens + timedelta(hours=2)
    )

    emu.pay(session_id_from(buy_ticket(viewer_client, screening).location))

    (receipt,) = mailbox.to(viewer.email)
    for body in (text_of(receipt), html_of(receipt)):
        assert "Live screening: the film starts for everyone at" in body
        assert "It ends for everyone at" in body and "when the film ends" in body
        assert "Once started, you have" not in body
        assert "Start watching before" not in body


def test_an_on_demand_tickets_receipt_still_gives_its_hours_to_watch(
    viewer_client, viewer, film, make_screening, emu, webhooks, mailbox
):
    now = utcnow().replace(second=0, microsecond=0)
    screening = make_screening(now + timedelta(days=2), now + timedelta(days=3))

    emu.pay(session_id_from(buy_ticket(viewer_client, screening).location))

    (receipt,) = mailbox.to(viewer.email)
    assert "Start watching before" in text_of(receipt)
    assert "Live screening" not in text_of(receipt)


def _library_with_live_ticket(client, auth, viewer, film, make_screening, live_in):  # type: ignore[no-untyped-def]
    from .test_windows import ticket_for

    film.runtime_seconds = 90 * 60
    db.session.commit()
    now = utcnow()
    screening = make_screening(
        now - timedelta(hours=1), now + timedelta(hours=6), live_local=now + live_in
    )
    ticket_for(viewer, screening)
    auth.login(viewer.email)
    return client.get("/library").get_data(as_text=True)


def test_the_library_says_when_a_live_film_starts_not_hours_left_to_start(
    client, auth, viewer, film, make_screening
):
    shelf = _library_with_live_ticket(
        client, auth, viewer, film, make_screening, timedelta(hours=1)
    )

    assert "Live screening: the film starts for everyone at" in shelf
    assert "left to start watching" not in shelf


def test_the_library_says_when_a_running_live_film_ends_not_time_left_to_finish(
    client, auth, viewer, film, make_screening
):
    shelf = _library_with_live_ticket(
        client, auth, viewer, film, make_screening, -timedelta(minutes=10)
    )

    assert "It ends for everyone at" in shelf and ">Watch<" in shelf
    assert "Time left to finish" not in shelf and "left to start watching" not in shelf
