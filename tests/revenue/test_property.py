"""Any sequence of sales, refunds and disputes gives consistent totals, per currency."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storefront.extensions import db
from storefront.models import OfferKind
from storefront.services import reports
from storefront.services.reports import ReportFilter

from .conftest import Ledger

CURRENCIES = ["EUR", "JPY", "KWD"]

sale = st.tuples(
    st.just("sale"),
    st.integers(min_value=50, max_value=10**7),  # amount
    st.sampled_from(CURRENCIES),
    st.sampled_from(list(OfferKind)),
    st.integers(min_value=0, max_value=30),  # platform fee percent
    st.integers(min_value=0, max_value=20),  # tax percent
    st.integers(min_value=0, max_value=500),  # processor fee
)
after = st.tuples(
    st.sampled_from(["refund", "dispute", "dispute_won"]),
    st.integers(min_value=0, max_value=10**6),  # which earlier sale
    st.floats(min_value=0.01, max_value=1.0),  # share of what is left
    st.integers(min_value=0, max_value=2000),  # dispute fee
)
operations = st.lists(st.one_of(sale, after), min_size=1, max_size=12)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_totals_csv_and_model_agree_for_any_sequence(app, make_studio, make_title, ops):
    studio = make_studio(name="Property Films")
    ledger = Ledger(make_title("Property", studio=studio))
    expected: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    sales: list[dict] = []  # what each sale has left to refund or dispute
    for op in ops:
        if op[0] == "sale":
            _, amount, currency, kind, fee_pct, tax_pct, processor = op
            fee, tax = amount * fee_pct // 100, amount * tax_pct // 100
            ledger.sale(
                amount,
                currency=currency,
                kind=kind,
                platform_fee=fee,
                tax=tax,
                processor_fee=processor,
            )
            sales.append({"currency": currency, "kind": kind, "left": amount, "disputed": 0})
            e = expected[currency]
            e["gross"] += amount
            e["tax"] += tax
            e["fees"] += fee + processor
            e["rentals" if kind == OfferKind.RENT else "purchases"] += 1
            continue
        if not sales:
            continue
        what, pick, share, dispute_fee = op
        s = sales[pick % len(sales)]
        e = expected[s["currency"]]
        if what == "dispute_won":
            if s["disputed"]:
                ledger.dispute_won(s["disputed"], currency=s["currency"], kind=s["kind"])
                e["disputes"] -= s["disputed"]
                s["left"] += s["disputed"]
                s["disputed"] = 0
            continue
        amount = max(1, int(s["left"] * share))
        if s["left"] < amount or s["disputed"]:
            continue
        s["left"] -= amount
        if what == "refund":
            ledger.refund(amount, currency=s["currency"], kind=s["kind"])
            e["refunds"] += amount
        else:
            ledger.dispute(
                amount, currency=s["currency"], kind=s["kind"], processor_fee=dispute_fee
            )
            s["disputed"] = amount
            e["disputes"] += amount
            e["fees"] += dispute_fee

    f = ReportFilter(studio_id=studio.id)
    report = reports.dashboard(f)
    totals = {c.totals.currency: c.totals for c in report.currencies}
    assert set(totals) == set(expected)
    csv_net: dict[str, Decimal] = defaultdict(Decimal)
    text = b"".join(reports.csv_chunks(db.engine, f)).decode("utf-8-sig")
    for row in csv.DictReader(io.StringIO(text)):
        csv_net[row["currency"]] += Decimal(row["net"])
    for currency, e in expected.items():
        t = totals[currency]
        assert (t.gross, t.refunds, t.disputes, t.tax, t.fees) == (
            e["gross"], e["refunds"], e["disputes"], e["tax"], e["fees"],
        )  # fmt: skip
        assert (t.rentals, t.purchases) == (e["rentals"], e["purchases"])
        assert t.net == t.gross - t.refunds - t.disputes - t.tax - t.fees
        # The chart series and every breakdown add up to the same net.
        cr = report.for_currency(currency)
        for slices in (cr.series, cr.by_title, cr.by_country, cr.by_kind):
            assert sum(s.net for s in slices) == t.net
        # The download says the same, in major units.
        assert csv_net[currency] == Decimal(t.net).scaleb(-{"EUR": 2, "JPY": 0, "KWD": 3}[currency])
