"""Abandoned orders expire: after ORDER_PENDING_MINUTES, or when Stripe expires the session."""

from __future__ import annotations

from datetime import timedelta

from storefront.extensions import db
from storefront.models import Order, OrderStatus, utcnow
from storefront.services.payments.orders import expire_stale_orders

from .conftest import checkout, fresh, latest_order, session_id_from


def test_stale_pending_orders_expire_with_their_sessions(
    app, viewer_client, viewer, film, emu, webhooks
):
    checkout(viewer_client, film, "rent")
    abandoned = latest_order(viewer)
    paid_url = checkout(viewer_client, film, "buy").location
    paying = latest_order(viewer)
    emu.hold_webhooks = True
    emu.pay(session_id_from(paid_url))  # paid, but its webhook is late
    emu.fail_next("/v1/checkout/sessions", status=500)
    checkout(viewer_client, film, "rent")  # Stripe was down: no session at all
    sessionless = latest_order(viewer)
    fresh_order_url = checkout(viewer_client, film, "rent").location
    recent = latest_order(viewer)
    db.session.execute(
        db.update(Order)
        .where(Order.id.in_([abandoned.id, paying.id, sessionless.id]))
        .values(created_at=utcnow() - timedelta(minutes=61))
    )
    db.session.commit()

    expired = expire_stale_orders(app.extensions["payments"])
    db.session.commit()

    assert expired == 2
    assert fresh(Order, abandoned.id).status == OrderStatus.EXPIRED
    assert emu.get(abandoned.checkout_session_id)["status"] == "expired"
    assert fresh(Order, sessionless.id).status == OrderStatus.EXPIRED
    assert fresh(Order, paying.id).status == OrderStatus.PENDING  # its webhook will settle it
    assert fresh(Order, recent.id).status == OrderStatus.PENDING
    assert emu.get(session_id_from(fresh_order_url))["status"] == "open"
    emu.release_held()
    assert fresh(Order, paying.id).status == OrderStatus.PAID


def test_the_expire_command(app, viewer_client, viewer, film):
    checkout(viewer_client, film, "rent")
    order = latest_order(viewer)
    order.created_at = utcnow() - timedelta(hours=2)
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["payments", "expire-orders"])

    assert result.exit_code == 0 and "1 order(s) expired." in result.output
    assert fresh(Order, order.id).status == OrderStatus.EXPIRED
