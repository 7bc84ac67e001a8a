"""Offline test payments (the embedded default): a labelled test page, then the same events,
fulfilment code and ledger shape as Stripe's single-account mode."""

from __future__ import annotations

from storefront.adapters.payments import offline_fee
from storefront.extensions import db
from storefront.models import (
    Entitlement,
    EntitlementStatus,
    EntryType,
    LedgerEntry,
    OrderStatus,
    WebhookEvent,
)

from .conftest import SALE_ROW_SHAPE, checkout, filled_columns, latest_order

PAYMENTS_BACKEND = "offline"


def pay_offline(client, film, kind: str = "buy"):  # type: ignore[no-untyped-def]
    start = checkout(client, film, kind, country="FR")
    assert start.status_code == 303 and "/payments/test-checkout/cs_offline_" in start.location
    page = client.get(start.location)
    return start, page


def test_the_test_page_is_clearly_labelled(viewer_client, film):
    start, page = pay_offline(viewer_client, film, "rent")

    assert page.status_code == 200
    assert "TEST PAYMENT" in page.text and "no money moves" in page.text
    assert "€4.99" in page.text and "Rent: Night Train" in page.text
    assert 'data-testid="pay"' in page.text and 'data-testid="decline"' in page.text


def test_paying_offline_fulfils_through_the_webhook_path(app, viewer_client, viewer, film):
    start, _page = pay_offline(viewer_client, film, "buy")

    paid = viewer_client.post(start.location + "/pay")

    order = latest_order(viewer)
    assert paid.status_code == 303 and paid.location.endswith(
        f"/orders/{order.public_id}/done?session_id={order.checkout_session_id}"
    )
    assert order.status == OrderStatus.PAID and order.provider == "offline"
    entitlement = db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id))
    assert entitlement.status == EntitlementStatus.ACTIVE
    (sale,) = db.session.scalars(db.select(LedgerEntry)).all()
    fee = offline_fee(1299, "EUR")
    assert fee == 38 + 30  # the documented fee: 2.9 % rounded half up, plus 0.30
    assert (sale.entry_type, sale.gross, sale.tax, sale.processor_fee, sale.platform_fee) == (
        EntryType.SALE,
        1299,
        0,
        fee,
        0,
    )
    assert sale.net == 1299 - fee and sale.provider == "offline"
    assert (sale.settlement_currency, sale.settlement_net) == ("EUR", 1299 - fee)
    assert sale.charge_id == order.charge_id and sale.balance_transaction_id.startswith("txn_")
    assert filled_columns(sale) == SALE_ROW_SHAPE  # the same shape as a Stripe sale
    events = db.session.scalars(db.select(WebhookEvent).order_by(WebhookEvent.received_at)).all()
    assert {e.type for e in events} == {"checkout.session.completed"}  # charge.succeeded: unused
    assert all(e.provider == "offline" and e.processed_at for e in events)
    assert app.extensions["payments"].undelivered_events() == []
    done = viewer_client.get(paid.location)
    assert 'data-testid="watch-now"' in done.text


def test_a_declined_test_card_grants_nothing(viewer_client, viewer, film):
    start, _page = pay_offline(viewer_client, film, "rent")

    declined = viewer_client.post(start.location + "/decline")

    assert declined.status_code == 402 and "declined" in declined.text
    assert latest_order(viewer).status == OrderStatus.PENDING
    assert db.session.scalar(db.select(db.func.count(Entitlement.id))) == 0
    again = viewer_client.get(start.location)
    assert 'data-testid="pay"' in again.text  # the session is still open


def test_a_paid_test_session_cannot_be_paid_twice(viewer_client, viewer, film):
    start, _page = pay_offline(viewer_client, film, "buy")
    viewer_client.post(start.location + "/pay")

    second = viewer_client.post(start.location + "/pay")

    assert "This test payment is complete." in second.text
    assert db.session.scalar(db.select(db.func.count(LedgerEntry.id))) == 1


def test_offline_refunds_follow_the_same_path(viewer_client, client, auth, viewer, filmmaker, film):
    start, _page = pay_offline(viewer_client, film, "buy")
    viewer_client.post(start.location + "/pay")
    order = latest_order(viewer)
    auth.logout()
    auth.login(filmmaker.email)

    response = client.post(
        f"/studio/{film.studio.slug}/orders/{order.public_id}",
        data={"refund_all": "y", "confirm_all": "yes"},
    )

    assert response.status_code == 303
    order = latest_order(viewer)
    assert order.status == OrderStatus.REFUNDED
    refund = db.session.scalar(db.select(LedgerEntry).filter_by(entry_type=EntryType.REFUND))
    assert (refund.gross, refund.processor_fee, refund.net, refund.settlement_net) == (
        -1299,
        0,
        -1299,
        -1299,
    )
    entitlement = db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id))
    assert entitlement.status == EntitlementStatus.REVOKED


def test_reconcile_works_offline(app, viewer_client, film):
    start, _page = pay_offline(viewer_client, film, "buy")
    viewer_client.post(start.location + "/pay")

    result = app.test_cli_runner().invoke(args=["payments", "reconcile"])

    assert result.exit_code == 0 and "No differences with offline." in result.output


def test_unknown_test_sessions_are_not_found(client):
    assert client.get("/payments/test-checkout/cs_offline_nope").status_code == 404
