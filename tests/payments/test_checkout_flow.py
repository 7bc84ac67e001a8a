"""Buying through Stripe Checkout, end to end against the emulator: only webhooks grant."""

from __future__ import annotations

from datetime import timedelta

from storefront.extensions import db
from storefront.models import (
    Entitlement,
    EntitlementStatus,
    EntryType,
    LedgerEntry,
    OfferKind,
    Order,
    OrderStatus,
    WebhookEvent,
)
from storefront.services.payments.webhooks import HANDLERS

from .conftest import (
    SALE_ROW_SHAPE,
    checkout,
    filled_columns,
    flagged_payment,
    fresh,
    latest_order,
    session_id_from,
)


def ledger_rows(order_id: int) -> list[LedgerEntry]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(LedgerEntry).filter_by(order_id=order_id).order_by(LedgerEntry.id)
        )
    )


def test_rent_creates_a_pending_order_and_a_checkout_session(viewer_client, viewer, film, emu):
    response = checkout(viewer_client, film, "rent", country="FR")

    assert response.status_code == 303
    assert response.location.startswith(emu.url + "/c/pay/")
    order = latest_order(viewer)
    assert order.status == OrderStatus.PENDING
    assert (order.kind, order.amount, order.currency, order.country) == ("rent", 499, "EUR", "FR")
    assert (order.title_name, order.studio_name) == ("Night Train", film.studio.name)
    assert (order.rental_start_days, order.rental_watch_hours) == (30, 48)
    assert order.provider == "stripe" and order.destination_account_id is None
    session = emu.get(session_id_from(response.location))
    assert order.checkout_session_id == session["id"]
    assert (session["mode"], session["amount_total"], session["currency"]) == (
        "payment",
        499,
        "eur",
    )
    assert session["customer_email"] == viewer.email
    assert session["locale"] == "en"
    assert session["metadata"]["order_id"] == session["client_reference_id"] == order.public_id
    assert session["success_url"].endswith(
        f"/orders/{order.public_id}/done?session_id={{CHECKOUT_SESSION_ID}}"
    )
    assert session["cancel_url"].endswith(f"/orders/{order.public_id}/cancel")
    assert session["automatic_tax"]["enabled"] is False
    # Abandoned sessions end when the order would expire (ORDER_PENDING_MINUTES, at least 30).
    assert 60 * 60 <= session["expires_at"] - session["created"] <= 62 * 60
    # Nothing is granted before the payment is confirmed.
    assert db.session.scalar(db.select(db.func.count(Entitlement.id))) == 0


def test_paying_fulfils_from_the_webhook(viewer_client, viewer, film, emu, webhooks):
    response = checkout(viewer_client, film, "rent", country="FR")
    order = latest_order(viewer)

    emu.pay(session_id_from(response.location))

    order = fresh(type(order), order.id)
    assert order.status == OrderStatus.PAID
    charge = emu.objects("charge")[0]
    txn = emu.get(charge["balance_transaction"])
    assert (order.charge_id, order.payment_intent_id) == (charge["id"], charge["payment_intent"])
    entitlement = db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id))
    assert entitlement.status == EntitlementStatus.ACTIVE and entitlement.kind == OfferKind.RENT
    assert entitlement.start_by == order.paid_at + timedelta(days=30)
    assert entitlement.watch_hours == 48 and entitlement.expires_at is None
    (sale,) = ledger_rows(order.id)
    assert sale.entry_type == EntryType.SALE
    assert (sale.gross, sale.tax, sale.platform_fee) == (499, 0, 0)
    assert sale.processor_fee == txn["fee"] == 44  # 2.9 % of 4.99 (14) + 0.30
    assert sale.net == 499 - 44 == sale.gross - sale.tax - sale.processor_fee - sale.platform_fee
    assert (sale.settlement_currency, sale.settlement_net) == ("EUR", txn["net"])
    assert (sale.currency, sale.kind, sale.title_name) == ("EUR", OfferKind.RENT, "Night Train")
    assert sale.studio_id == film.studio_id and sale.provider == "stripe"
    assert sale.balance_transaction_id == txn["id"] and sale.charge_id == charge["id"]
    assert filled_columns(sale) == SALE_ROW_SHAPE
    # The success page now offers to watch.
    state = viewer_client.get(f"/orders/{order.public_id}/status").get_json()
    assert state["ready"] is True and state["status"] == "paid" and state["watch_url"]


def test_success_page_waits_for_the_webhook_and_never_grants(viewer_client, viewer, film, emu):
    response = checkout(viewer_client, film, "buy")
    order = latest_order(viewer)
    emu.pay(session_id_from(response.location))  # no webhook endpoint: nothing arrives

    page = viewer_client.get(f"/orders/{order.public_id}/done?session_id=whatever")
    state = viewer_client.get(f"/orders/{order.public_id}/status").get_json()

    assert page.status_code == 200 and "Confirming your payment" in page.text
    assert state == {
        "status": "pending",
        "ready": False,
        "final": False,
        "message": "Confirming your payment…",
        "watch_url": None,
        "retry_url": f"/buy/{film.slug}",
    }
    assert fresh(type(order), order.id).status == OrderStatus.PENDING
    assert db.session.scalar(db.select(db.func.count(Entitlement.id))) == 0


def test_buying_grants_access_without_expiry(viewer_client, viewer, film, emu, webhooks):
    response = checkout(viewer_client, film, "buy")
    emu.pay(session_id_from(response.location))

    entitlement = db.session.scalar(db.select(Entitlement))
    assert entitlement.kind == OfferKind.BUY and entitlement.status == EntitlementStatus.ACTIVE
    assert entitlement.start_by is None and entitlement.watch_hours is None
    page = viewer_client.get(f"/orders/{latest_order(viewer).public_id}/done")
    assert 'data-testid="watch-now"' in page.text and "Payment confirmed." in page.text


def test_declined_and_abandoned_payments_grant_nothing(viewer_client, viewer, film, emu, webhooks):
    declined = checkout(viewer_client, film, "rent")
    declined_order = latest_order(viewer)
    emu.decline(session_id_from(declined.location))
    abandoned = checkout(viewer_client, film, "buy")
    abandoned_order = latest_order(viewer)
    emu.expire(session_id_from(abandoned.location))

    assert fresh(type(declined_order), declined_order.id).status == OrderStatus.PENDING
    assert fresh(type(abandoned_order), abandoned_order.id).status == OrderStatus.EXPIRED
    assert db.session.scalar(db.select(db.func.count(Entitlement.id))) == 0
    assert db.session.scalar(db.select(db.func.count(LedgerEntry.id))) == 0
    state = viewer_client.get(f"/orders/{abandoned_order.public_id}/status").get_json()
    assert state["final"] and not state["ready"] and "expired" in state["message"]


def test_delayed_payment_is_granted_only_when_it_succeeds(
    viewer_client, viewer, film, emu, webhooks
):
    first = checkout(viewer_client, film, "rent")
    first_order = latest_order(viewer)
    emu.pay_async(session_id_from(first.location))
    assert fresh(type(first_order), first_order.id).status == OrderStatus.PENDING

    emu.async_result(session_id_from(first.location), succeeded=False)
    assert fresh(type(first_order), first_order.id).status == OrderStatus.FAILED

    second = checkout(viewer_client, film, "rent")
    second_order = latest_order(viewer)
    emu.pay_async(session_id_from(second.location))
    emu.async_result(session_id_from(second.location), succeeded=True)

    assert fresh(type(second_order), second_order.id).status == OrderStatus.PAID
    assert db.session.scalar(db.select(db.func.count(Entitlement.id))) == 1
    assert [e.entry_type for e in ledger_rows(second_order.id)] == [EntryType.SALE]


def test_cancel_returns_to_the_film_and_leaves_the_order_pending(viewer_client, viewer, film):
    checkout(viewer_client, film, "rent")
    order = latest_order(viewer)

    response = viewer_client.get(f"/orders/{order.public_id}/cancel")

    assert response.status_code == 303
    assert fresh(type(order), order.id).status == OrderStatus.PENDING


def test_the_cancel_link_of_a_paid_order_does_not_say_nothing_was_charged(
    viewer_client, viewer, film, emu, webhooks
):
    """The processor's "back" link, opened again from the history after paying."""
    response = checkout(viewer_client, film, "rent")
    emu.pay(session_id_from(response.location))
    order = latest_order(viewer)
    assert order.status == OrderStatus.PAID

    back = viewer_client.get(f"/orders/{order.public_id}/cancel", follow_redirects=True)

    assert "nothing was charged" not in back.text
    assert back.request.path == f"/orders/{order.public_id}/done"
    assert "Payment confirmed." in back.text


def test_orders_of_others_are_not_found(client, auth, make_user, viewer_client, viewer, film):
    checkout(viewer_client, film, "rent")
    order = latest_order(viewer)
    auth.logout()
    auth.login(make_user().email)

    for path in ("done", "status", "cancel", "problem"):
        assert client.get(f"/orders/{order.public_id}/{path}").status_code == 404


def test_every_webhook_the_store_acts_on_is_stored_once(viewer_client, viewer, film, emu, webhooks):
    response = checkout(viewer_client, film, "rent")
    emu.pay(session_id_from(response.location))

    stored = {e.id: e for e in db.session.scalars(db.select(WebhookEvent))}
    used = {e["id"] for e in emu.events if e["type"] in HANDLERS}
    assert set(stored) == used and len(emu.events) > len(used)  # payment_intent.created...
    completed = next(e for e in stored.values() if e.type == "checkout.session.completed")
    assert completed.processed_at is not None and completed.outcome.startswith("processed")


def test_a_payment_held_for_checking_offers_no_second_payment(
    viewer_client, viewer, film, emu, webhooks
):
    """Money was taken and is being checked: "Try again" would only charge the viewer twice."""
    order = flagged_payment(viewer_client, viewer, film, emu)
    assert fresh(Order, order.id).status == OrderStatus.FLAGGED

    state = viewer_client.get(f"/orders/{order.public_id}/status").get_json()
    page = viewer_client.get(f"/orders/{order.public_id}/done")

    assert state["final"] and not state["ready"] and state["retry_url"] is None
    assert "We received your payment" in page.text and "Try again" not in page.text
