"""An organiser changes a screening after a viewer committed to it: a ticket booked with a pass
keeps the country it was booked in, as a ticket bought on its own does; a ticket whose payment
arrives after its screening moved follows the new window, and one whose screening closed
meanwhile is refunded by itself, with the buyer told why."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storefront.extensions import db
from storefront.models import (
    Entitlement,
    LedgerEntry,
    Order,
    OrderStatus,
    Screening,
    TerritoryMode,
    utcnow,
)
from storefront.services.watching import access, playback
from storefront.services.watching.access import PlaybackRefused, Refusal
from tests.smtp_server import html_of, text_of, with_smtp

from .conftest import book, buy_ticket, fresh, latest_order, session_id_from
from .test_editing import oslo, screening_form
from .test_passes import paid_pass


@pytest.fixture
def settings(settings: dict, smtp_server) -> dict:  # type: ignore[no-untyped-def]
    """Mail goes to the loopback SMTP server, where the tests read what buyers are told."""
    return with_smtp(settings, smtp_server)


def edit(organiser_client, base, screening, **changes):  # type: ignore[no-untyped-def]
    saved = organiser_client.post(
        f"{base}/screenings/{screening.id}/edit", data=screening_form(screening, **changes)
    )
    assert saved.status_code == 303, saved.data
    db.session.expire_all()


def test_a_pass_booking_keeps_playing_where_it_was_booked_after_the_territories_narrow(
    organiser_client, base, viewer_client, viewer, make_pass, make_screening, emu, webhooks
):
    screening = make_screening(
        territory_mode=TerritoryMode.ALLOW, territories=[{"country": "NO"}, {"country": "SE"}]
    )
    holding = paid_pass(viewer_client, viewer, make_pass(films=2), emu)
    assert book(viewer_client, screening, holding.id, country="NO").status_code == 303
    ticket = db.session.scalar(db.select(Entitlement).filter_by(order_id=holding.order_id))

    edit(organiser_client, base, screening, countries="SE")  # Norway is no longer covered

    assert fresh(Screening, screening.id).territories == [{"country": "SE"}]
    kept, now, film = fresh(Entitlement, ticket.id), utcnow(), screening.title
    playback.check_territory(film, kept, "NO", now)  # booked in Norway, plays in Norway
    playback.check_territory(film, kept, "SE", now)  # and where the screening is sold now
    with pytest.raises(PlaybackRefused) as abroad:
        playback.check_territory(film, kept, "DK", now)
    assert abroad.value.code == Refusal.BLOCKED


def test_a_ticket_paid_after_its_screening_moved_later_follows_the_new_window(
    organiser_client, base, viewer_client, viewer, make_screening, emu, webhooks
):
    now = utcnow().replace(second=0, microsecond=0)
    screening = make_screening(now - timedelta(hours=1), now + timedelta(hours=5))
    response = buy_ticket(viewer_client, screening)
    assert response.status_code == 303
    later = now + timedelta(days=1)
    edit(
        organiser_client,
        base,
        screening,
        opens=oslo(later),
        closes=oslo(later + timedelta(hours=6)),
    )

    emu.pay(session_id_from(response.location))

    order = latest_order(viewer)
    assert order.status == OrderStatus.PAID
    ticket = db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id))
    assert (ticket.not_before, ticket.start_by) == (later, later + timedelta(hours=6))
    assert access.entitlement_refusal(ticket, utcnow()) == Refusal.NOT_OPEN
    assert access.entitlement_refusal(ticket, later + timedelta(hours=1)) is None


def test_a_ticket_paid_after_its_screening_closed_is_refunded_and_the_buyer_told_why(
    organiser_client, base, viewer_client, viewer, make_screening, emu, webhooks
):
    now = utcnow().replace(second=0, microsecond=0)
    screening = make_screening(now - timedelta(hours=1), now + timedelta(hours=5), capacity=5)
    response = buy_ticket(viewer_client, screening)
    assert response.status_code == 303
    assert fresh(Screening, screening.id).seats_taken == 1
    # The organiser brings the screening forward: it closed a minute ago, while the buyer paid.
    edit(
        organiser_client,
        base,
        screening,
        opens=oslo(now - timedelta(hours=3)),
        closes=oslo(now - timedelta(minutes=1)),
    )

    emu.pay(session_id_from(response.location))

    db.session.expire_all()
    order = latest_order(viewer)
    assert order.status == OrderStatus.FLAGGED
    assert order.flag_reason.startswith("screening closed")
    assert order.amount_refunded == order.amount == 800  # back through the processor, in full
    charge = next(c for c in emu.objects("charge") if c["id"] == order.charge_id)
    assert charge["refunded"] is True
    assert db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id)) is None
    assert db.session.scalar(db.select(LedgerEntry).filter_by(order_id=order.id)) is None
    assert fresh(Screening, screening.id).seats_taken == 0  # its held seat went back
    page = viewer_client.get(f"/orders/{order.public_id}/done").get_data(as_text=True)
    assert "The screening closed before your payment arrived" in page
    state = viewer_client.get(f"/orders/{order.public_id}/status").get_json()
    assert state["final"] and not state["ready"] and state["retry_url"] is None
    assert "refunded in full" in state["message"]


def test_the_buyer_of_a_ticket_refunded_by_itself_is_mailed_why_once(
    organiser_client, base, viewer_client, viewer, make_screening, emu, webhooks, mailbox
):
    now = utcnow().replace(second=0, microsecond=0)
    screening = make_screening(now - timedelta(hours=1), now + timedelta(hours=5))
    response = buy_ticket(viewer_client, screening)
    edit(organiser_client, base, screening, closes=oslo(now - timedelta(minutes=1)))

    emu.pay(session_id_from(response.location))
    (confirmed,) = [e for e in emu.events if e["type"] == "charge.refunded"]
    emu.deliver(confirmed["id"], times=2)  # the processor says it again

    order = latest_order(viewer)
    assert order.status == OrderStatus.FLAGGED and order.amount_refunded == 800
    (mail,) = mailbox.to(viewer.email)  # no receipt: nothing was sold
    assert mail["Subject"] == "Your refund for Northern Lights"
    line = "The screening of Northern Lights closed before your payment arrived: "
    for body in (text_of(mail), html_of(mail)):
        assert line + "€8.00 is refunded in full." in body
        assert "within a few days" in body
        assert "left your library" not in body


def test_a_ticket_whose_payment_is_found_late_by_the_poll_is_refunded_too(
    app, viewer_client, viewer, make_screening, emu
):
    """No webhook arrived; the periodic settling finds the payment after the screening closed."""
    from storefront.services.payments.pending import settle_stale_orders

    now = utcnow().replace(second=0, microsecond=0)
    screening = make_screening(now - timedelta(hours=1), now + timedelta(hours=5))
    response = buy_ticket(viewer_client, screening)
    emu.pay(session_id_from(response.location))  # paid, but no webhook delivered
    order = latest_order(viewer)
    assert order.status == OrderStatus.PENDING
    order.created_at = now - timedelta(hours=2)
    fresh(Screening, screening.id).closes_at = now - timedelta(minutes=1)
    db.session.commit()

    settle_stale_orders(app.extensions["payments"])
    db.session.commit()

    order = fresh(Order, order.id)
    assert order.status == OrderStatus.FLAGGED and order.flag_reason.startswith("screening closed")
    assert db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id)) is None
    refunds = [r for r in emu.objects("refund") if r["charge"] == order.charge_id]
    assert [r["amount"] for r in refunds] == [800]


def test_tickets_sold_before_the_column_existed_keep_the_country_they_were_bought_in(
    app, viewer_client, viewer, make_pass, make_screening, emu, webhooks
):
    """0023 copies a ticket's own order's country onto it; a pass booking, whose country was
    never recorded, keeps following the screening's territories."""
    from flask_migrate import downgrade, upgrade

    bought, booked = make_screening(), make_screening()
    ids = {bought.id: "bought", booked.id: "booked"}
    emu.pay(session_id_from(buy_ticket(viewer_client, bought, country="SE").location))
    holding = paid_pass(viewer_client, viewer, make_pass(films=1), emu)
    assert book(viewer_client, booked, holding.id, country="NO").status_code == 303
    db.session.execute(db.update(Entitlement).values(country=None))
    db.session.commit()
    db.session.remove()

    downgrade(revision="0022_festival_artwork")
    upgrade()

    rows = db.session.execute(db.select(Entitlement.screening_id, Entitlement.country)).all()
    assert {ids[screening]: country for screening, country in rows} == {
        "bought": "SE",
        "booked": None,
    }
