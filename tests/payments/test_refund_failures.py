"""A refund Stripe reports pending and that later fails: the store undoes it once (ledger,
order, access, refundable amount), tells the buyer and the studio once, and shows it."""

from __future__ import annotations

import pytest

from storefront.extensions import db
from storefront.models import (
    Entitlement,
    EntitlementStatus,
    LedgerEntry,
    Notification,
    Order,
    OrderStatus,
    WebhookEvent,
)
from storefront.models.ledger import REFUND_TYPES
from storefront.services.payments.refunds import refundable_amount
from tests.smtp_server import text_of, with_smtp

from .conftest import flagged_payment, fresh, order_url


@pytest.fixture
def settings(settings: dict, smtp_server) -> dict:  # type: ignore[no-untyped-def]
    settings["PUBLIC_URL"] = "https://films.example"
    return with_smtp(settings, smtp_server)


@pytest.fixture
def paid_order(paid_order: Order, viewer) -> Order:  # type: ignore[no-untyped-def]
    """The film bought for 12.99 EUR by a viewer who reads German."""
    viewer.locale = "de"
    db.session.commit()
    return paid_order


def refund_all_pending(order: Order, filmmaker_client, emu) -> dict:  # type: ignore[no-untyped-def]
    """A full refund that Stripe leaves pending; the store records it as it does today."""
    emu.hold_refunds_pending()
    response = filmmaker_client.post(
        order_url(order), data={"refund_all": "y", "confirm_all": "yes"}
    )
    assert response.status_code == 303
    (refund,) = emu.objects("refund")
    assert refund["status"] == "pending"
    recorded = fresh(Order, order.id)
    assert recorded.status == OrderStatus.REFUNDED and recorded.amount_refunded == 1299
    return refund


def rows(order: Order) -> list[LedgerEntry]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(LedgerEntry).filter_by(order_id=order.id).order_by(LedgerEntry.id)
        )
    )


def access(order: Order) -> EntitlementStatus:
    db.session.expire_all()
    return db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id)).status


def assert_ledger_matches_stripe(order: Order, emu, every_txn: bool = True) -> None:  # type: ignore[no-untyped-def]
    """Single-account mode: the order's rows settle the store's balance transactions (each one
    booked, unless a refund failed before it was recorded: then neither it nor its failure)."""
    txns = emu.balance_transactions()
    entries = rows(order)
    assert sum(e.settlement_net for e in entries) == sum(t["net"] for t in txns)
    assert sum(e.settlement_amount for e in entries) == sum(t["amount"] for t in txns)
    if every_txn:
        assert {e.balance_transaction_id for e in entries} == {t["id"] for t in txns}
    refunded = -sum(e.gross for e in entries if e.entry_type in REFUND_TYPES)
    assert refunded == emu.get(emu.objects("charge")[0]["id"])["amount_refunded"]


def test_a_pending_refund_that_fails_is_undone(
    app, paid_order, filmmaker_client, admin_client_factory, emu
):
    refund = refund_all_pending(paid_order, filmmaker_client, emu)
    assert access(paid_order) == EntitlementStatus.REVOKED

    emu.fail_refund(refund["id"], reason="expired_or_canceled_card")

    failure = emu.get(emu.get(refund["id"])["failure_balance_transaction"])
    assert failure["type"] == "refund_failure" and failure["amount"] == 1299
    order = fresh(Order, paid_order.id)
    assert order.status == OrderStatus.PAID and order.amount_refunded == 0
    assert access(paid_order) == EntitlementStatus.ACTIVE
    assert refundable_amount(order) == 1299
    assert_ledger_matches_stripe(paid_order, emu)
    checked = app.test_cli_runner().invoke(args=["payments", "reconcile"])
    assert checked.exit_code == 0 and "No differences with stripe." in checked.output
    page = filmmaker_client.get(order_url(paid_order))
    assert 'data-testid="failed-refunds"' in page.text and refund["id"] in page.text
    assert 'name="refund_all"' in page.text  # it can be refunded again
    assert refund["id"] in admin_client_factory().get(order_url(paid_order)).text

    again = filmmaker_client.post(
        order_url(paid_order), data={"amount": "4,50", "refund_part": "y"}
    )

    assert again.status_code == 303
    order = fresh(Order, paid_order.id)
    assert order.status == OrderStatus.PARTIALLY_REFUNDED and order.amount_refunded == 450
    assert access(paid_order) == EntitlementStatus.ACTIVE
    assert_ledger_matches_stripe(paid_order, emu)


def test_a_failed_part_refund_leaves_the_earlier_refund(paid_order, filmmaker_client, emu):
    filmmaker_client.post(order_url(paid_order), data={"amount": "2,00", "refund_part": "y"})
    emu.hold_refunds_pending()
    filmmaker_client.post(order_url(paid_order), data={"refund_all": "y", "confirm_all": "yes"})
    refund = next(r for r in emu.objects("refund") if r["status"] == "pending")
    assert fresh(Order, paid_order.id).status == OrderStatus.REFUNDED

    emu.fail_refund(refund["id"], reason="lost_or_stolen_card")

    order = fresh(Order, paid_order.id)
    assert order.status == OrderStatus.PARTIALLY_REFUNDED and order.amount_refunded == 200
    assert access(paid_order) == EntitlementStatus.ACTIVE
    assert refundable_amount(order) == 1099
    assert_ledger_matches_stripe(paid_order, emu)

    # The same amount again is a new refund (not the failed one, by its idempotency key).
    filmmaker_client.post(order_url(paid_order), data={"refund_all": "y", "confirm_all": "yes"})

    assert [r["status"] for r in emu.objects("refund")] == ["succeeded", "failed", "succeeded"]
    assert fresh(Order, paid_order.id).status == OrderStatus.REFUNDED
    assert access(paid_order) == EntitlementStatus.REVOKED
    assert_ledger_matches_stripe(paid_order, emu)


def test_the_failure_is_mailed_once_however_often_it_arrives(
    paid_order, filmmaker_client, filmmaker, viewer, admin, emu, mailbox
):
    refund = refund_all_pending(paid_order, filmmaker_client, emu)
    emu.fail_refund(refund["id"])
    failure_events = [
        e
        for e in emu.events
        if e["type"] in ("charge.refund.updated", "refund.updated", "refund.failed")
    ]
    assert {e["type"] for e in failure_events} == {
        "charge.refund.updated",
        "refund.updated",
        "refund.failed",
    }

    for event in failure_events:
        emu.deliver(event["id"], times=2)

    failed = [m for m in mailbox.to(viewer.email) if "erstattung" in m["Subject"].lower()]
    assert len(failed) == 2  # the refund first, then its failure: once each
    (buyer_mail,) = [m for m in failed if "konnte nicht" in m["Subject"]]
    assert "12,99" in text_of(buyer_mail)
    for reader in (filmmaker, admin):
        (mail,) = [m for m in mailbox.to(reader.email) if paid_order.public_id in m["Subject"]]
        assert "expired_or_canceled_card" in text_of(mail)
        assert f"/orders/{paid_order.public_id}" in text_of(mail)
    db.session.expire_all()
    keys = db.session.scalars(
        db.select(Notification.key).where(Notification.key.like("refund_failed:%"))
    ).all()
    assert len(keys) == 3
    assert_ledger_matches_stripe(paid_order, emu)


def test_a_failure_that_arrives_first_is_never_booked(
    paid_order, filmmaker_client, filmmaker, viewer, emu, mailbox
):
    emu.hold_webhooks = True
    emu.hold_refunds_pending()
    filmmaker_client.post(order_url(paid_order), data={"refund_all": "y", "confirm_all": "yes"})
    (refund,) = emu.objects("refund")
    emu.fail_refund(refund["id"])

    emu.release_held(reverse=True)  # the failure first, charge.refunded last

    order = fresh(Order, paid_order.id)
    assert order.status == OrderStatus.PAID and order.amount_refunded == 0
    assert access(paid_order) == EntitlementStatus.ACTIVE
    assert_ledger_matches_stripe(paid_order, emu, every_txn=False)
    assert not [m for m in mailbox.to(viewer.email) if "erstattung" in m["Subject"].lower()]
    assert [m for m in mailbox.to(filmmaker.email) if paid_order.public_id in m["Subject"]]


def test_a_pending_refund_that_succeeds_changes_nothing_more(
    paid_order, filmmaker_client, viewer, emu, mailbox
):
    refund = refund_all_pending(paid_order, filmmaker_client, emu)
    before = [(e.entry_type, e.gross, e.settlement_net) for e in rows(paid_order)]
    mails = len(mailbox.messages)

    emu.succeed_refund(refund["id"])

    # The store heard the update, read the refund again and found nothing to undo.
    (update,) = [e for e in emu.events if e["type"] == "charge.refund.updated"]
    stored = fresh(WebhookEvent, update["id"])
    assert stored is not None and stored.processed_at is not None
    assert "succeeded: nothing to undo" in stored.outcome
    assert [(e.entry_type, e.gross, e.settlement_net) for e in rows(paid_order)] == before
    order = fresh(Order, paid_order.id)
    assert order.status == OrderStatus.REFUNDED and order.amount_refunded == 1299
    assert access(paid_order) == EntitlementStatus.REVOKED
    assert len(mailbox.messages) == mails
    assert_ledger_matches_stripe(paid_order, emu)


def test_a_failed_refund_of_a_flagged_order_is_counted_out_once(
    viewer_client, viewer, film, emu, webhooks, sdk, mailbox
):
    order = flagged_payment(viewer_client, viewer, film, emu)
    charge_id = emu.objects("charge")[0]["id"]
    sdk.v1.refunds.create({"charge": charge_id, "amount": 100})
    emu.hold_refunds_pending()
    refund = sdk.v1.refunds.create({"charge": charge_id})
    assert fresh(Order, order.id).amount_refunded == 499

    emu.fail_refund(refund.id)
    for event in emu.events:
        if event["type"] in ("charge.refund.updated", "refund.failed"):
            emu.deliver(event["id"], times=2)

    flagged = fresh(Order, order.id)
    assert flagged.status == OrderStatus.FLAGGED and flagged.amount_refunded == 100
    failed = [m for m in mailbox.to(viewer.email) if m["X-Storefront-Event"] == "refund_failed"]
    assert len(failed) == 1 and "€3.99" in text_of(failed[0])
