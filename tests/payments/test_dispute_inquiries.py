"""Inquiries: the issuer asks about a payment before charging it back (Stripe's dispute
statuses ``warning_*``, common with American Express). No money leaves and the payment can
still be refunded, so the store books nothing and the viewer keeps watching; only a chargeback
(the inquiry escalated, funds withdrawn) suspends access and books the withdrawal. Each
party's figures stay the sum of its balance transactions throughout."""

from __future__ import annotations

from storefront.extensions import db
from storefront.models import (
    Entitlement,
    EntitlementStatus,
    EntryType,
    LedgerEntry,
    Order,
    OrderStatus,
)

from .conftest import checkout, fresh, latest_order, order_url, session_id_from


def _bought(viewer_client, viewer, film, emu) -> tuple[Order, Entitlement, dict]:  # type: ignore[no-untyped-def, type-arg]
    emu.pay(session_id_from(checkout(viewer_client, film, "buy").location))
    order = latest_order(viewer)
    entitlement = db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id))
    charge = next(c for c in emu.objects("charge") if c["id"] == order.charge_id)
    return order, entitlement, charge


def _booked(order: Order) -> list[tuple[EntryType, int]]:
    db.session.expire_all()
    rows = db.session.scalars(
        db.select(LedgerEntry).filter_by(order_id=order.id).order_by(LedgerEntry.id)
    )
    return [(row.entry_type, row.settlement_net) for row in rows]


def _balance(emu, charge: dict) -> list[int]:  # type: ignore[no-untyped-def, type-arg]
    """What moved on the studio's balance for this charge, as the processor states it."""
    sources = {charge["id"]} | {
        obj["id"]
        for kind in ("dispute", "refund")
        for obj in emu.objects(kind)
        if obj["charge"] == charge["id"]
    }
    return [t["net"] for t in emu.balance_transactions() if t["source"] in sources]


def test_an_inquiry_books_nothing_and_the_viewer_keeps_watching(
    viewer_client, viewer, film, emu, webhooks
):
    order, entitlement, charge = _bought(viewer_client, viewer, film, emu)

    inquiry = emu.dispute(charge["id"], reason="product_not_received", inquiry=True)

    assert fresh(Order, order.id).status == OrderStatus.PAID
    assert fresh(Entitlement, entitlement.id).status == EntitlementStatus.ACTIVE
    assert [t for t, _ in _booked(order)] == [EntryType.SALE]
    assert sum(net for _, net in _booked(order)) == sum(_balance(emu, charge))

    opened = fresh(Order, order.id)
    assert opened.inquiry_opened_at is not None and opened.inquiry_due_at is not None
    emu.close_dispute(inquiry["id"])  # answered: the issuer closes it, nothing moved

    closed = fresh(Order, order.id)
    assert (closed.inquiry_opened_at, closed.inquiry_due_at) == (None, None)
    assert fresh(Order, order.id).status == OrderStatus.PAID
    assert fresh(Entitlement, entitlement.id).status == EntitlementStatus.ACTIVE
    assert [t for t, _ in _booked(order)] == [EntryType.SALE]


def test_an_inquiry_can_be_settled_with_a_refund(paid_order, filmmaker_client, emu):
    charge = next(c for c in emu.objects("charge") if c["id"] == paid_order.charge_id)
    emu.dispute(charge["id"], inquiry=True)

    page = filmmaker_client.get(order_url(paid_order)).text
    assert "bank asked about this payment on" in page
    assert "No money has been taken back. A refund settles it at once" in page

    refunded = filmmaker_client.post(
        order_url(paid_order), data={"refund_all": "y", "confirm_all": "yes"}
    )

    assert refunded.status_code == 303, refunded.text
    assert fresh(Order, paid_order.id).status == OrderStatus.REFUNDED
    assert [t for t, _ in _booked(paid_order)] == [EntryType.SALE, EntryType.REFUND]
    assert sum(net for _, net in _booked(paid_order)) == sum(_balance(emu, charge))


def test_an_escalated_inquiry_is_a_chargeback_from_then_on(
    viewer_client, viewer, film, emu, webhooks
):
    order, entitlement, charge = _bought(viewer_client, viewer, film, emu)
    inquiry = emu.dispute(charge["id"], inquiry=True)

    emu.escalate_dispute(inquiry["id"])

    assert fresh(Order, order.id).status == OrderStatus.DISPUTED
    assert fresh(Order, order.id).inquiry_opened_at is None  # a chargeback now
    assert fresh(Entitlement, entitlement.id).status == EntitlementStatus.SUSPENDED
    assert [t for t, _ in _booked(order)] == [EntryType.SALE, EntryType.DISPUTE]
    assert sum(net for _, net in _booked(order)) == sum(_balance(emu, charge))

    emu.close_dispute(inquiry["id"], won=False)

    assert fresh(Entitlement, entitlement.id).status == EntitlementStatus.REVOKED
    assert sum(net for _, net in _booked(order)) == sum(_balance(emu, charge))


def test_a_chargeback_whose_withdrawal_event_was_lost_is_booked_when_it_closes(
    viewer_client, viewer, film, emu, webhooks
):
    """Only the inquiry's opening and the final ruling arrive: the ruling's dispute carries
    the withdrawal, which is booked before the outcome."""
    order, entitlement, charge = _bought(viewer_client, viewer, film, emu)
    emu.hold_webhooks = True
    inquiry = emu.dispute(charge["id"], inquiry=True)
    emu.escalate_dispute(inquiry["id"])
    emu.close_dispute(inquiry["id"], won=False)
    emu.hold_webhooks = False
    for event in emu.held_events:
        if event["type"] in ("charge.dispute.created", "charge.dispute.closed"):
            emu.deliver(event["id"])

    assert [t for t, _ in _booked(order)] == [EntryType.SALE, EntryType.DISPUTE]
    assert sum(net for _, net in _booked(order)) == sum(_balance(emu, charge))
    assert fresh(Entitlement, entitlement.id).status == EntitlementStatus.REVOKED
