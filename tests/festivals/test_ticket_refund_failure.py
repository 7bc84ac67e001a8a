"""A festival ticket's refund that fails: the festival's share comes back to it, the order is
paid again and refundable, but the seat freed by the refund is not taken back (someone may
have bought it since): the studio is told and settles with the buyer."""

from __future__ import annotations

from storefront.extensions import db
from storefront.models import (
    Entitlement,
    EntitlementStatus,
    EntryType,
    LedgerEntry,
    Notification,
    Order,
    OrderStatus,
    Screening,
)
from storefront.services.payments.refunds import refundable_amount

from .conftest import buy_ticket, fresh, latest_order, session_id_from


def test_a_failed_ticket_refund_gives_the_festival_its_share_back(
    viewer_client, viewer, make_screening, emu, webhooks, sdk
):
    screening = make_screening(capacity=3)
    emu.pay(session_id_from(buy_ticket(viewer_client, screening).location))
    order = latest_order(viewer)
    emu.hold_refunds_pending()
    refund = sdk.v1.refunds.create({"charge": order.charge_id})
    assert fresh(Order, order.id).status == OrderStatus.REFUNDED
    assert fresh(Screening, screening.id).seats_taken == 0

    emu.fail_refund(refund.id)

    db.session.expire_all()
    rows = list(db.session.scalars(db.select(LedgerEntry).filter_by(order_id=order.id)))
    income = [r.net for r in rows if r.entry_type == EntryType.FESTIVAL_INCOME]
    share = [r.net for r in rows if r.entry_type == EntryType.FESTIVAL_SHARE]
    assert income == [224, -224, 224] and share == [-224, 224, -224]
    assert sum(r.settlement_net for r in rows if r.settlement_net is not None) == sum(
        t["net"] for t in emu.balance_transactions()
    )
    paid = fresh(Order, order.id)
    assert paid.status == OrderStatus.PAID and refundable_amount(paid) == paid.amount
    ticket = db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id))
    assert ticket.status == EntitlementStatus.REVOKED
    assert fresh(Screening, screening.id).seats_taken == 0
    buyer_mail = db.session.scalar(
        db.select(Notification).filter_by(key=f"refund_failed:{refund.id}")
    )
    assert buyer_mail is not None and buyer_mail.context["access_back"] is False
