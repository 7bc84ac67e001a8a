"""The Stripe emulator's pending refunds that succeed or fail, through its control routes and
the official SDK: Stripe's statuses, events and ``refund_failure`` balance transaction."""

from __future__ import annotations

import requests
import stripe

from tests.stripe_emulator import StripeEmulator

from .test_stripe_emulator import client, paid_session  # noqa: F401 (fixture)


def control(emu: StripeEmulator, path: str, **body: object) -> requests.Response:
    return requests.post(f"{emu.url}/_emulator/{path}", json=body, timeout=5)


def test_a_pending_refund_fails_and_its_amount_comes_back(
    client: stripe.StripeClient,  # noqa: F811
    stripe_emu: StripeEmulator,
) -> None:
    charge_id = paid_session(client, stripe_emu).payment_intent.latest_charge.id
    assert control(stripe_emu, "refunds/hold_pending", count=1).status_code == 200
    refund = client.v1.refunds.create({"charge": charge_id, "amount": 500})
    assert refund.status == "pending" and refund.failure_reason is None
    balance = sum(t["net"] for t in stripe_emu.balance_transactions())

    failed = control(stripe_emu, f"refunds/{refund.id}/fail", reason="lost_or_stolen_card")

    assert failed.status_code == 200
    read = client.v1.refunds.retrieve(refund.id, params={"expand": ["failure_balance_transaction"]})
    assert (read.status, read.failure_reason) == ("failed", "lost_or_stolen_card")
    txn = read.failure_balance_transaction
    assert (txn.type, txn.amount, txn.fee, txn.source) == ("refund_failure", 500, 0, refund.id)
    assert sum(t["net"] for t in stripe_emu.balance_transactions()) == balance + 500
    assert client.v1.charges.retrieve(charge_id).amount_refunded == 0
    types = [e["type"] for e in stripe_emu.events if e["data"]["object"].get("id") == refund.id]
    assert types[-3:] == ["charge.refund.updated", "refund.updated", "refund.failed"]
    updated = next(e for e in stripe_emu.events if e["type"] == "charge.refund.updated")
    assert updated["data"]["previous_attributes"]["status"] == "pending"
    again = client.v1.refunds.create({"charge": charge_id})  # refundable again, in full
    assert (again.status, again.amount) == ("succeeded", 1250)
    assert control(stripe_emu, f"refunds/{again.id}/fail").status_code == 400  # not pending


def test_a_pending_refund_succeeds(
    client: stripe.StripeClient,  # noqa: F811
    stripe_emu: StripeEmulator,
) -> None:
    charge_id = paid_session(client, stripe_emu).payment_intent.latest_charge.id
    stripe_emu.hold_refunds_pending()
    refund = client.v1.refunds.create({"charge": charge_id})
    balance = sum(t["net"] for t in stripe_emu.balance_transactions())

    assert control(stripe_emu, f"refunds/{refund.id}/succeed").status_code == 200

    assert client.v1.refunds.retrieve(refund.id).status == "succeeded"
    assert sum(t["net"] for t in stripe_emu.balance_transactions()) == balance
    assert "refund.failed" not in {e["type"] for e in stripe_emu.events}
