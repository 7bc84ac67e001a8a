"""End to end: after real payments through the Stripe emulator (sales, a partial and a full
refund, a dispute), the dashboard totals, the CSV and the XLSX agree with each other and with
the emulator's balance transactions to the cent.

The ledger rows come from webhook fulfilment; the payments entry points this test drives are
gathered in `Payments` below.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from decimal import Decimal

import openpyxl
import pytest

from storefront import money
from storefront.extensions import db
from storefront.models import LedgerEntry, Order, OrderStatus
from storefront.services import reports
from storefront.services.reports import ReportFilter

from ..conftest import PASSWORD

WEBHOOK_SECRET = "whsec_revenue_end_to_end"


class Payments:
    """The payments side as this test drives it. Adjust names here if payments differ."""

    webhook_path = "/webhooks/stripe"

    @staticmethod
    def configure(settings: dict, emulator_url: str) -> None:
        settings.update(
            PAYMENTS_BACKEND="stripe",
            STRIPE_SECRET_KEY="sk_test_revenue",
            STRIPE_API_BASE=emulator_url,
            STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
            STRIPE_CONNECT=False,  # single account: the studio's balance is Stripe's balance
        )

    @staticmethod
    def buy(client, title, kind: str) -> Order:  # type: ignore[no-untyped-def]
        response = client.post(f"/buy/{title.slug}", data={"kind": kind})
        assert response.status_code == 303, response.get_data(as_text=True)
        return db.session.scalar(db.select(Order).order_by(Order.id.desc()))


@pytest.fixture
def stripe_settings(settings, stripe_emu):
    """Point the app at the emulator before the app is built."""
    Payments.configure(settings, stripe_emu.url)
    return settings


@pytest.fixture
def shop(stripe_settings, make_title, filmmaker, studio):
    return make_title(
        "Paid Film",
        studio=studio,
        offers=[
            {"kind": "rent", "amount": 499, "currency": "EUR"},
            {"kind": "buy", "amount": 1999, "currency": "EUR"},
        ],
    )


def test_reports_agree_with_the_emulators_balance_transactions(
    stripe_settings, app, shop, stripe_emu, stripe_client, make_user, auth, filmmaker, studio
):
    app_client = app.test_client()

    def deliver(body: bytes, headers: dict) -> object:
        return app_client.post(Payments.webhook_path, data=body, headers=headers)

    stripe_emu.add_webhook_endpoint(deliver, WEBHOOK_SECRET)

    charges = []
    for kind in ("rent", "buy", "buy", "rent"):
        # A viewer who owns a film is not sold it again: each sale is another viewer's.
        buyer = app.test_client()
        buyer.post("/login", data={"email": make_user().email, "password": PASSWORD})
        order = Payments.buy(buyer, shop, kind)
        stripe_emu.pay(order.checkout_session_id)
        db.session.expire_all()
        order = db.session.get(Order, order.id)
        assert order.status == OrderStatus.PAID
        charges.append(order.charge_id)
    stripe_client.v1.refunds.create({"charge": charges[1], "amount": 500})  # partial
    stripe_client.v1.refunds.create({"charge": charges[0]})  # full
    stripe_emu.dispute(charges[2])
    stripe_emu.wait_for_webhooks()
    db.session.expire_all()

    rows = db.session.scalars(db.select(LedgerEntry).order_by(LedgerEntry.id)).all()
    assert {r.entry_type.value for r in rows} >= {"sale", "refund", "dispute"}

    # 1. The emulator's balance transactions, one per ledger row, to the cent.
    txns = {t["id"]: t for t in stripe_emu.balance_transactions()}
    for row in rows:
        txn = txns[row.balance_transaction_id]
        expected = (txn["currency"].upper(), txn["net"])
        assert (row.settlement_currency, row.settlement_net) == expected
    balance: dict[str, int] = defaultdict(int)
    for txn in txns.values():
        balance[txn["currency"].upper()] += txn["net"]

    # 2. The dashboard's totals.
    f = ReportFilter(studio_id=studio.id)
    report = reports.dashboard(f)
    [eur] = report.currencies
    assert report.settlement == dict(balance)
    assert eur.totals.net == balance["EUR"]  # single-account mode, no tax: net is what Stripe paid
    assert eur.totals.gross == 499 + 1999 + 1999 + 499
    assert eur.totals.refunds == 500 + 499

    # 3. The CSV and the XLSX downloads say the same.
    auth.login(filmmaker.email)
    member = auth.client
    text = member.get(f"/studio/{studio.slug}/revenue/export.csv?period=all").get_data()
    csv_rows = list(csv.DictReader(io.StringIO(text.decode("utf-8-sig"))))
    book = openpyxl.load_workbook(
        io.BytesIO(member.get(f"/studio/{studio.slug}/revenue/export.xlsx?period=all").get_data()),
        read_only=True,
    )
    sheet = list(book["Entries"].iter_rows(values_only=True))
    header = list(sheet[0])
    assert len(csv_rows) == len(sheet) - 1 == len(rows)
    for column in ("gross", "tax", "processor_fee", "platform_fee", "net", "settlement_net"):
        csv_sum = sum(Decimal(r[column]) for r in csv_rows)
        xlsx_sum = sum(Decimal(str(r[header.index(column)])) for r in sheet[1:])
        assert csv_sum == xlsx_sum.quantize(Decimal("0.01")), column
    assert sum(Decimal(r["net"]) for r in csv_rows) == money.to_decimal(eur.totals.net, "EUR")
    settled = sum(Decimal(r["settlement_net"]) for r in csv_rows)
    assert settled == money.to_decimal(balance["EUR"], "EUR")
