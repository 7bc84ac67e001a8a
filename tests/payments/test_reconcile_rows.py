"""``flask payments reconcile`` checks every kind of ledger row against Stripe's objects (fees,
settlement, disputes and their outcomes, application fees, transfers and reversals) and names
each difference."""

from __future__ import annotations

import pytest

from storefront.extensions import db

from .test_money_exact import RATE, connect_app, connected  # noqa: F401 (fixtures)
from .test_reconcile import buy, reconcile


def named(result) -> list[str]:  # type: ignore[no-untyped-def]
    """The kinds of difference the command named (the text before the first colon)."""
    return sorted({line.split(":", 1)[0] for line in result.output.splitlines() if ": " in line})


def stripe_object(emu, object_id: str) -> dict:  # type: ignore[no-untyped-def]
    """The emulator's own copy: changing it is Stripe saying something else than we booked."""
    return emu.state.objects[object_id]


@pytest.fixture
def sold(app, viewer_client, film, emu, webhooks, sdk):  # type: ignore[no-untyped-def]
    """Two sales settled in USD, one partly refunded and one disputed and won."""
    emu.settle_in("usd", {"eur": RATE})
    buy(viewer_client, film, emu, "rent")
    buy(viewer_client, film, emu, "buy")
    rent, buy_charge = sorted(emu.objects("charge"), key=lambda c: c["amount"])
    sdk.v1.refunds.create({"charge": rent["id"], "amount": 100})
    dispute = emu.dispute(buy_charge["id"])
    emu.close_dispute(dispute["id"], won=True)
    return rent, buy_charge, dispute


def test_every_row_matching_stripe_reports_nothing(app, sold):
    result = reconcile(app)

    assert result.exit_code == 0, result.output


def test_fee_settlement_refund_and_dispute_differences_are_named(app, sold, emu):
    rent, buy_charge, dispute = sold
    sale_txn = stripe_object(emu, rent["balance_transaction"])
    sale_txn["fee"] += 1
    sale_txn["net"] -= 1
    refund = emu.objects("refund")[0]
    stripe_object(emu, refund["balance_transaction"])["amount"] -= 1
    stripe_object(emu, dispute["id"])["balance_transactions"][0]["fee"] = 1400

    result = reconcile(app)

    assert result.exit_code == 1
    assert named(result) == [
        "dispute fee differs",
        "refund settlement differs",
        "sale settlement differs",
    ]
    line = next(x for x in result.output.splitlines() if x.startswith("sale settlement"))
    assert "fee 46 vs 47" in line and rent["id"] in line


def test_disputes_and_outcomes_missing_from_the_ledger_are_named(
    app, viewer_client, film, emu, webhooks
):
    buy(viewer_client, film, emu, "rent")
    buy(viewer_client, film, emu, "buy")
    first, second = emu.objects("charge")
    known = emu.dispute(first["id"])
    emu.hold_webhooks = True  # these never reach the store
    emu.close_dispute(known["id"], won=True)
    emu.dispute(second["id"])

    result = reconcile(app)

    assert result.exit_code == 1
    assert named(result) == ["dispute not in ledger", "dispute outcome not in ledger"]


def test_connect_application_fee_transfer_and_reversal_differences_are_named(
    app,
    connected,  # noqa: F811 (the fixture)
    film,
    emu,
    sdk,
):
    from storefront.services.payments.refunds import request_refund

    from .conftest import checkout, latest_order, session_id_from

    emu.pay(session_id_from(checkout(connected, film, "buy").location))
    order = latest_order()
    request_refund(app.extensions["payments"], order, 450)
    db.session.commit()  # the refund's webhook changed the order meanwhile
    assert reconcile(app).exit_code == 0, reconcile(app).output
    charge = stripe_object(emu, order.charge_id)
    charge["application_fee_amount"] += 1
    transfer = stripe_object(emu, charge["transfer"])
    transfer["amount"] -= 1
    reversal = stripe_object(emu, emu.objects("refund")[0]["transfer_reversal"])
    reversal["amount"] += 1
    fee_refund = stripe_object(emu, charge["application_fee"])["refunds"]["data"][0]
    fee_refund["amount"] += 1

    result = reconcile(app)

    assert result.exit_code == 1
    assert named(result) == [
        "application fee differs",
        "application fee refund differs",
        "transfer differs",
        "transfer reversal differs",
    ]
