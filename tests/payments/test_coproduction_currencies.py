# ruff: noqa: F811
"""A rights holder whose connected account settles in another currency than the platform's:
the Norwegian owner's Express account keeps NOK and receives its EUR shares converted by
Stripe. What the holder is shown (statement, its downloads, its ledger rows) is what its own
balance moved, checked against its own balance transactions in the emulator."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa

from storefront.extensions import db
from storefront.models import EntryType, LedgerEntry, Studio
from storefront.services.rights.statements import holder_statement
from tests.conftest import PASSWORD

from .coproduction import onboard_in_emulator, payouts
from .test_coproduction_transfers import (  # noqa: F401 (fixtures)
    belgian,
    buy,
    connect_app,
    coproduced,
)


def own_balance(emu, account: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The connected account's balance by currency: the sum of its balance transactions."""
    totals: dict[str, int] = {}
    for txn in emu.balance_transactions(account):
        code = txn["currency"].upper()
        totals[code] = totals.get(code, 0) + txn["net"]
    return totals


def test_a_nok_holder_is_shown_what_its_balance_moved_for_shares_and_reversals(
    app, coproduced, studio, belgian, sdk, emu, viewer_client, admin_client_factory
):
    emu.account_rates("eur", {"nok": "11.5"})
    owner_acct = onboard_in_emulator(sdk, emu, studio)  # a Norwegian account: NOK
    belgian_acct = onboard_in_emulator(sdk, emu, belgian)  # a Belgian one: EUR
    order = buy(viewer_client, emu, coproduced, "DE")
    admin_client_factory().post(
        f"/studio/{studio.slug}/orders/{order.public_id}",
        data={"amount": "4.50", "refund_part": "y"},
    )

    owner_nok = own_balance(emu, owner_acct)
    assert set(owner_nok) == {"NOK"} and owner_nok["NOK"] > 0
    statement = holder_statement(db.session.get(Studio, studio.id))
    assert statement.received == owner_nok
    made = [p for p in payouts(order.id) if p.studio_id == studio.id]
    assert {(p.currency, p.holder_currency, p.holder_exchange_rate) for p in made} == {
        ("EUR", "NOK", "11.5")
    }
    # Each line shows the NOK that moved beside the EUR that was sent, at Stripe's rate.
    sent = sorted((line.sent_amount, line.sent_currency) for line in statement.lines)
    assert sent == sorted((p.amount, "EUR") for p in made)
    assert {line.currency for line in statement.lines} == {"NOK"}
    # The Belgian holder's account keeps EUR: its figures are the transfers' own.
    assert holder_statement(db.session.get(Studio, belgian.id)).received == own_balance(
        emu, belgian_acct
    )

    # The owner's ledger rows (its revenue pages and exports) settle in NOK, summing to the
    # same balance; their currency stays the EUR sent.
    rows = db.session.execute(
        sa.select(
            LedgerEntry.currency, LedgerEntry.settlement_currency, LedgerEntry.settlement_net
        ).where(
            LedgerEntry.studio_id == studio.id,
            LedgerEntry.entry_type.in_((EntryType.HOLDER_SHARE, EntryType.HOLDER_REFUND)),
        )
    ).all()
    assert {(r[0], r[1]) for r in rows} == {("EUR", "NOK")}
    assert sum(r[2] for r in rows) == owner_nok["NOK"]

    holder = app.test_client()
    holder.post("/login", data={"email": studio.contact_email, "password": PASSWORD})
    page = holder.get(f"/studio/{studio.slug}/holdings").get_data(as_text=True)
    assert 'data-testid="sent"' in page and "NOK" in page
    download = holder.get(f"/studio/{studio.slug}/holdings.csv").get_data().decode("utf-8-sig")
    lines = list(csv.DictReader(io.StringIO(download)))
    assert sum(int(r["amount_minor"]) for r in lines if r["status"] == "paid") == owner_nok["NOK"]
    assert {(r["currency"], r["sent_currency"], r["exchange_rate"]) for r in lines} == {
        ("NOK", "EUR", "11.5")
    }


def test_reconcile_names_a_holder_settlement_the_store_did_not_record(
    app, coproduced, studio, belgian, sdk, emu, viewer_client
):
    from storefront.services.payments.reconcile_transfers import check_order

    emu.account_rates("eur", {"nok": "11.5"})
    onboard_in_emulator(sdk, emu, studio)
    onboard_in_emulator(sdk, emu, belgian)
    order = buy(viewer_client, emu, coproduced, "DE")
    gateway = app.extensions["payments"]
    assert check_order(gateway, order) == []

    # A payout recorded before the holder's side was read (or recorded wrong): as if the NOK
    # account had received the EUR amount unchanged.
    share = next(p for p in payouts(order.id) if p.studio_id == studio.id)
    share.holder_currency, share.holder_amount = "EUR", share.amount
    db.session.commit()

    assert [kind for kind, _detail in check_order(gateway, order)] == ["holder settlement differs"]
