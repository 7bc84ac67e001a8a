"""Money that is exact: every ledger row carries its balance transaction's settlement figures as
Stripe states them, chargebacks are booked to the balance that bears them, and each party's
figures add up to its own balance transactions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from storefront.extensions import db
from storefront.models import EntryType, LedgerEntry
from storefront.services.reports import ReportFilter
from storefront.services.reports.platform import platform_report

from .conftest import checkout, latest_order, session_id_from
from .test_connect import onboard, rows

RATE = "1.0837"  # USD per EUR


@pytest.fixture
def usd_platform(emu):  # type: ignore[no-untyped-def]
    """The store's Stripe account settles in USD; films are sold in EUR."""
    emu.settle_in("usd", {"eur": RATE})
    return emu


@pytest.fixture
def connect_app(app):  # type: ignore[no-untyped-def]
    app.config.update(
        STRIPE_CONNECT=True, PLATFORM_FEE_PERCENT=Decimal("10"), PLATFORM_FEE_FIXED={"EUR": 30}
    )
    return app


@pytest.fixture
def connected(connect_app, client, auth, filmmaker, viewer, film, emu, webhooks):  # type: ignore[no-untyped-def]
    """The studio has finished Stripe's onboarding; the viewer is logged in."""
    auth.login(filmmaker.email)
    onboard(client, film.studio, emu)
    auth.logout()
    auth.login(viewer.email)
    return client


def _row(entry_type: EntryType) -> LedgerEntry:
    found = [e for e in rows() if e.entry_type == entry_type]
    assert len(found) == 1, found
    return found[0]


def _settled(entry: LedgerEntry) -> tuple:
    return (
        entry.settlement_currency,
        entry.settlement_amount,
        entry.settlement_fee,
        entry.settlement_net,
        entry.exchange_rate,
    )


def _as_stated(txn: dict) -> tuple:
    rate = txn["exchange_rate"]
    return (
        txn["currency"].upper(),
        txn["amount"],
        txn["fee"],
        txn["net"],
        None if rate is None else str(Decimal(str(rate))),
    )


def test_a_sale_settled_in_another_currency_keeps_stripes_exact_fee(
    viewer_client, viewer, film, usd_platform, webhooks
):
    emu = usd_platform
    emu.pay(session_id_from(checkout(viewer_client, film, "buy").location))
    txn = emu.get(emu.objects("charge")[0]["balance_transaction"])

    sale = _row(EntryType.SALE)

    assert txn["currency"] == "usd" and txn["exchange_rate"] == float(RATE)
    assert _settled(sale) == _as_stated(txn) == ("USD", 1408, 71, 1337, RATE)
    # Stripe's fee is in USD only: nothing pro-rated into EUR that could be off by a cent.
    assert (sale.currency, sale.gross, sale.processor_fee, sale.net) == ("EUR", 1299, 0, 1299)


def test_a_lost_chargeback_in_another_settlement_currency_lowers_the_studios_net(
    viewer_client, viewer, film, usd_platform, webhooks
):
    emu = usd_platform
    emu.pay(session_id_from(checkout(viewer_client, film, "buy").location))
    dispute = emu.dispute(emu.objects("charge")[0]["id"])
    emu.close_dispute(dispute["id"], won=False)

    row = _row(EntryType.DISPUTE)
    withdrawal = dispute["balance_transactions"][0]

    # The dispute fee is a cost (never a negative fee that would raise the studio's net).
    assert row.processor_fee >= 0 and row.net <= -1299
    assert _settled(row) == _as_stated(withdrawal) == ("USD", -1408, 1500, -2908, RATE)
    sale = _row(EntryType.SALE)
    assert sale.settlement_net + row.settlement_net == sum(
        t["net"] for t in emu.balance_transactions()
    )
    assert latest_order(viewer).status.value == "disputed"


def test_a_won_chargeback_in_another_settlement_currency_returns_the_fee(
    viewer_client, viewer, film, usd_platform, webhooks
):
    emu = usd_platform
    emu.pay(session_id_from(checkout(viewer_client, film, "buy").location))
    dispute = emu.close_dispute(emu.dispute(emu.objects("charge")[0]["id"])["id"], won=True)

    won = _row(EntryType.DISPUTE_WON)

    assert _settled(won) == _as_stated(dispute["balance_transactions"][1])
    assert (won.settlement_amount, won.settlement_fee) == (1408, -1500)
    total = sum(e.settlement_net for e in rows())
    assert total == sum(t["net"] for t in emu.balance_transactions()) == 1337


def test_connect_lost_chargeback_is_the_platforms_not_the_studios(
    app, connected, viewer, film, emu
):
    emu.pay(session_id_from(checkout(connected, film, "buy").location))
    sale = _row(EntryType.SALE)
    dispute = emu.dispute(emu.objects("charge")[0]["id"])
    emu.close_dispute(dispute["id"], won=False)

    entries = rows()
    withdrawal = dispute["balance_transactions"][0]
    assert not [e for e in entries if e.entry_type == EntryType.DISPUTE]
    debit = _row(EntryType.PLATFORM_DISPUTE)
    assert (debit.gross, debit.processor_fee, debit.net) == (-1299, 1500, -2799)
    assert _settled(debit) == _as_stated(withdrawal)
    # The studio keeps what reached its account; the platform's rows match its own balance.
    studio_rows = [e for e in entries if e.entry_type in (EntryType.SALE, EntryType.REFUND)]
    assert sum(e.net for e in studio_rows) == sale.net == 1139
    platform = [e for e in entries if e.entry_type.value.startswith(("application", "platform"))]
    balance = sum(t["net"] for t in emu.balance_transactions())
    assert sum(e.settlement_net for e in platform) == sum(e.net for e in platform) == balance
    report = platform_report(ReportFilter())
    eur = report.currencies[0]
    assert eur.platform_net == balance == 92 - 2799
    assert eur.studio_net == 1139 and eur.disputes == 1299


def test_connect_won_chargeback_returns_amount_and_fee_to_the_platform(
    app, connected, viewer, film, emu
):
    emu.pay(session_id_from(checkout(connected, film, "buy").location))
    dispute = emu.dispute(emu.objects("charge")[0]["id"])
    emu.close_dispute(dispute["id"], won=True)

    won = _row(EntryType.PLATFORM_DISPUTE_WON)

    assert (won.gross, won.processor_fee, won.net) == (1299, -1500, 2799)
    platform = [e for e in rows() if e.entry_type.value.startswith(("application", "platform"))]
    assert sum(e.net for e in platform) == sum(t["net"] for t in emu.balance_transactions()) == 92


def test_connect_platform_rows_carry_the_platforms_settlement(app, connected, viewer, film, emu):
    emu.settle_in("usd", {"eur": RATE})
    emu.pay(session_id_from(checkout(connected, film, "buy").location))

    fee = _row(EntryType.APPLICATION_FEE)
    charge_txn = emu.get(emu.objects("charge")[0]["balance_transaction"])

    # Charge in, transfer out, application fee back: the platform's USD balance, to the cent.
    platform_txns = emu.balance_transactions()
    assert {t["currency"] for t in platform_txns} == {"usd"}
    assert fee.settlement_currency == "USD" and fee.exchange_rate == RATE
    assert fee.settlement_amount == sum(t["amount"] for t in platform_txns)
    assert fee.settlement_fee == charge_txn["fee"]
    assert fee.settlement_net == sum(t["net"] for t in platform_txns)
    assert fee.processor_fee == 0  # Stripe's fee is stated in USD only

    from storefront.services.payments.refunds import request_refund

    request_refund(app.extensions["payments"], latest_order(viewer), 450)
    db.session.commit()
    fee_back = [e for e in rows() if e.entry_type == EntryType.APPLICATION_FEE][1]
    # Refund out, transfer reversal in, application fee refunded out: in USD, where the
    # platform's balance moved, as Stripe's balance transactions state them.
    moved = [
        t
        for t in emu.balance_transactions()
        if t["type"] in ("refund", "transfer_refund", "application_fee_refund")
    ]
    assert len(moved) == 3 and fee_back.settlement_currency == "USD"
    assert fee_back.settlement_amount == sum(t["amount"] for t in moved)
    assert fee_back.settlement_net == sum(t["net"] for t in moved)
    platform = [e for e in rows() if e.entry_type == EntryType.APPLICATION_FEE]
    assert sum(e.settlement_net for e in platform) == sum(
        t["net"] for t in emu.balance_transactions()
    )
