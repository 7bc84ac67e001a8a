"""Festival tickets and passes go on sale ahead of the screenings, as festival audiences expect:
as soon as the festival is shown on the store, or from a moment the organiser sets. A ticket
bought early plays from its screening's opening; its buyer is told so on the confirmation page
and in the receipt, and is reminded by mail when the screening is about to open."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storefront.extensions import db
from storefront.models import Entitlement, Festival, OfferKind, OrderStatus, utcnow
from storefront.services.accounts.notifications.reminders import remind_opening_screenings
from storefront.services.catalog.availability import Reason
from storefront.services.promotion.passes import pass_availability
from storefront.services.promotion.screenings import screening_availability
from storefront.services.watching import access
from tests.smtp_server import html_of, text_of, with_smtp

from .conftest import book, buy_pass, buy_ticket, fresh, latest_order, session_id_from
from .test_editing import oslo
from .test_windows import ticket_for


@pytest.fixture
def settings(settings: dict, smtp_server) -> dict:  # type: ignore[no-untyped-def]
    """Mail goes to the loopback SMTP server, where the tests read what buyers are told."""
    return with_smtp(settings, smtp_server)


def festival_form(festival: Festival, **changes: str) -> dict[str, str]:
    return {
        "name": festival.name,
        "starts_on": festival.starts_on.isoformat(),
        "ends_on": festival.ends_on.isoformat(),
        "timezone": festival.timezone,
        "description": festival.description or "",
        **changes,
    }


def test_a_ticket_bought_days_ahead_plays_from_its_screenings_opening(
    viewer_client, viewer, make_screening, festival, emu, webhooks, mailbox
):
    now = utcnow().replace(second=0, microsecond=0)
    screening = make_screening(now + timedelta(days=3), now + timedelta(days=4))
    page = viewer_client.get(f"/festivals/{festival.slug}", headers={"X-Test-Country": "NO"})
    assert f'data-testid="ticket-{screening.id}"' in page.get_data(as_text=True)

    response = buy_ticket(viewer_client, screening)
    assert response.status_code == 303, response.data
    emu.pay(session_id_from(response.location))

    order = latest_order(viewer)
    assert order.status == OrderStatus.PAID
    ticket = db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id))
    assert ticket.not_before == screening.opens_at
    assert access.entitlement_refusal(ticket, utcnow()) == access.Refusal.NOT_OPEN
    assert access.gives_access(ticket, screening.opens_at)
    state = viewer_client.get(f"/orders/{order.public_id}/status").get_json()
    assert state["final"] and not state["ready"] and state["retry_url"] is None
    assert state["message"].startswith("Your ticket is confirmed: you can watch from")
    (mail,) = mailbox.to(viewer.email)
    for body in (text_of(mail), html_of(mail)):
        assert "The screening opens" in body and "you can watch from then" in body
    again = viewer_client.get(f"/festivals/{festival.slug}", headers={"X-Test-Country": "NO"})
    assert "You have a ticket: the screening opens at" in again.get_data(as_text=True)


def test_a_pass_books_a_screening_before_it_opens(
    viewer_client, viewer, make_screening, make_pass, emu, webhooks
):
    now = utcnow()
    screening = make_screening(now + timedelta(days=2), now + timedelta(days=3), capacity=5)
    festival_pass = make_pass(films=2)
    emu.pay(session_id_from(buy_pass(viewer_client, festival_pass).location))
    holding_id = latest_order(viewer).id
    from storefront.models import PassHolding

    holding = db.session.scalar(db.select(PassHolding).filter_by(order_id=holding_id))

    booked = book(viewer_client, screening, holding.id)

    assert booked.status_code == 303
    ticket = db.session.scalar(db.select(Entitlement).filter_by(screening_id=screening.id))
    assert ticket is not None and ticket.not_before == screening.opens_at
    assert fresh(type(screening), screening.id).seats_taken == 1


def test_an_organiser_opens_sales_at_a_moment_of_its_choosing(
    organiser_client, base, festival, make_screening, make_pass, client
):
    now = utcnow().replace(second=0, microsecond=0)
    screening = make_screening(now + timedelta(days=5), now + timedelta(days=6))
    festival_pass = make_pass(films=None)
    opening = now + timedelta(days=2)

    saved = organiser_client.post(
        f"{base}/edit", data=festival_form(festival, sales_open=oslo(opening))
    )

    assert saved.status_code == 303
    db.session.expire_all()
    assert fresh(Festival, festival.id).sales_open_at == opening
    shown = organiser_client.get(f"{base}/edit").get_data(as_text=True)
    assert f'value="{oslo(opening)}"' in shown
    manage = organiser_client.get(base).get_data(as_text=True)
    assert 'data-testid="sales-open">Tickets and passes on sale from' in manage
    assert "(Europe/Oslo)" in manage.split('data-testid="sales-open">')[1].split("</p>")[0]
    before = screening_availability(screening, "NO", opening - timedelta(minutes=1))
    assert before.reason == Reason.NOT_YET and before.opens_at == opening
    assert screening_availability(screening, "NO", opening).option(OfferKind.TICKET)
    assert pass_availability(festival_pass, "NO", now).reason == Reason.NOT_YET
    assert pass_availability(festival_pass, "NO", opening).option(OfferKind.PASS)
    page = client.get(f"/festivals/{festival.slug}", headers={"X-Test-Country": "NO"})
    text = page.get_data(as_text=True)
    assert f'data-testid="reason-{screening.id}">Tickets on sale from' in text
    assert "On sale from" in text  # the pass

    # Emptied, the festival sells as soon as it is shown; a form without the field keeps it.
    organiser_client.post(f"{base}/edit", data=festival_form(festival, sales_open=""))
    assert fresh(Festival, festival.id).sales_open_at is None
    organiser_client.post(f"{base}/edit", data=festival_form(festival, sales_open=oslo(opening)))
    organiser_client.post(f"{base}/edit", data=festival_form(festival))
    assert fresh(Festival, festival.id).sales_open_at == opening


def test_a_sales_opening_that_is_not_a_moment_is_refused_and_nothing_is_saved(
    organiser_client, base, festival
):
    response = organiser_client.post(
        f"{base}/edit", data=festival_form(festival, name="Renamed", sales_open="next week")
    )

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter dates and times such as 2027-02-12T20:00." in page
    assert 'value="next week"' in page
    db.session.expire_all()
    after = fresh(Festival, festival.id)
    assert after.name == "Arctic Film Festival 2027" and after.sales_open_at is None


def test_a_ticket_bought_ahead_is_recalled_once_when_its_screening_is_about_to_open(
    viewer_client, viewer, make_screening, festival, emu, webhooks, mailbox
):
    now = utcnow().replace(second=0, microsecond=0)
    screening = make_screening(now + timedelta(days=2), now + timedelta(days=3))
    emu.pay(session_id_from(buy_ticket(viewer_client, screening).location))
    ticket = db.session.scalar(db.select(Entitlement).filter_by(screening_id=screening.id))
    mailbox.clear()  # the receipt
    opens = screening.opens_at

    assert remind_opening_screenings(opens - timedelta(hours=3)) == 0
    assert remind_opening_screenings(opens - timedelta(minutes=50)) == 1
    db.session.commit()
    remind_opening_screenings(opens - timedelta(minutes=35))  # the next run: already mailed
    db.session.commit()

    (mail,) = mailbox.to(viewer.email)
    assert mail["Subject"] == "Northern Lights opens soon at Arctic Film Festival 2027"
    for body in (text_of(mail), html_of(mail)):
        assert "Your ticket for Northern Lights at Arctic Film Festival 2027 opens at" in body
        assert "Start watching before" in body and f"/watch/{screening.title.slug}" in body
    ticket.started_at = opens
    db.session.commit()
    assert remind_opening_screenings(opens - timedelta(minutes=50)) == 0


def test_a_ticket_bought_within_the_hour_before_opening_gets_no_second_mail(viewer, make_screening):
    now = utcnow().replace(second=0, microsecond=0)
    screening = make_screening(now + timedelta(minutes=30), now + timedelta(days=1))

    ticket_for(viewer, screening)

    assert remind_opening_screenings(now + timedelta(minutes=5)) == 0


def test_sales_opening_after_the_festivals_last_day_is_refused(organiser_client, base, festival):
    after = festival.ends_on + timedelta(days=1)

    response = organiser_client.post(
        f"{base}/edit", data=festival_form(festival, sales_open=f"{after.isoformat()}T09:00")
    )

    assert response.status_code == 400
    assert "Open sales on or before the festival&#39;s last day." in response.get_data(as_text=True)
    assert fresh(Festival, festival.id).sales_open_at is None
