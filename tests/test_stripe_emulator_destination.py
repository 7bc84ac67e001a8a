"""The emulator's destination charges (Checkout with ``payment_intent_data.transfer_data``) on
the connected account's side, as Stripe documents them: the charge's ``transfer`` has its
``destination_payment`` (a ``py_`` charge on the account, read with ``Stripe-Account``) whose
``payment`` balance transaction is in the account's settlement currency, the application fee
its fee; a refund with ``reverse_transfer`` refunds that payment (``pyr_``), and is not
refused for want of the account's balance (that check is for ``transfer_group`` transfers)."""

from __future__ import annotations

import pytest
import stripe

pytest_plugins = ["tests.stripe_emulator.fixtures"]


def onboarded(client, emu, country: str = "FR") -> str:  # type: ignore[no-untyped-def]
    account = client.v1.accounts.create(
        {
            "type": "express",
            "country": country,
            "capabilities": {
                "card_payments": {"requested": True},
                "transfers": {"requested": True},
            },
        }
    )
    emu.complete_onboarding(account.id)
    return account.id


def destination_charge(client, emu, account: str, **intent):  # type: ignore[no-untyped-def]
    session = client.v1.checkout.sessions.create(
        {
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": "eur",
                        "unit_amount": 1250,
                        "product_data": {"name": "Night Train"},
                    },
                    "quantity": 1,
                }
            ],
            "success_url": "https://shop.test/thanks",
            "payment_intent_data": {"transfer_data": {"destination": account}, **intent},
        }
    )
    emu.pay(session.id)
    return client.v1.charges.retrieve(emu.objects("charge")[0]["id"], {"expand": ["transfer"]})


def on_account(client, account: str, kind: str, object_id: str):  # type: ignore[no-untyped-def]
    resource = client.v1.charges if kind == "charge" else client.v1.refunds
    return resource.retrieve(
        object_id, {"expand": ["balance_transaction"]}, options={"stripe_account": account}
    )


def test_the_transfer_of_a_destination_charge_pays_the_account_a_destination_payment(
    stripe_client, stripe_emu
):
    account = onboarded(stripe_client, stripe_emu)
    platform_before = len(stripe_emu.balance_transactions())

    charge = destination_charge(stripe_client, stripe_emu, account, application_fee_amount=188)

    transfer = charge.transfer
    assert transfer.destination == account and transfer.source_transaction == charge.id
    payment = on_account(stripe_client, account, "charge", transfer.destination_payment)
    txn = payment.balance_transaction
    assert payment.id.startswith("py_") and payment.source_transfer == transfer.id
    assert (payment.amount, payment.currency) == (1250, "eur")
    # The account is paid the whole charge; the platform's application fee is its fee.
    assert (txn.type, txn.amount, txn.currency, txn.fee, txn.net) == (
        "payment",
        1250,
        "eur",
        188,
        1062,
    )
    assert [(d.type, d.amount) for d in txn.fee_details] == [("application_fee", 188)]
    assert txn.source == payment.id and txn.exchange_rate is None
    listed = stripe_client.v1.balance_transactions.list(options={"stripe_account": account})
    assert [t.id for t in listed.data] == [txn.id]
    # The platform's own balance keeps its charge, transfer and fee, and cannot read the payment.
    assert len(stripe_emu.balance_transactions()) == platform_before + 3
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.charges.retrieve(transfer.destination_payment)


def test_a_destination_charge_lands_in_the_accounts_settlement_currency(stripe_client, stripe_emu):
    account = onboarded(stripe_client, stripe_emu, "NO")
    stripe_emu.account_rates("eur", {"nok": "11.5"})

    charge = destination_charge(stripe_client, stripe_emu, account, application_fee_amount=188)

    payment = on_account(stripe_client, account, "charge", charge.transfer.destination_payment)
    txn = payment.balance_transaction
    assert (payment.amount, payment.currency) == (1250, "eur")  # what was sent
    assert (txn.amount, txn.currency, txn.exchange_rate, txn.fee, txn.net) == (
        14375,
        "nok",
        11.5,
        2162,
        14375 - 2162,
    )


def test_transfer_data_amount_pays_that_much_with_no_fee(stripe_client, stripe_emu):
    account = onboarded(stripe_client, stripe_emu)

    only = {"destination": account, "amount": 1000}
    charge = destination_charge(stripe_client, stripe_emu, account, transfer_data=only)

    payment = on_account(stripe_client, account, "charge", charge.transfer.destination_payment)
    txn = payment.balance_transaction
    assert (payment.amount, txn.amount, txn.fee, txn.net) == (1000, 1000, 0, 1000)


def test_a_refund_reversing_the_transfer_refunds_the_destination_payment(stripe_client, stripe_emu):
    account = onboarded(stripe_client, stripe_emu)
    charge = destination_charge(stripe_client, stripe_emu, account, application_fee_amount=188)

    refund = stripe_client.v1.refunds.create(
        {
            "charge": charge.id,
            "amount": 500,
            "reverse_transfer": True,
            "refund_application_fee": True,
        }
    )

    [reversal] = stripe_client.v1.transfers.retrieve(charge.transfer.id).reversals.data
    assert reversal.id == refund.transfer_reversal
    assert (reversal.amount, reversal.source_refund) == (500, refund.id)
    back = on_account(stripe_client, account, "refund", reversal.destination_payment_refund)
    assert back.id.startswith("pyr_") and back.charge == charge.transfer.destination_payment
    assert back.source_transfer_reversal == reversal.id and back.amount == 500
    txn = back.balance_transaction
    assert (txn.type, txn.amount, txn.currency) == ("payment_refund", -500, "eur")
    payment = on_account(stripe_client, account, "charge", charge.transfer.destination_payment)
    assert (payment.amount_refunded, payment.refunded) == (500, False)
    # 500 of 1250 back: the account gives back 500 and is given back 75 of the 188 fee.
    assert sum(t["net"] for t in stripe_emu.balance_transactions(account)) == 1062 - 500 + 75


def test_a_refund_reverses_the_transfer_even_when_the_account_paid_its_balance_out(
    stripe_client, stripe_emu
):
    account = onboarded(stripe_client, stripe_emu)
    charge = destination_charge(stripe_client, stripe_emu, account, application_fee_amount=188)
    stripe_emu.pay_out(account, 1062, "eur")

    refund = stripe_client.v1.refunds.create({"charge": charge.id, "reverse_transfer": True})

    assert refund.status == "succeeded" and refund.transfer_reversal
    assert sum(t["net"] for t in stripe_emu.balance_transactions(account)) == -1250


def test_the_platform_may_reverse_a_destination_charges_transfer_the_account_cannot_cover(
    stripe_client, stripe_emu
):
    account = onboarded(stripe_client, stripe_emu)
    charge = destination_charge(stripe_client, stripe_emu, account)
    stripe_emu.pay_out(account, 1250, "eur")

    reversal = stripe_client.v1.transfers.reversals.create(charge.transfer.id, {"amount": 300})

    back = on_account(stripe_client, account, "refund", reversal.destination_payment_refund)
    assert (back.balance_transaction.type, back.balance_transaction.amount) == (
        "payment_refund",
        -300,
    )
    assert sum(t["net"] for t in stripe_emu.balance_transactions(account)) == -300
