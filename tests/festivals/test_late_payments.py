"""A ticket order closed here while its buyer paid: the buyer clicked "Buy" again in a second
tab after the price changed, the store could not expire the first checkout (its payment was
going through at that moment), closed the order and gave its seat back. The payment is real:
the ticket is delivered if a seat is still free, and refunded by itself, with the buyer told
why, when the last seat was sold meanwhile; a second ticket for the same screening is refunded
as a duplicate."""

from __future__ import annotations

import pytest

from storefront.extensions import db
from storefront.models import Entitlement, LedgerEntry, Order, OrderStatus, Screening
from tests.smtp_server import html_of, text_of, with_smtp

from .conftest import book, buy_ticket, fresh, session_id_from, sign_in
from .test_editing import screening_form
from .test_passes import paid_pass


@pytest.fixture
def settings(settings: dict, smtp_server) -> dict:  # type: ignore[no-untyped-def]
    """Mail goes to the loopback SMTP server, where the tests read what buyers are told."""
    return with_smtp(settings, smtp_server)


def _reprice(organiser_client, base, screening, price: str) -> None:  # type: ignore[no-untyped-def]
    saved = organiser_client.post(
        f"{base}/screenings/{screening.id}/edit", data=screening_form(screening, price=price)
    )
    assert saved.status_code == 303, saved.data
    db.session.expire_all()


def _closed_while_paying(viewer_client, organiser_client, base, screening, emu):  # type: ignore[no-untyped-def]
    """The first checkout's session, whose order the store closed while it was being paid;
    and the second checkout the buyer was sent to."""
    first = buy_ticket(viewer_client, screening)
    assert first.status_code == 303
    session = session_id_from(first.location)
    _reprice(organiser_client, base, screening, "9.00")
    # The processor cannot expire a session whose payment is completing.
    emu.fail_next(f"/v1/checkout/sessions/{session}/expire", status=400)
    second = buy_ticket(viewer_client, screening)
    assert second.status_code == 303 and second.location != first.location
    closed = db.session.scalar(db.select(Order).filter_by(checkout_session_id=session))
    assert closed.status == OrderStatus.EXPIRED
    return session, session_id_from(second.location)


def test_a_ticket_paid_as_its_order_was_closed_is_delivered_while_seats_remain(
    organiser_client, base, viewer_client, viewer, make_screening, emu, webhooks
):
    screening = make_screening(capacity=3)
    session, second = _closed_while_paying(viewer_client, organiser_client, base, screening, emu)
    assert fresh(Screening, screening.id).seats_taken == 1  # the second checkout's seat

    emu.pay(session)

    db.session.expire_all()
    order = db.session.scalar(db.select(Order).filter_by(checkout_session_id=session))
    assert order.status == OrderStatus.PAID and order.amount == 800
    ticket = db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id))
    assert ticket is not None and ticket.screening_id == screening.id
    assert fresh(Screening, screening.id).seats_taken == 2  # its seat taken again
    sales = db.session.scalars(db.select(LedgerEntry).filter_by(order_id=order.id)).all()
    assert sum(row.gross for row in sales) == 800

    # Paying the second tab as well is a duplicate: refunded by itself, its seat given back.
    emu.pay(second)
    db.session.expire_all()
    duplicate = db.session.scalar(db.select(Order).filter_by(checkout_session_id=second))
    assert duplicate.status == OrderStatus.FLAGGED
    assert duplicate.flag_reason.startswith("duplicate payment")
    assert duplicate.amount_refunded == duplicate.amount == 900
    assert db.session.scalar(db.select(Entitlement).filter_by(order_id=duplicate.id)) is None


def test_a_ticket_paid_after_its_seat_was_sold_is_refunded_and_the_buyer_told_why(
    app,
    make_user,
    organiser_client,
    base,
    viewer_client,
    viewer,
    make_screening,
    emu,
    webhooks,
    mailbox,
):
    screening = make_screening(capacity=1)
    session, second = _closed_while_paying(viewer_client, organiser_client, base, screening, emu)
    emu.expire(second)  # the buyer leaves the second tab; its seat goes back...
    assert fresh(Screening, screening.id).seats_taken == 0
    other = sign_in(app, make_user("quicker@example.org").email)
    emu.pay(session_id_from(buy_ticket(other, screening).location))  # ...and is sold
    assert fresh(Screening, screening.id).seats_taken == 1

    emu.pay(session)

    db.session.expire_all()
    order = db.session.scalar(db.select(Order).filter_by(checkout_session_id=session))
    assert order.status == OrderStatus.FLAGGED
    assert order.flag_reason.startswith("screening sold out")
    assert order.amount_refunded == order.amount == 800
    assert db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id)) is None
    assert db.session.scalar(db.select(LedgerEntry).filter_by(order_id=order.id)) is None
    assert fresh(Screening, screening.id).seats_taken == 1  # the cap is never oversold
    (mail,) = mailbox.to(viewer.email)
    line = "The last seat of the screening of Northern Lights was sold while your payment arrived: "
    for body in (text_of(mail), html_of(mail)):
        assert line + "€8.00 is refunded in full." in body
    state = viewer_client.get(f"/orders/{order.public_id}/status").get_json()
    assert state["final"] and not state["ready"] and state["retry_url"] is None
    assert "The last seat of this screening was sold" in state["message"]


def test_the_buyer_holding_the_last_seat_starts_again_at_a_new_price(
    organiser_client, base, viewer_client, viewer, make_screening, emu
):
    screening = make_screening(capacity=1)
    first = buy_ticket(viewer_client, screening)
    _reprice(organiser_client, base, screening, "9.00")

    again = buy_ticket(viewer_client, screening)  # their own held seat is given back first

    assert again.status_code == 303 and again.location != first.location
    assert emu.get(session_id_from(first.location))["status"] == "expired"
    assert fresh(Screening, screening.id).seats_taken == 1
    opened = db.session.scalar(
        db.select(Order).filter_by(checkout_session_id=session_id_from(again.location))
    )
    assert (opened.status, opened.amount) == (OrderStatus.PENDING, 900)


def test_a_ticket_paid_after_booking_the_screening_with_a_pass_gives_its_seat_back(
    viewer_client, viewer, make_pass, make_screening, emu, webhooks
):
    screening = make_screening(capacity=5)
    opened = buy_ticket(viewer_client, screening)  # a ticket checkout left open in one tab...
    holding = paid_pass(viewer_client, viewer, make_pass(films=2), emu)
    assert book(viewer_client, screening, holding.id).status_code == 303  # ...booked in another
    assert fresh(Screening, screening.id).seats_taken == 2

    emu.pay(session_id_from(opened.location))

    db.session.expire_all()
    order = db.session.scalar(
        db.select(Order).filter_by(checkout_session_id=session_id_from(opened.location))
    )
    assert order.status == OrderStatus.FLAGGED
    assert order.flag_reason.startswith("duplicate payment")
    assert order.amount_refunded == order.amount
    assert db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id)) is None
    assert fresh(Screening, screening.id).seats_taken == 1  # the booking's seat alone
