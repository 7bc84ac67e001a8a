"""A ticket whose payment did not match its order is held for an admin (flagged) and keeps its
seat meanwhile; once the admin gives the money back in full, nothing was sold and the seat goes
back on sale, exactly once, however the refund arrives."""

from __future__ import annotations

from storefront.extensions import db
from storefront.models import Order, OrderStatus, Screening
from storefront.services.promotion import festival_sales

from .conftest import buy_ticket, fresh, latest_order, session_id_from
from .test_late_payments import _closed_while_paying


def held_ticket(viewer_client, viewer, screening, emu) -> Order:  # type: ignore[no-untyped-def]
    """A ticket checkout paid with an amount its order does not say: held for an admin."""
    response = buy_ticket(viewer_client, screening)
    order = latest_order(viewer)
    order.amount -= 100  # the processor's session says otherwise
    db.session.commit()
    emu.pay(session_id_from(response.location))
    held = fresh(Order, order.id)
    assert held.status == OrderStatus.FLAGGED and held.flag_reason.startswith("paid ")
    return held


def test_a_held_ticket_keeps_its_seat_until_refunded_in_full(
    viewer_client, viewer, make_screening, emu, webhooks, sdk
):
    screening = make_screening(capacity=1)
    order = held_ticket(viewer_client, viewer, screening, emu)
    assert fresh(Screening, screening.id).seats_taken == 1  # held while the admin checks

    sdk.v1.refunds.create({"charge": order.charge_id, "amount": 300})
    assert fresh(Screening, screening.id).seats_taken == 1  # part refunded: still held
    sdk.v1.refunds.create({"charge": order.charge_id})

    assert fresh(Order, order.id).amount_refunded == 800
    assert fresh(Screening, screening.id).seats_taken == 0


def test_the_seat_goes_back_once_however_often_the_release_is_asked(
    viewer_client, viewer, make_screening, emu, webhooks, sdk
):
    screening = make_screening(capacity=3)
    order = held_ticket(viewer_client, viewer, screening, emu)
    db.session.execute(  # two tickets sold to others meanwhile
        db.update(Screening).where(Screening.id == screening.id).values(seats_taken=3)
    )
    db.session.commit()
    sdk.v1.refunds.create({"charge": order.charge_id})
    assert fresh(Screening, screening.id).seats_taken == 2

    festival_sales.held_payment_refunded(fresh(Order, order.id))
    festival_sales.held_payment_refunded(fresh(Order, order.id))
    db.session.commit()
    refund_event = [e for e in emu.events if e["type"] == "charge.refunded"][-1]
    emu.deliver(refund_event["id"])

    assert fresh(Screening, screening.id).seats_taken == 2


def test_a_held_payment_for_an_order_closed_meanwhile_gives_back_no_seat_twice(
    organiser_client, base, viewer_client, viewer, make_screening, emu, webhooks, sdk
):
    """The order was closed while its buyer paid (its seat went back then); its payment, not
    matching, is held. Refunding it frees nobody else's seat."""
    screening = make_screening(capacity=3)
    session, _second = _closed_while_paying(viewer_client, organiser_client, base, screening, emu)
    closed = db.session.scalar(db.select(Order).filter_by(checkout_session_id=session))
    closed.amount -= 100
    db.session.commit()
    emu.pay(session)
    held = fresh(Order, closed.id)
    assert held.status == OrderStatus.FLAGGED
    assert fresh(Screening, screening.id).seats_taken == 1  # the second checkout's seat

    sdk.v1.refunds.create({"charge": held.charge_id})

    assert fresh(Screening, screening.id).seats_taken == 1


def test_a_held_ticket_paid_short_gives_its_seat_back_when_all_it_paid_is_refunded(
    viewer_client, viewer, make_screening, emu, webhooks, sdk
):
    """Paid less than its order says: refunding everything that was paid is the full refund,
    though it is less than the order's amount."""
    screening = make_screening(capacity=1)
    response = buy_ticket(viewer_client, screening)
    order = latest_order(viewer)
    order.amount += 100  # the processor's session takes 800, the order says 900
    db.session.commit()
    emu.pay(session_id_from(response.location))
    assert fresh(Order, order.id).status == OrderStatus.FLAGGED
    assert fresh(Screening, screening.id).seats_taken == 1

    sdk.v1.refunds.create({"charge": fresh(Order, order.id).charge_id})

    assert fresh(Order, order.id).amount_refunded == 800
    assert fresh(Screening, screening.id).seats_taken == 0
