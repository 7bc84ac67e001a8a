"""The emulator's inquiries: a dispute the issuer opens as a question (Stripe's statuses
``warning_*``) withdraws nothing and leaves the charge refundable, as Stripe documents, until
it escalates into a chargeback or closes as ``warning_closed``."""

from __future__ import annotations

import pytest
import stripe

pytest_plugins = ["tests.stripe_emulator.fixtures"]


@pytest.fixture
def paid_charge(stripe_client, stripe_emu):  # type: ignore[no-untyped-def]
    def pay() -> dict:  # type: ignore[type-arg]
        session = stripe_client.v1.checkout.sessions.create(
            {
                "mode": "payment",
                "line_items": [
                    {
                        "price_data": {
                            "currency": "eur",
                            "unit_amount": 1000,
                            "product_data": {"name": "Film"},
                        },
                        "quantity": 1,
                    }
                ],
                "success_url": "https://example.org/ok",
            }
        )
        stripe_emu.pay(session.id)
        return stripe_emu.objects("charge")[-1]

    return pay


def _event_types(emu, dispute_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [e["type"] for e in emu.events if e["data"]["object"].get("id") == dispute_id]


def _dispute_movements(emu, dispute_id: str) -> list[int]:  # type: ignore[no-untyped-def]
    return [t["amount"] for t in emu.balance_transactions() if t["source"] == dispute_id]


def test_an_inquiry_withdraws_nothing_and_the_charge_stays_refundable(
    stripe_client, stripe_emu, paid_charge
):
    charge = paid_charge()
    inquiry = stripe_emu.dispute(charge["id"], reason="product_not_received", inquiry=True)

    assert (inquiry["status"], inquiry["is_charge_refundable"]) == ("warning_needs_response", True)
    assert (
        inquiry["balance_transactions"] == []
        and _dispute_movements(stripe_emu, inquiry["id"]) == []
    )
    assert _event_types(stripe_emu, inquiry["id"]) == ["charge.dispute.created"]
    refund = stripe_client.v1.refunds.create({"charge": charge["id"], "amount": 400})
    assert refund.status == "succeeded"

    closed = stripe_emu.close_dispute(inquiry["id"])

    assert closed["status"] == "warning_closed" and closed["balance_transactions"] == []
    assert _event_types(stripe_emu, inquiry["id"])[-1] == "charge.dispute.closed"


def test_an_escalated_inquiry_withdraws_the_funds_then(stripe_client, stripe_emu, paid_charge):
    charge = paid_charge()
    inquiry = stripe_emu.dispute(charge["id"], inquiry=True)

    escalated = stripe_emu.escalate_dispute(inquiry["id"])

    assert (escalated["status"], escalated["is_charge_refundable"]) == ("needs_response", False)
    (debit,) = escalated["balance_transactions"]
    assert (debit["amount"], debit["fee"], debit["net"]) == (-1000, 1500, -2500)
    assert _event_types(stripe_emu, inquiry["id"]) == [
        "charge.dispute.created",
        "charge.dispute.updated",
        "charge.dispute.funds_withdrawn",
    ]
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.v1.refunds.create({"charge": charge["id"]})
    assert raised.value.code == "charge_disputed"
    lost = stripe_emu.close_dispute(inquiry["id"], won=False)
    assert lost["status"] == "lost" and _dispute_movements(stripe_emu, inquiry["id"]) == [-1000]
