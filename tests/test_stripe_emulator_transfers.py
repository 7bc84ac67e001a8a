"""The emulator's separate charges and transfers, in Stripe's documented shapes and refusals."""

from __future__ import annotations

import pytest
import stripe

pytest_plugins = ["tests.stripe_emulator.fixtures"]


@pytest.fixture
def paid_charge(stripe_client, stripe_emu):  # type: ignore[no-untyped-def]
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
            "payment_intent_data": {"transfer_group": "order-42"},
        }
    )
    stripe_emu.pay(session.id)
    return stripe_emu.objects("charge")[0]


@pytest.fixture
def account(stripe_client, stripe_emu):  # type: ignore[no-untyped-def]
    created = stripe_client.v1.accounts.create(
        {"type": "express", "country": "BE", "capabilities": {"transfers": {"requested": True}}}
    )
    stripe_emu.complete_onboarding(created.id)
    return created.id


def transfer(client, charge, account, amount, **extra):  # type: ignore[no-untyped-def]
    params = {
        "amount": amount,
        "currency": "eur",
        "destination": account,
        "source_transaction": charge["id"],
        "transfer_group": "order-42",
        **extra,
    }
    return client.v1.transfers.create(params)


def test_a_transfer_and_its_reversal_move_the_platform_balance(
    stripe_client, stripe_emu, paid_charge, account
):
    intent = stripe_emu.objects("payment_intent")[0]
    assert intent["transfer_group"] == "order-42" and paid_charge["transfer_group"] == "order-42"
    before = sum(t["net"] for t in stripe_emu.balance_transactions())

    made = transfer(stripe_client, paid_charge, account, 600)
    reversal = stripe_client.v1.transfers.reversals.create(made.id, {"amount": 250})

    assert made.object == "transfer" and made.source_transaction == paid_charge["id"]
    assert made.reversals.url == f"/v1/transfers/{made.id}/reversals"
    txn = stripe_emu.get(made.balance_transaction)
    assert (txn["type"], txn["amount"], txn["currency"]) == ("transfer", -600, "eur")
    back = stripe_emu.get(reversal.balance_transaction)
    assert (reversal.object, reversal.transfer, back["type"], back["amount"]) == (
        "transfer_reversal",
        made.id,
        "transfer_refund",
        250,
    )
    assert stripe_emu.get(made.id)["amount_reversed"] == 250
    assert sum(t["net"] for t in stripe_emu.balance_transactions()) == before - 350
    types = [e["type"] for e in stripe_emu.events]
    assert "transfer.created" in types and "transfer.reversed" in types


def test_transfers_tied_to_a_charge_cannot_exceed_it(stripe_client, paid_charge, account):
    transfer(stripe_client, paid_charge, account, 900)

    with pytest.raises(stripe.InvalidRequestError, match="Insufficient funds"):
        transfer(stripe_client, paid_charge, account, 101)


def test_a_transfer_in_another_currency_than_the_source_is_refused(
    stripe_client, paid_charge, account
):
    with pytest.raises(stripe.InvalidRequestError, match="must be the same"):
        transfer(stripe_client, paid_charge, account, 100, currency="usd")


def test_a_reversal_cannot_exceed_what_is_left(stripe_client, paid_charge, account):
    made = transfer(stripe_client, paid_charge, account, 300)
    stripe_client.v1.transfers.reversals.create(made.id, {"amount": 200})

    with pytest.raises(stripe.InvalidRequestError, match="greater than the amount left"):
        stripe_client.v1.transfers.reversals.create(made.id, {"amount": 101})


def test_a_destination_without_transfers_is_refused(stripe_client, paid_charge):
    pending = stripe_client.v1.accounts.create({"type": "express", "country": "BE"})

    with pytest.raises(stripe.InvalidRequestError, match="capabilities"):
        transfer(stripe_client, paid_charge, pending.id, 100)
