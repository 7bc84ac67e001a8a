"""The webhook endpoint: only signed, fresh events are accepted, and each has one effect."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta

import pytest

from storefront.extensions import db
from storefront.models import (
    Entitlement,
    EntitlementStatus,
    EntryType,
    LedgerEntry,
    Order,
    OrderStatus,
    WebhookEvent,
    utcnow,
)
from tests.stripe_emulator import StripeEmulator

from .conftest import WEBHOOK_SECRET, checkout, fresh, latest_order, session_id_from


def post(client, body: bytes, signature: str | None):  # type: ignore[no-untyped-def]
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    return client.post("/webhooks/stripe", data=body, headers=headers)


def counts() -> tuple[int, int, int]:
    db.session.expire_all()
    return (
        db.session.scalar(db.select(db.func.count(WebhookEvent.id))),
        db.session.scalar(db.select(db.func.count(Entitlement.id))),
        db.session.scalar(db.select(db.func.count(LedgerEntry.id))),
    )


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param(lambda body: f"t={int(time.time())},v1={'0' * 64}", id="forged"),
        pytest.param(lambda body: StripeEmulator.sign(body, "whsec_other"), id="wrong-secret"),
        pytest.param(
            lambda body: StripeEmulator.sign(body, WEBHOOK_SECRET, int(time.time()) - 301),
            id="stale",
        ),
        pytest.param(
            lambda body: StripeEmulator.sign(body, WEBHOOK_SECRET, int(time.time()) + 301),
            id="from-the-future",
        ),
        pytest.param(lambda body: "v1=abc", id="malformed-header"),
        pytest.param(lambda body: None, id="missing"),
    ],
)
def test_untrusted_deliveries_are_refused_and_nothing_is_stored(client, paid_event, signature):
    response = post(client, paid_event, signature(paid_event))

    assert response.status_code == 400
    assert counts() == (0, 0, 0)
    assert latest_order().status == OrderStatus.PENDING


def test_a_tampered_body_fails_the_signature(client, paid_event):
    signature = StripeEmulator.sign(paid_event, WEBHOOK_SECRET)
    tampered = paid_event.replace(b'"amount_total": 499', b'"amount_total": 1')

    assert post(client, tampered, signature).status_code == 400
    assert counts() == (0, 0, 0)


def test_a_signed_but_malformed_body_is_refused(client):
    # Nested past the parser's recursion limit: a 500 instead of the 400 Stripe can act on.
    deep = b"[" * 100_000 + b"]" * 100_000
    for body in (b"{not json", b"[]", b'{"object": "event"}', deep):
        response = post(client, body, StripeEmulator.sign(body, WEBHOOK_SECRET))
        assert response.status_code == 400
    assert counts() == (0, 0, 0)


def test_a_recent_signature_within_five_minutes_is_accepted(client, paid_event):
    signature = StripeEmulator.sign(paid_event, WEBHOOK_SECRET, int(time.time()) - 290)

    response = post(client, paid_event, signature)

    assert response.status_code == 200 and response.get_json()["status"] == "received"
    assert latest_order().status == OrderStatus.PAID


def test_a_replayed_event_has_no_second_effect(client, paid_event):
    first = post(client, paid_event, StripeEmulator.sign(paid_event, WEBHOOK_SECRET))
    before = counts()
    again = post(client, paid_event, StripeEmulator.sign(paid_event, WEBHOOK_SECRET))

    assert first.get_json()["status"] == "received"
    assert again.status_code == 200 and again.get_json()["status"] == "duplicate"
    assert counts() == before == (1, 1, 1)


def test_unknown_event_types_are_acknowledged_and_ignored(client):
    body = json.dumps(
        {
            "id": "evt_unknown_1",
            "object": "event",
            "type": "customer.created",
            "data": {"object": {}},
        }
    ).encode()

    response = post(client, body, StripeEmulator.sign(body, WEBHOOK_SECRET))

    # Answered at once and neither stored nor queued: an endpoint subscribed to every type
    # gets several such events per payment (charge.succeeded, transfer.created...).
    assert response.status_code == 200 and response.get_json()["status"] == "ignored"
    assert db.session.get(WebhookEvent, "evt_unknown_1") is None


def test_a_session_of_another_application_is_ignored(client):
    body = json.dumps(
        {
            "id": "evt_foreign",
            "object": "event",
            "type": "checkout.session.expired",
            "data": {"object": {"id": "cs_test_foreign", "object": "checkout.session"}},
        }
    ).encode()

    post(client, body, StripeEmulator.sign(body, WEBHOOK_SECRET))

    assert db.session.get(WebhookEvent, "evt_foreign").outcome.startswith("ignored")


def test_stripe_unreachable_during_fulfilment_keeps_the_event_for_later(
    app, client, paid_event, emu
):
    from storefront.jobs import QUEUED_JOB_GRACE
    from storefront.services.payments.webhooks import retry_waiting

    emu.fail_next("/v1/checkout/sessions/", status=500)

    response = post(client, paid_event, StripeEmulator.sign(paid_event, WEBHOOK_SECRET))

    # Acknowledged at once (stored); fulfilment waits for the processor to answer again.
    assert response.status_code == 200 and response.get_json()["status"] == "received"
    assert counts() == (1, 0, 0) and latest_order().status == OrderStatus.PENDING
    # Its job retries; should the job be lost, the periodic retry takes the event once the
    # job has had its time.
    later = utcnow() + QUEUED_JOB_GRACE + timedelta(seconds=1)
    assert retry_waiting(app.extensions["payments"], now=later) == 1
    db.session.commit()
    assert counts() == (1, 1, 1) and latest_order().status == OrderStatus.PAID
    again = post(client, paid_event, StripeEmulator.sign(paid_event, WEBHOOK_SECRET))
    assert again.get_json()["status"] == "duplicate" and counts() == (1, 1, 1)


def test_refund_arriving_before_the_payment_ends_correct(
    viewer_client, viewer, film, emu, webhooks, sdk
):
    emu.hold_webhooks = True
    emu.pay(session_id_from(checkout(viewer_client, film, "rent").location))
    charge = emu.objects("charge")[0]
    sdk.v1.refunds.create({"charge": charge["id"]})

    emu.release_held(reverse=True)  # charge.refunded first, checkout.session.completed last

    order = latest_order(viewer)
    assert order.status == OrderStatus.REFUNDED and order.amount_refunded == 499
    entitlement = db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id))
    assert entitlement.status == EntitlementStatus.REVOKED
    rows = db.session.scalars(db.select(LedgerEntry).order_by(LedgerEntry.id)).all()
    assert [(r.entry_type, r.gross) for r in rows] == [
        (EntryType.SALE, 499),
        (EntryType.REFUND, -499),
    ]
    refunded_event = db.session.scalar(db.select(WebhookEvent).filter_by(type="charge.refunded"))
    assert refunded_event.processed_at is not None and "1 refund(s)" in refunded_event.outcome


def test_dispute_closed_before_opened_ends_correct(viewer_client, viewer, film, emu, webhooks):
    emu.pay(session_id_from(checkout(viewer_client, film, "buy").location))
    emu.hold_webhooks = True
    dispute = emu.dispute(emu.objects("charge")[0]["id"])
    emu.close_dispute(dispute["id"], won=True)

    emu.release_held(reverse=True)

    order = latest_order(viewer)
    assert order.status == OrderStatus.PAID
    entitlement = db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id))
    assert entitlement.status == EntitlementStatus.ACTIVE
    types = [
        r.entry_type for r in db.session.scalars(db.select(LedgerEntry).order_by(LedgerEntry.id))
    ]
    assert types == [EntryType.SALE, EntryType.DISPUTE, EntryType.DISPUTE_WON]


def test_a_dispute_suspends_then_a_win_restores_access(viewer_client, viewer, film, emu, webhooks):
    emu.pay(session_id_from(checkout(viewer_client, film, "buy").location))
    charge = emu.objects("charge")[0]
    dispute = emu.dispute(charge["id"])
    order = latest_order(viewer)
    entitlement = db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id))

    assert fresh(Entitlement, entitlement.id).status == EntitlementStatus.SUSPENDED
    assert fresh(Order, order.id).status == OrderStatus.DISPUTED
    row = db.session.scalar(db.select(LedgerEntry).filter_by(entry_type=EntryType.DISPUTE))
    withdrawal = dispute["balance_transactions"][0]
    assert (row.gross, row.processor_fee) == (-1299, 1500)  # single-account: studio bears the fee
    assert row.net == -1299 - 1500 and row.settlement_net == withdrawal["net"]
    assert row.dispute_id == dispute["id"]

    closed = emu.close_dispute(dispute["id"], won=True)

    assert fresh(Entitlement, entitlement.id).status == EntitlementStatus.ACTIVE
    assert fresh(Order, order.id).status == OrderStatus.PAID
    won = db.session.scalar(db.select(LedgerEntry).filter_by(entry_type=EntryType.DISPUTE_WON))
    # Winning returns the disputed amount and the dispute fee: the studio is whole again.
    credit = closed["balance_transactions"][1]
    assert (won.gross, won.processor_fee, won.net) == (1299, -1500, 2799)
    assert (won.settlement_amount, won.settlement_fee, won.settlement_net) == (1299, -1500, 2799)
    assert won.balance_transaction_id == credit["id"] and row.net + won.net == 0


def test_a_lost_dispute_revokes_access(viewer_client, viewer, film, emu, webhooks):
    emu.pay(session_id_from(checkout(viewer_client, film, "buy").location))
    dispute = emu.dispute(emu.objects("charge")[0]["id"])

    emu.close_dispute(dispute["id"], won=False)

    entitlement = db.session.scalar(db.select(Entitlement))
    assert fresh(Entitlement, entitlement.id).status == EntitlementStatus.REVOKED
    types = [
        r.entry_type for r in db.session.scalars(db.select(LedgerEntry).order_by(LedgerEntry.id))
    ]
    assert types == [EntryType.SALE, EntryType.DISPUTE]
    # The library and the player say what happened: a chargeback, not a refund.
    library = viewer_client.get("/library").text
    assert "Payment reversed by your bank after a dispute" in library
    assert "Refunded" not in library


def test_waiting_events_are_retried_by_the_periodic_job(
    app, viewer_client, viewer, film, emu, webhooks, sdk
):
    from storefront.services.payments.webhooks import retry_waiting

    emu.hold_webhooks = True
    emu.pay(session_id_from(checkout(viewer_client, film, "rent").location))
    sdk.v1.refunds.create({"charge": emu.objects("charge")[0]["id"], "amount": 100})
    refunded = next(e for e in emu.held_events if e["type"] == "charge.refunded")
    emu.deliver(refunded["id"])
    stored = db.session.get(WebhookEvent, refunded["id"])
    assert stored.processed_at is None and stored.outcome.startswith("waiting")

    # Stripe fails while the payment replays the waiting refund: the payment is recorded
    # anyway and the refund keeps waiting for the periodic job.
    emu.fail_next("/v1/refunds", status=500)
    completed = next(e for e in emu.held_events if e["type"] == "checkout.session.completed")
    emu.deliver(completed["id"])
    assert latest_order(viewer).status == OrderStatus.PAID
    assert fresh(WebhookEvent, refunded["id"]).processed_at is None

    assert retry_waiting(app.extensions["payments"]) == 1
    db.session.commit()
    assert fresh(WebhookEvent, refunded["id"]).processed_at is not None
    order = latest_order(viewer)
    assert order.status == OrderStatus.PARTIALLY_REFUNDED and order.amount_refunded == 100


def test_a_waiting_event_of_a_type_the_store_does_not_use_does_not_block_the_payment(
    app, viewer_client, viewer, film, emu, webhooks
):
    from storefront.services.payments.webhooks import _store, process_event

    # Stripe sends charge.succeeded beside checkout.session.completed. One stored before the
    # store stopped keeping unused types still has its job queued when the payment is processed.
    emu.hold_webhooks = True
    emu.pay(session_id_from(checkout(viewer_client, film, "rent").location))
    charge_event = next(e for e in emu.held_events if e["type"] == "charge.succeeded")
    _store(charge_event, "stripe")
    db.session.commit()

    completed = next(e for e in emu.held_events if e["type"] == "checkout.session.completed")
    emu.deliver(completed["id"])

    order = latest_order(viewer)
    assert order.status == OrderStatus.PAID
    assert db.session.scalar(db.select(db.func.count(Entitlement.id))) == 1
    # The stored event is left to its own job (a payment never reads the queue behind it),
    # which only marks it ignored.
    assert fresh(WebhookEvent, charge_event["id"]).processed_at is None
    outcome = process_event(app.extensions["payments"], charge_event["id"])
    assert outcome is not None and outcome.final and outcome.result == "ignored"


def test_the_endpoint_needs_no_csrf_token_but_forms_do(settings, request):
    from tests.conftest import PASSWORD
    from tests.helpers import csrf_token

    settings["WTF_CSRF_ENABLED"] = True
    client = request.getfixturevalue("client")
    make_user = request.getfixturevalue("make_user")
    film = request.getfixturevalue("film")
    body = json.dumps({"id": "evt_csrf", "type": "ping", "data": {"object": {}}}).encode()

    hook = post(client, body, StripeEmulator.sign(body, WEBHOOK_SECRET))
    login_page = client.get("/login")
    client.post(
        "/login",
        data={
            "email": make_user().email,
            "password": PASSWORD,
            "csrf_token": csrf_token(login_page.text),
        },
    )
    without_token = client.post(f"/buy/{film.slug}", data={"kind": "rent"})
    page = client.get(f"/buy/{film.slug}")
    with_token = client.post(
        f"/buy/{film.slug}", data={"kind": "rent", "csrf_token": csrf_token(page.text)}
    )

    assert hook.status_code == 200
    assert without_token.status_code == 400
    assert with_token.status_code == 303


def test_the_readme_asks_operators_for_exactly_the_events_the_store_handles():
    """An endpoint set up from the README must send every event the handler table acts on."""
    from pathlib import Path

    from storefront.services.payments.webhooks import HANDLERS

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme[readme.index("add a webhook endpoint") :].split("\n\n", 1)[0]
    asked = set(re.findall(r"`([a-z_]+(?:\.[a-z_*]+)+)`", section))
    covered = {t for t in HANDLERS if t in asked or f"{t.rsplit('.', 1)[0]}.*" in asked}
    assert covered == set(HANDLERS)
    assert all(a in HANDLERS or a.endswith(".*") for a in asked)
