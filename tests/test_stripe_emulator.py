"""The Stripe emulator, driven through the official SDK over HTTP (no mocks)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests
import stripe
from flask import Flask, request
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.stripe_emulator import StripeEmulator, StripeError
from tests.stripe_emulator.money import FeeSchedule

pytest_plugins = ["tests.stripe_emulator.fixtures"]

SECRET = "whsec_test_secret"


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: Any) -> None:
        pass


class Receiver:
    """A tiny webhook endpoint that records what it receives."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.status = 200
        self.sleep = 0.0
        self.lock = threading.Lock()
        app = Flask(__name__)

        @app.post("/hook")
        def hook() -> tuple[str, int]:
            started = time.monotonic()
            if self.sleep:
                time.sleep(self.sleep)
            with self.lock:
                self.calls.append(
                    {
                        "body": request.get_data(),
                        "headers": dict(request.headers),
                        "started": started,
                        "ended": time.monotonic(),
                    }
                )
            return "ok", self.status

        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def types(self) -> list[str]:
        return [json.loads(c["body"])["type"] for c in self.calls]


@pytest.fixture(scope="module")
def _receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def receiver(_receiver: Receiver, stripe_emu: StripeEmulator) -> Receiver:
    _receiver.calls.clear()
    _receiver.status, _receiver.sleep = 200, 0.0
    stripe_emu.add_webhook_endpoint(_receiver.url, SECRET)
    return _receiver


@pytest.fixture
def client(stripe_emu: StripeEmulator) -> stripe.StripeClient:
    url = stripe_emu.url
    return stripe.StripeClient(
        "sk_test_x",
        base_addresses={"api": url, "connect": url, "files": url},
        max_network_retries=0,
    )


def session_params(**overrides: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": "eur",
                    "unit_amount": 1250,
                    "product_data": {"name": "Night Train", "description": "Rental, 48 hours"},
                },
                "quantity": 1,
            }
        ],
        "success_url": "https://shop.test/thanks?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://shop.test/films/night-train",
        "metadata": {"order_id": "42"},
    }
    params.update(overrides)
    return params


def onboarded_account(client: stripe.StripeClient, emu: StripeEmulator) -> str:
    account = client.v1.accounts.create(
        {
            "type": "express",
            "country": "FR",
            "email": "studio@example.com",
            "capabilities": {
                "card_payments": {"requested": True},
                "transfers": {"requested": True},
            },
        }
    )
    emu.complete_onboarding(account.id)
    return account.id


def paid_session(client: stripe.StripeClient, emu: StripeEmulator, **overrides: Any) -> Any:
    session = client.v1.checkout.sessions.create(session_params(**overrides))
    emu.pay(session.id)
    return client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["payment_intent.latest_charge.balance_transaction"]}
    )


def test_session_create_retrieve_list_and_line_items(client, stripe_emu):
    expires = stripe_emu.now() + 3600
    session = client.v1.checkout.sessions.create(
        session_params(
            customer_email="viewer@example.com",
            locale="fr",
            client_reference_id="order-42",
            expires_at=expires,
            automatic_tax={"enabled": True},
            payment_method_types=["card"],
        ),
        options={"idempotency_key": "create-42"},
    )
    assert session.id.startswith("cs_test_") and session.object == "checkout.session"
    assert (session.amount_total, session.amount_subtotal, session.currency) == (1250, 1250, "eur")
    assert (session.status, session.payment_status, session.livemode) == ("open", "unpaid", False)
    assert session.url == f"{stripe_emu.url}/c/pay/{session.id}"
    assert session.metadata.to_dict() == {"order_id": "42"} and session.expires_at == expires
    assert session.payment_intent is None and session.automatic_tax.enabled is True
    fetched = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["line_items"]})
    assert fetched.line_items.data[0].description == "Night Train"
    assert fetched.line_items.data[0].amount_total == 1250
    items = client.v1.checkout.sessions.line_items.list(session.id)
    assert items.data[0].quantity == 1
    listed = client.v1.checkout.sessions.list({"client_reference_id": "order-42"})
    assert [s.id for s in listed.data] == [session.id]


@pytest.mark.parametrize(
    ("overrides", "param", "code"),
    [
        ({"success_url": None}, "success_url", "parameter_missing"),
        ({"success_url": "shop.test/ok"}, "success_url", "url_invalid"),
        ({"colour": "red"}, "colour", "parameter_unknown"),
        ({"locale": "xx"}, "locale", None),
        ({"line_items": None}, "line_items", "parameter_missing"),
        ({"expires_at": 1}, "expires_at", None),
        (
            {"payment_intent_data": {"application_fee_amount": 10}},
            "payment_intent_data[application_fee_amount]",
            None,
        ),
    ],
)
def test_session_validation_errors(client, overrides, param, code):
    params = {k: v for k, v in session_params(**overrides).items() if v is not None}
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.create(params)
    assert raised.value.http_status == 400
    assert raised.value.param == param and raised.value.code == code
    assert raised.value.json_body["error"]["type"] == "invalid_request_error"


def test_amount_limits_and_missing_objects(client):
    tiny = session_params()
    tiny["line_items"][0]["price_data"]["unit_amount"] = 10
    with pytest.raises(stripe.InvalidRequestError, match="at least"):
        client.v1.checkout.sessions.create(tiny)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.retrieve("cs_test_missing")
    assert (raised.value.http_status, raised.value.code) == (404, "resource_missing")


def test_idempotent_replay_and_mismatch(client, stripe_emu):
    first = client.v1.checkout.sessions.create(session_params(), options={"idempotency_key": "k"})
    again = client.v1.checkout.sessions.create(session_params(), options={"idempotency_key": "k"})
    assert again.id == first.id and len(stripe_emu.objects("checkout.session")) == 1
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    with pytest.raises(stripe.IdempotencyError) as raised:
        client.v1.checkout.sessions.create(
            session_params(client_reference_id="other"), options={"idempotency_key": "k"}
        )
    assert raised.value.http_status == 400


def test_expire_via_api_and_by_clock(client, stripe_emu, receiver):
    session = client.v1.checkout.sessions.create(session_params())
    expired = client.v1.checkout.sessions.expire(session.id)
    assert expired.status == "expired" and expired.url is None
    assert receiver.types() == ["checkout.session.expired"]
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.expire(session.id)
    later = client.v1.checkout.sessions.create(session_params())
    stripe_emu.advance_clock(25 * 3600)
    assert client.v1.checkout.sessions.retrieve(later.id).status == "expired"
    page = requests.get(later.url if later.url else session.url, timeout=5)
    assert "expired" in page.text


def test_hosted_page_pay_redirects_and_links_everything(client, stripe_emu, receiver):
    acct = onboarded_account(client, stripe_emu)
    receiver.calls.clear()
    session = client.v1.checkout.sessions.create(
        session_params(
            customer_email="viewer@example.com",
            payment_intent_data={
                "application_fee_amount": 188,
                "transfer_data": {"destination": acct},
                "metadata": {"film": "night-train"},
            },
        )
    )
    page = requests.get(session.url, timeout=5)
    assert "Night Train" in page.text and "€12.50" in page.text
    for label in (">Pay<", ">Decline<", ">Pay later (async)<", ">Cancel<"):
        assert label in page.text
    answer = requests.post(
        f"{session.url}/pay", data={"card_country": "FR"}, allow_redirects=False, timeout=5
    )
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"https://shop.test/thanks?session={session.id}"

    full = client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["payment_intent.latest_charge.balance_transaction"]}
    )
    assert (full.status, full.payment_status) == ("complete", "paid")
    intent = full.payment_intent
    charge = intent.latest_charge
    txn = charge.balance_transaction
    assert intent.id.startswith("pi_") and intent.status == "succeeded"
    assert charge.id.startswith("ch_") and charge.payment_intent == intent.id
    assert (charge.paid, charge.captured, charge.status) == (True, True, "succeeded")
    assert (charge.amount, charge.currency) == (1250, "eur")
    assert charge.billing_details.email == "viewer@example.com"
    assert charge.payment_method_details.card.country == "FR"
    assert charge.metadata.to_dict() == {"film": "night-train"}
    assert charge.transfer_data.destination == acct and charge.application_fee_amount == 188
    fee = 1250 * Decimal("0.029") + 30  # 66.25 -> 66
    assert txn.id.startswith("txn_") and txn.type == "charge" and txn.source == charge.id
    assert (txn.amount, txn.fee, txn.net) == (1250, 66, 1250 - 66) and fee.to_integral() == 66
    assert txn.fee_details[0].type == "stripe_fee" and txn.exchange_rate is None
    assert client.v1.balance_transactions.retrieve(txn.id).net == 1184

    app_fee = client.v1.application_fees.retrieve(charge.application_fee)
    assert (app_fee.amount, app_fee.account, app_fee.charge) == (188, acct, charge.id)
    transfer = client.v1.transfers.retrieve(charge.transfer)
    assert (transfer.amount, transfer.destination) == (1250, acct)
    platform_net = sum(t["net"] for t in stripe_emu.balance_transactions())
    assert platform_net == 188 - 66

    assert receiver.types()[-1] == "checkout.session.completed"
    call = receiver.calls[-1]
    event = stripe.Webhook.construct_event(
        call["body"], call["headers"]["Stripe-Signature"], SECRET
    )
    assert event.type == "checkout.session.completed" and event.id.startswith("evt_")
    assert event.data.object.id == session.id and event.data.object.payment_status == "paid"
    assert event.api_version and event.livemode is False and event.request.id is None
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(call["body"], call["headers"]["Stripe-Signature"], "nope")
    header = stripe_emu.sign(
        b'{"id": "evt_1", "object": "event"}', SECRET, timestamp=int(time.time())
    )
    stripe.WebhookSignature.verify_header('{"id": "evt_1", "object": "event"}', header, SECRET)
    assert all(d.ok for d in stripe_emu.deliveries)


def test_decline_leaves_session_open(client, stripe_emu, receiver):
    session = client.v1.checkout.sessions.create(session_params())
    page = requests.post(f"{session.url}/decline", data={}, timeout=5)
    assert "Your card was declined." in page.text and ">Pay<" in page.text
    stripe_emu.decline(session.id)
    fetched = client.v1.checkout.sessions.retrieve(session.id)
    assert (fetched.status, fetched.payment_status, fetched.payment_intent) == (
        "open",
        "unpaid",
        None,
    )
    assert client.v1.charges.list().data == [] and receiver.calls == [] and stripe_emu.events == []


def test_fee_model_per_currency():
    fees = FeeSchedule.build()
    assert fees.processing_fee(1000, "usd") == 59
    assert fees.processing_fee(1050, "usd") == 60  # 30.45 + 30 rounds half-up to 60
    assert fees.processing_fee(1250, "jpy") == 45  # 3.6% of 1250 = 45.0
    assert fees.processing_fee(1000, "jpy") == 36
    assert fees.processing_fee(10_000, "kwd") == 590  # 2.9% + 0.300 KWD
    custom = FeeSchedule.build(fee_percent="1.5", fee_fixed=25, fees={"gbp": ("1.4", 20)})
    assert custom.processing_fee(1000, "eur") == 40 and custom.processing_fee(1000, "gbp") == 34
    assert custom.dispute_fee_for("eur") == 1500 and custom.dispute_fee_for("jpy") == 15


def test_custom_fees_reach_balance_transactions():
    with StripeEmulator(fee_percent="1.5", fee_fixed=25) as emu:
        client = stripe.StripeClient("sk_test_y", base_addresses={"api": emu.url})
        session = paid_session(client, emu)
        txn = session.payment_intent.latest_charge.balance_transaction
        assert (txn.fee, txn.net) == (44, 1206)  # 18.75 + 25 = 43.75 -> 44


def test_zero_decimal_currency_amounts(client, stripe_emu):
    params = session_params()
    params["line_items"][0]["price_data"].update(currency="jpy", unit_amount=1200)
    session = paid_session(client, stripe_emu, line_items=params["line_items"])
    txn = session.payment_intent.latest_charge.balance_transaction
    assert (session.amount_total, txn.fee, txn.net) == (1200, 43, 1157)
    assert "¥1,200" in requests.get(f"{stripe_emu.url}/receipts/{txn.source}", timeout=5).text


def test_refunds_partial_then_full_and_over_refund(client, stripe_emu, receiver):
    session = paid_session(client, stripe_emu)
    charge = session.payment_intent.latest_charge
    receiver.calls.clear()
    partial = client.v1.refunds.create(
        {
            "payment_intent": session.payment_intent.id,
            "amount": 250,
            "reason": "requested_by_customer",
        }
    )
    assert partial.id.startswith("re_") and partial.status == "succeeded"
    assert (partial.amount, partial.charge) == (250, charge.id)
    assert receiver.types() == ["charge.refunded", "refund.created"]
    refunded_charge = json.loads(receiver.calls[0]["body"])["data"]["object"]
    assert refunded_charge["amount_refunded"] == 250 and refunded_charge["refunded"] is False
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.refunds.create({"charge": charge.id, "amount": 1001})
    assert (raised.value.code, raised.value.param) == ("amount_too_large", "amount")
    rest = client.v1.refunds.create({"charge": charge.id, "metadata": {"why": "test"}})
    assert rest.amount == 1000 and rest.metadata.to_dict() == {"why": "test"}
    after = client.v1.charges.retrieve(charge.id)
    assert (after.amount_refunded, after.refunded) == (1250, True)
    assert [r.id for r in after.refunds.data] == [rest.id, partial.id]
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.refunds.create({"charge": charge.id})
    assert raised.value.code == "charge_already_refunded"
    txn = client.v1.balance_transactions.retrieve(rest.balance_transaction)
    assert (txn.type, txn.amount, txn.net) == ("refund", -1000, -1000)
    assert client.v1.refunds.retrieve(partial.id).amount == 250


def test_dispute_won_and_lost(client, stripe_emu, receiver):
    won_charge = paid_session(client, stripe_emu).payment_intent.latest_charge
    lost_charge = paid_session(client, stripe_emu).payment_intent.latest_charge
    receiver.calls.clear()
    dispute = stripe_emu.dispute(won_charge.id, reason="fraudulent")
    assert dispute["id"].startswith("du_") and dispute["status"] == "needs_response"
    debit = dispute["balance_transactions"][0]
    assert (debit["amount"], debit["fee"], debit["net"]) == (-1250, 1500, -2750)
    assert receiver.types() == ["charge.dispute.created", "charge.dispute.funds_withdrawn"]
    assert client.v1.charges.retrieve(won_charge.id).disputed is True
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.refunds.create({"charge": won_charge.id})
    assert raised.value.code == "charge_disputed"
    won = stripe_emu.close_dispute(dispute["id"], won=True)
    reinstated = won["balance_transactions"][1]
    # Winning returns the dispute fee too: a negative fee on the reinstating transaction.
    assert won["status"] == "won"
    assert (reinstated["amount"], reinstated["fee"], reinstated["net"]) == (1250, -1500, 2750)
    assert reinstated["fee_details"][0]["description"] == "Dispute fee"
    lost = stripe_emu.close_dispute(stripe_emu.dispute(lost_charge.id)["id"], won=False)
    assert lost["status"] == "lost" and len(lost["balance_transactions"]) == 1
    assert receiver.types()[2:] == [
        "charge.dispute.closed",
        "charge.dispute.created",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.closed",
    ]
    assert client.v1.disputes.retrieve(dispute["id"]).status == "won"
    with pytest.raises(StripeError):
        stripe_emu.close_dispute(dispute["id"], won=False)


def test_connect_account_link_and_onboarding(client, stripe_emu, receiver):
    account = client.v1.accounts.create(
        {
            "type": "express",
            "country": "DE",
            "email": "studio@example.com",
            "business_type": "individual",
            "metadata": {"studio_id": "7"},
            "capabilities": {
                "card_payments": {"requested": True},
                "transfers": {"requested": True},
            },
        }
    )
    assert account.id.startswith("acct_") and account.type == "express"
    assert (account.charges_enabled, account.payouts_enabled, account.details_submitted) == (
        False,
        False,
        False,
    )
    assert account.requirements.currently_due and account.default_currency == "eur"
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.create(
            session_params(payment_intent_data={"transfer_data": {"destination": account.id}})
        )
    assert raised.value.code == "insufficient_capabilities_for_transfer"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.accounts.login_links.create(account.id)

    links = {"refresh_url": "https://shop.test/refresh", "return_url": "https://shop.test/back"}
    link = client.v1.account_links.create(
        {"account": account.id, "type": "account_onboarding", **links}
    )
    assert link.object == "account_link" and link.url.startswith(stripe_emu.url)
    page = requests.get(link.url, timeout=5)
    assert ">Complete onboarding<" in page.text and ">Leave<" in page.text
    done = requests.post(f"{link.url}/complete", allow_redirects=False, timeout=5)
    assert (done.status_code, done.headers["Location"]) == (303, links["return_url"])
    reused = requests.get(link.url, allow_redirects=False, timeout=5)
    assert reused.headers["Location"] == links["refresh_url"]

    fetched = client.v1.accounts.retrieve(account.id)
    assert fetched.charges_enabled and fetched.payouts_enabled and fetched.details_submitted
    assert fetched.requirements.currently_due == [] and fetched.capabilities.transfers == "active"
    event = json.loads(receiver.calls[-1]["body"])
    assert (event["type"], event["account"]) == ("account.updated", account.id)
    assert event["data"]["previous_attributes"]["charges_enabled"] is False
    assert client.v1.accounts.login_links.create(account.id).url.startswith(stripe_emu.url)

    second = client.v1.account_links.create(
        {"account": account.id, "type": "account_onboarding", **links}
    )
    left = requests.post(f"{second.url}/leave", allow_redirects=False, timeout=5)
    assert left.headers["Location"] == links["refresh_url"]


def test_charges_list_pagination_and_created_filter(client, stripe_emu):
    ids = [paid_session(client, stripe_emu).payment_intent.latest_charge.id for _ in range(5)]
    first = client.v1.charges.list({"limit": 2})
    assert [c.id for c in first.data] == ids[::-1][:2] and first.has_more is True
    second = client.v1.charges.list({"limit": 2, "starting_after": first.data[-1].id})
    assert [c.id for c in second.data] == ids[::-1][2:4]
    assert [c.id for c in client.v1.charges.list({"limit": 2}).auto_paging_iter()] == ids[::-1]
    now = stripe_emu.now()
    window = client.v1.charges.list({"created": {"gte": now - 60, "lte": now + 60}, "limit": 100})
    assert len(window.data) == 5 and window.has_more is False
    assert client.v1.charges.list({"created": {"gte": now + 60}}).data == []
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.charges.list({"limit": 101})


def test_error_injection_and_authentication(client, stripe_emu):
    stripe_emu.fail_next("/v1/checkout/sessions", status=429)
    with pytest.raises(stripe.RateLimitError):
        client.v1.checkout.sessions.create(session_params())
    stripe_emu.fail_next("/v1/checkout/sessions", status=500, count=2)
    for _ in range(2):
        with pytest.raises(stripe.APIError):
            client.v1.checkout.sessions.list()
    assert client.v1.checkout.sessions.list().object == "list"
    stripe_emu.delay_next("/v1/charges", 0.3)
    started = time.monotonic()
    client.v1.charges.list()
    assert time.monotonic() - started >= 0.3
    with pytest.raises(stripe.AuthenticationError):
        stripe.StripeClient(
            "sk_live_nope", base_addresses={"api": stripe_emu.url}
        ).v1.charges.list()
    no_key = requests.get(f"{stripe_emu.url}/v1/charges", timeout=5)
    assert no_key.status_code == 401 and no_key.json()["error"]["type"] == "invalid_request_error"
    with pytest.raises(stripe.PermissionError):
        client.v1.charges.list(options={"stripe_account": "acct_unknown"})
    with pytest.raises(stripe.InvalidRequestError, match="Unrecognized request URL"):
        client.v1.customers.list()


def test_retries_recover_from_injected_failures(stripe_emu):
    retrying = stripe.StripeClient(
        "sk_test_x", base_addresses={"api": stripe_emu.url}, max_network_retries=2
    )
    stripe_emu.fail_next("/v1/checkout/sessions", status=500)
    session = retrying.v1.checkout.sessions.create(
        session_params(), options={"idempotency_key": "retry-1"}
    )
    assert [s["id"] for s in stripe_emu.objects("checkout.session")] == [session.id]


def test_async_payment_succeeds_or_fails(client, stripe_emu, receiver):
    good = client.v1.checkout.sessions.create(session_params())
    answer = requests.post(f"{good.url}/pay-async", allow_redirects=False, timeout=5)
    assert answer.status_code == 303
    pending = client.v1.checkout.sessions.retrieve(good.id, params={"expand": ["payment_intent"]})
    assert (pending.status, pending.payment_status) == ("complete", "unpaid")
    assert pending.payment_intent.status == "processing" and client.v1.charges.list().data == []
    assert receiver.types()[-1] == "checkout.session.completed"
    stripe_emu.async_result(good.id, succeeded=True)
    assert client.v1.checkout.sessions.retrieve(good.id).payment_status == "paid"
    assert receiver.types()[-1] == "checkout.session.async_payment_succeeded"
    assert len(client.v1.charges.list().data) == 1

    bad = client.v1.checkout.sessions.create(session_params())
    stripe_emu.pay_async(bad.id)
    failed = stripe_emu.async_result(bad.id, succeeded=False)
    assert failed["payment_status"] == "unpaid"
    assert receiver.types()[-1] == "checkout.session.async_payment_failed"
    assert len(client.v1.charges.list().data) == 1
    with pytest.raises(StripeError):
        stripe_emu.async_result(bad.id)


def test_held_out_of_order_duplicate_and_concurrent_delivery(client, stripe_emu, receiver):
    stripe_emu.hold_webhooks = True
    session = client.v1.checkout.sessions.create(session_params())
    stripe_emu.pay(session.id)
    held = stripe_emu.held_events
    assert receiver.calls == [] and held[-1]["type"] == "checkout.session.completed"
    stripe_emu.release_held(reverse=True)
    assert receiver.types()[0] == "checkout.session.completed" and stripe_emu.held_events == []
    completed = held[-1]["id"]
    receiver.calls.clear()
    assert len(stripe_emu.deliver(completed, times=2)) == 2
    receiver.sleep = 0.2
    deliveries = stripe_emu.deliver(completed, times=3, concurrently=True)
    assert len(deliveries) == 3 and all(d.ok for d in deliveries)
    concurrent = receiver.calls[2:]
    assert max(c["started"] for c in concurrent) < min(c["ended"] for c in concurrent)
    assert [json.loads(c["body"])["id"] for c in receiver.calls] == [completed] * 5
    assert client.v1.events.retrieve(completed).type == "checkout.session.completed"
    listed = client.v1.events.list({"type": "checkout.session.completed"})
    assert [e.id for e in listed.data] == [completed]


def test_failed_deliveries_are_retried_and_recorded(client, stripe_emu, receiver):
    receiver.status = 500
    stripe_emu.webhook_retries = 2
    session = client.v1.checkout.sessions.create(session_params())
    stripe_emu.expire(session.id)
    attempts = [d for d in stripe_emu.deliveries if d.event_type == "checkout.session.expired"]
    assert [(d.attempt, d.status) for d in attempts] == [(1, 500), (2, 500), (3, 500)]
    assert (
        attempts[0].body == "ok" and stripe_emu.get(attempts[0].event_id)["pending_webhooks"] == 1
    )


def test_an_endpoint_dying_mid_answer_is_a_failed_delivery_and_retried(client, stripe_emu):
    """A web node killed while it answers cuts its response short. Stripe counts that as a
    failed delivery and retries; the emulator's delivery must not die with it."""
    answers: list[bytes] = [
        b"HTTP/1.1 200 OK\r\nContent-Length: 70\r\n\r\nok",  # cut short, then closed
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
    ]
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        for answer in answers:
            conn, _ = listener.accept()
            with conn:
                conn.recv(65536)
                conn.sendall(answer)

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    port = listener.getsockname()[1]
    stripe_emu.add_webhook_endpoint(
        f"http://127.0.0.1:{port}/hook", SECRET, enabled_events=["checkout.session.expired"]
    )
    stripe_emu.webhook_retries = 1
    session = client.v1.checkout.sessions.create(session_params())
    stripe_emu.expire(session.id)
    server.join(5)
    listener.close()
    attempts = [d for d in stripe_emu.deliveries if d.event_type == "checkout.session.expired"]
    assert [(d.attempt, d.status) for d in attempts] == [(1, None), (2, 200)]
    assert "IncompleteRead" in (attempts[0].error or "")


def test_async_delivery_and_callable_endpoints(client, stripe_emu):
    seen: list[str] = []
    endpoint = stripe_emu.add_webhook_endpoint(
        lambda body, headers: (seen.append(json.loads(body)["type"]) or 200, "ok"),
        enabled_events=["checkout.session.completed"],
    )
    assert endpoint.secret.startswith("whsec_")
    stripe_emu.webhook_mode = "async"
    stripe_emu.webhook_delay = 0.2
    session = client.v1.checkout.sessions.create(session_params())
    stripe_emu.pay(session.id)
    assert seen == []
    assert stripe_emu.wait_for_webhooks(5)
    assert seen == ["checkout.session.completed"]


def test_reset_clears_everything(client, stripe_emu, receiver):
    paid_session(client, stripe_emu)
    stripe_emu.fail_next("/v1/charges", 500)
    stripe_emu.reset()
    assert stripe_emu.events == [] and stripe_emu.deliveries == []
    assert stripe_emu.webhook_endpoints == [] and client.v1.charges.list().data == []


def test_control_api(client, stripe_emu):
    session = client.v1.checkout.sessions.create(session_params())
    base = f"{stripe_emu.url}/_emulator"
    paid = requests.post(f"{base}/checkout/sessions/{session.id}/pay", json={}, timeout=5).json()
    assert paid["payment_status"] == "paid"
    charge = client.v1.charges.list().data[0]
    dispute = requests.post(f"{base}/charges/{charge.id}/dispute", json={}, timeout=5).json()
    assert dispute["status"] == "needs_response"
    txns = requests.get(f"{base}/balance_transactions", timeout=5).json()
    assert {t["type"] for t in txns} == {"charge", "adjustment"}
    missing = requests.post(f"{base}/disputes/du_nope/close", json={}, timeout=5)
    assert missing.status_code == 404


def test_legacy_global_configuration(stripe_emu):
    saved = stripe.api_key, stripe.api_base
    stripe.api_key, stripe.api_base = "sk_test_global", stripe_emu.url
    try:
        session = stripe.checkout.Session.create(**session_params())
        assert stripe.checkout.Session.retrieve(session.id).amount_total == 1250
    finally:
        stripe.api_key, stripe.api_base = saved


def test_standalone_command_prints_url():
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.stripe_emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        answer = requests.get(
            f"{url}/v1/charges", headers={"Authorization": "Bearer sk_test_1"}, timeout=5
        )
        assert answer.json()["object"] == "list"
    finally:
        process.terminate()
        process.wait(timeout=5)
        if process.stdout is not None:
            process.stdout.close()


def test_settlement_in_another_currency_converts_every_movement(client, stripe_emu):
    stripe_emu.settle_in("usd", {"eur": "1.0837"})
    charge = paid_session(client, stripe_emu).payment_intent.latest_charge
    txn = charge.balance_transaction

    # 12.50 EUR x 1.0837 = 13.54625 USD -> 1355; Stripe's fee is computed in USD on that.
    assert (charge.amount, charge.currency) == (1250, "eur")
    assert (txn.amount, txn.currency, txn.exchange_rate) == (1355, "usd", 1.0837)
    assert txn.fee == 69 and txn.net == 1355 - 69 and txn.fee_details[0].currency == "usd"
    refund = client.v1.refunds.create({"charge": charge.id, "amount": 500})
    back = client.v1.balance_transactions.retrieve(refund.balance_transaction)
    assert (back.amount, back.fee, back.currency) == (-542, 0, "usd")
    dispute = stripe_emu.dispute(charge.id)
    debit = dispute["balance_transactions"][0]
    assert (debit["amount"], debit["fee"], debit["net"], debit["currency"]) == (
        -813,
        1500,
        -2313,
        "usd",
    )
    assert debit["exchange_rate"] == 1.0837
    stripe_emu.reset()
    assert stripe_emu.state.settlement_currency is None
