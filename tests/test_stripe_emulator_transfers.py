"""The emulator's separate charges and transfers, in Stripe's documented shapes and refusals:
the platform's side, and the connected account's (the destination payment and its balance
transaction in the account's currency, read with ``Stripe-Account``)."""

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


@pytest.fixture
def norwegian(stripe_client, stripe_emu):  # type: ignore[no-untyped-def]
    created = stripe_client.v1.accounts.create(
        {"type": "express", "country": "NO", "capabilities": {"transfers": {"requested": True}}}
    )
    stripe_emu.complete_onboarding(created.id)
    stripe_emu.account_rates("eur", {"nok": "11.5"})
    return created.id


def test_a_transfer_to_a_nok_account_lands_in_nok_on_its_own_balance(
    stripe_client, stripe_emu, paid_charge, norwegian
):
    made = transfer(stripe_client, paid_charge, norwegian, 600)
    platform_before = len(stripe_emu.balance_transactions())

    payment = stripe_client.v1.charges.retrieve(
        made.destination_payment,
        {"expand": ["balance_transaction"]},
        options={"stripe_account": norwegian},
    )
    txn = payment.balance_transaction
    assert payment.id.startswith("py_") and payment.source_transfer == made.id
    assert (payment.amount, payment.currency) == (600, "eur")
    assert (txn.type, txn.amount, txn.currency, txn.exchange_rate) == ("payment", 6900, "nok", 11.5)
    # The holder's balance is its own: the platform's list does not show it, and the
    # platform cannot read the payment without the account's header.
    assert [t["id"] for t in stripe_emu.balance_transactions(norwegian)] == [txn.id]
    assert len(stripe_emu.balance_transactions()) == platform_before
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.charges.retrieve(made.destination_payment)
    listed = stripe_client.v1.balance_transactions.list(options={"stripe_account": norwegian})
    assert [t.id for t in listed.data] == [txn.id]

    reversal = stripe_client.v1.transfers.reversals.create(made.id, {"amount": 250})
    refund = stripe_client.v1.refunds.retrieve(
        reversal.destination_payment_refund,
        {"expand": ["balance_transaction"]},
        options={"stripe_account": norwegian},
    )
    back = refund.balance_transaction
    assert refund.id.startswith("pyr_") and refund.charge == payment.id
    assert (back.type, back.amount, back.currency, back.exchange_rate) == (
        "payment_refund",
        -2875,
        "nok",
        11.5,
    )
    assert sum(t["net"] for t in stripe_emu.balance_transactions(norwegian)) == 6900 - 2875


def test_without_a_rate_the_account_keeps_the_transfer_currency(
    stripe_client, stripe_emu, paid_charge, account
):
    made = transfer(stripe_client, paid_charge, account, 600)
    payment = stripe_emu.objects("charge", account)[0]
    txn = stripe_emu.get(payment["balance_transaction"])
    assert (payment["id"], txn["amount"], txn["currency"], txn["exchange_rate"]) == (
        made.destination_payment,
        600,
        "eur",
        None,
    )


def test_a_reversal_the_account_cannot_cover_is_refused(
    stripe_client, stripe_emu, paid_charge, norwegian
):
    made = transfer(stripe_client, paid_charge, norwegian, 600)
    stripe_emu.pay_out(norwegian, 6000, "nok")  # 900 NOK left: less than 250 EUR

    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe_client.v1.transfers.reversals.create(made.id, {"amount": 250})

    assert refused.value.code == "balance_insufficient"
    assert stripe_emu.get(made.id)["amount_reversed"] == 0
    assert stripe_client.v1.transfers.reversals.create(made.id, {"amount": 50}).amount == 50


def test_a_transfer_without_source_transaction_needs_the_available_balance(
    stripe_client, stripe_emu, paid_charge, account
):
    available = sum(t["net"] for t in stripe_emu.balance_transactions() if t["currency"] == "eur")
    params = {"amount": available + 1, "currency": "eur", "destination": account}

    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe_client.v1.transfers.create(params)

    assert refused.value.code == "balance_insufficient"
    assert stripe_emu.objects("transfer") == []
    made = stripe_client.v1.transfers.create({**params, "amount": available})
    assert made.source_transaction is None


def test_control_routes_set_account_rates_pay_out_and_list_an_account_balance(
    stripe_client, stripe_emu, paid_charge, norwegian
):
    import requests

    def control(path, **body):  # type: ignore[no-untyped-def]
        return requests.post(f"{stripe_emu.url}/_emulator/{path}", json=body, timeout=5)

    assert control("account_rates", source="eur", rates={"nok": "11"}).ok
    transfer(stripe_client, paid_charge, norwegian, 100)
    assert control("pay_out", account=norwegian, amount=500, currency="nok").ok

    listed = requests.get(
        f"{stripe_emu.url}/_emulator/balance_transactions",
        params={"account": norwegian},
        timeout=5,
    ).json()
    assert [(t["type"], t["amount"], t["currency"]) for t in listed] == [
        ("payment", 1100, "nok"),
        ("payout", -500, "nok"),
    ]
