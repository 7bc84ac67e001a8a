"""Pending orders past their checkout's expiry are settled from what Stripe says: abandoned ones
expire with their sessions, paid ones whose webhooks never arrived are fulfilled."""

from __future__ import annotations

from datetime import timedelta

from storefront.extensions import db
from storefront.models import (
    Entitlement,
    EntryType,
    LedgerEntry,
    Order,
    OrderStatus,
    WebhookEvent,
    utcnow,
)
from storefront.services.payments.pending import settle_stale_orders

from .conftest import BUY, RENT, checkout, fresh, latest_order, session_id_from


def _age(*orders: Order, minutes: int = 61) -> None:
    db.session.execute(
        db.update(Order)
        .where(Order.id.in_([o.id for o in orders]))
        .values(created_at=utcnow() - timedelta(minutes=minutes))
    )
    db.session.commit()


def test_stale_pending_orders_expire_with_their_sessions(
    app, viewer_client, viewer, film, make_title, emu, webhooks
):
    other = make_title("Harbour Lights", studio=film.studio, offers=[dict(RENT)])
    third = make_title("Salt", studio=film.studio, offers=[dict(RENT)])
    checkout(viewer_client, film, "rent")
    abandoned = latest_order(viewer)
    emu.fail_next("/v1/checkout/sessions", status=500)
    checkout(viewer_client, other, "rent")  # Stripe was down: no session at all
    sessionless = latest_order(viewer)
    fresh_order_url = checkout(viewer_client, third, "rent").location
    recent = latest_order(viewer)
    _age(abandoned, sessionless)

    settled = settle_stale_orders(app.extensions["payments"])
    db.session.commit()

    assert (settled.expired, settled.fulfilled) == (2, 0)
    assert fresh(Order, abandoned.id).status == OrderStatus.EXPIRED
    assert emu.get(abandoned.checkout_session_id)["status"] == "expired"
    assert fresh(Order, sessionless.id).status == OrderStatus.EXPIRED
    assert fresh(Order, recent.id).status == OrderStatus.PENDING
    assert emu.get(session_id_from(fresh_order_url))["status"] == "open"


def test_a_paid_order_whose_webhooks_never_arrive_is_fulfilled_from_stripe(
    app, viewer_client, viewer, film, emu, webhooks
):
    emu.hold_webhooks = True  # every event of this payment is lost
    emu.pay(session_id_from(checkout(viewer_client, film, "buy").location))
    paying = latest_order(viewer)
    assert viewer_client.get(f"/orders/{paying.public_id}/status").get_json()["ready"] is False
    _age(paying)

    settled = settle_stale_orders(app.extensions["payments"])
    db.session.commit()

    order = fresh(Order, paying.id)
    assert settled.fulfilled == 1 and order.status == OrderStatus.PAID
    assert db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id)) is not None
    sale = db.session.scalar(db.select(LedgerEntry).filter_by(entry_type=EntryType.SALE))
    txn = emu.get(emu.objects("charge")[0]["balance_transaction"])
    assert (sale.gross, sale.processor_fee, sale.settlement_net) == (1299, txn["fee"], txn["net"])
    assert viewer_client.get(f"/orders/{paying.public_id}/status").get_json()["ready"] is True

    emu.release_held()  # the webhooks finally arrive: no second effect

    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(Entitlement.id))) == 1
    assert db.session.scalar(db.select(db.func.count(LedgerEntry.id))) == 1
    completed = next(e for e in emu.events if e["type"] == "checkout.session.completed")
    assert db.session.get(WebhookEvent, completed["id"]).outcome.endswith("already paid")


def test_the_expire_command(app, viewer_client, viewer, film):
    checkout(viewer_client, film, "rent")
    order = latest_order(viewer)
    order.created_at = utcnow() - timedelta(hours=2)
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["payments", "expire-orders"])

    assert result.exit_code == 0 and "1 order(s) expired." in result.output
    assert fresh(Order, order.id).status == OrderStatus.EXPIRED


_ = BUY


def test_suspending_an_account_closes_the_payment_pages_it_has_open(
    app, viewer_client, viewer, film, make_title, emu, webhooks, admin_client_factory
):
    # A checkout page opened before the suspension could still be paid after it.
    other = make_title("Harbour Lights", studio=film.studio, offers=[dict(RENT)])
    open_page = session_id_from(checkout(viewer_client, film, "rent").location)
    emu.hold_webhooks = True  # paid just before the suspension, its webhook not yet in
    emu.pay(session_id_from(checkout(viewer_client, other, "rent").location))
    paid_first = latest_order(viewer)

    admin = admin_client_factory()
    assert (
        admin.post(f"/admin/users/{viewer.id}/suspend", data={"reason": "fraud"}).status_code == 302
    )

    assert emu.get(open_page)["status"] == "expired"
    statuses = dict(db.session.execute(db.select(Order.id, Order.status)).all())
    assert statuses.pop(paid_first.id) == OrderStatus.PAID  # the money was taken: it is kept
    assert list(statuses.values()) == [OrderStatus.EXPIRED]
