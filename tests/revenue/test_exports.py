"""CSV and XLSX downloads, read back and checked column by column."""

from __future__ import annotations

import csv
import io
import types
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import openpyxl
from hypothesis import given
from hypothesis import strategies as st

from storefront import money
from storefront.extensions import db
from storefront.models import OfferKind
from storefront.services import reports
from storefront.services.reports import HEADER, ReportFilter
from storefront.services.reports.export import major_formatter, sqlite_batches

AT = datetime(2026, 3, 14, 15, 9, 26, 535897, tzinfo=UTC)


def _csv(response) -> list[dict[str, str]]:
    body = response.get_data()
    assert body.startswith("\ufeff".encode())  # UTF-8 with BOM: Excel opens it as UTF-8
    text = body.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == HEADER
    return [dict(zip(HEADER, row, strict=True)) for row in rows[1:]]


def _xlsx(response):
    return openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True)


def _sample(ledger, make_title, studio):
    other = make_title('=HYPERLINK("http://x") Ångström, "quoted"', studio=studio)
    rows = [
        ledger.sale(1999, tax=333, platform_fee=200, country="FR", at=AT, charge_id="ch_1"),
        ledger.refund(5, platform_fee=0, country="FR", at=AT + timedelta(seconds=1)),
        ledger.sale(
            1200, currency="JPY", kind=OfferKind.BUY, country="JP", processor_fee=43, title=other,
            settlement_currency="EUR", settlement_net=712, at=AT + timedelta(seconds=2),
        ),
        ledger.sale(12345, currency="KWD", country=None, at=AT + timedelta(seconds=3)),
        ledger.dispute(1999, processor_fee=1500, at=AT + timedelta(seconds=4)),
    ]  # fmt: skip
    ledger.application_fee(200, processor_fee=88, at=AT)  # the platform's: not in studio files
    return rows, other


def test_csv_has_one_row_per_entry_with_every_column(filmmaker_client, ledger, make_title, studio):
    entries, other = _sample(ledger, make_title, studio)
    response = filmmaker_client.get(f"/studio/{studio.slug}/revenue/export.csv?period=all")
    assert response.status_code == 200
    # One charset parameter: a doubled one is a malformed header some clients reject.
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response.headers["Content-Disposition"]
    rows = _csv(response)
    assert [r["entry_id"] for r in rows] == [str(e.id) for e in entries]
    sale, refund, yen, dinar, dispute = rows
    assert sale == {
        "entry_id": str(entries[0].id),
        "occurred_at": "2026-03-14T15:09:26Z",
        "entry_type": "sale",
        "order_id": "",
        "studio_id": str(studio.id),
        "title_id": str(ledger.title.id),
        "title": "The Long Winter",
        "kind": "rent",
        "country": "FR",
        "currency": "EUR",
        "gross": "19.99",
        "tax": "3.33",
        "processor_fee": "0.00",
        "platform_fee": "2.00",
        "net": "14.66",
        "settlement_currency": "EUR",
        "settlement_amount": "",
        "settlement_fee": "",
        "settlement_net": "14.66",
        "exchange_rate": "",
        "provider": "offline",
        "charge_id": "ch_1",
        "balance_transaction_id": entries[0].balance_transaction_id,
        "refund_id": "",
        "dispute_id": "",
        "event_id": entries[0].source_event_id,
        "promo_code": "",
        "discount": "0.00",
        "preorder": "no",
    }
    assert (yen["discount"], dinar["discount"]) == ("0", "0.000")  # the currency's digits
    assert (refund["entry_type"], refund["gross"], refund["net"]) == ("refund", "-0.05", "-0.05")
    assert refund["refund_id"] == entries[1].refund_id
    assert (yen["currency"], yen["gross"], yen["processor_fee"], yen["net"]) == (
        "JPY",
        "1200",
        "43",
        "1157",
    )
    assert (yen["settlement_currency"], yen["settlement_net"]) == ("EUR", "7.12")
    # A title that a spreadsheet would run as a formula is kept as text.
    assert yen["title"] == "'" + other.name and yen["title_id"] == str(other.id)
    assert (dinar["currency"], dinar["gross"], dinar["country"]) == ("KWD", "12.345", "")
    assert (dispute["gross"], dispute["processor_fee"], dispute["net"]) == (
        "-19.99",
        "15.00",
        "-34.99",
    )
    assert dispute["dispute_id"] == entries[4].dispute_id
    for row, entry in zip(rows, entries, strict=True):  # every amount through money.to_major_string
        assert row["gross"] == money.to_major_string(entry.gross, entry.currency)
        assert row["net"] == money.to_major_string(entry.net, entry.currency)


def test_admin_csv_holds_every_studio_and_the_platform_rows(
    admin_client, make_ledger, make_studio, make_title
):
    first = make_ledger(make_title("North", studio=make_studio(name="North Films")))
    second = make_ledger(make_title("South", studio=make_studio(name="South Films")))
    first.sale(1000, platform_fee=100)
    first.application_fee(100, processor_fee=59)
    second.sale(2000)
    response = admin_client.get("/admin/revenue/export.csv?period=all")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = _csv(response)
    assert [(r["title"], r["entry_type"]) for r in rows] == [
        ("North", "sale"), ("North", "application_fee"), ("South", "sale"),
    ]  # fmt: skip


def test_downloads_apply_the_filters(filmmaker_client, ledger, make_title, studio):
    second = make_title("Second Film", studio=studio)
    ledger.sale(100, country="NO", at=datetime(2026, 1, 5, 12, tzinfo=UTC))
    ledger.sale(200, country="SE", at=datetime(2026, 1, 6, 12, tzinfo=UTC), kind=OfferKind.BUY)
    ledger.sale(400, title=second, country="NO", at=datetime(2026, 1, 7, 12, tzinfo=UTC))
    ledger.sale(800, country="NO", at=datetime(2026, 2, 7, 12, tzinfo=UTC))
    base = f"/studio/{studio.slug}/revenue/export"
    cases = {
        "period=custom&start=2026-01-01&end=2026-01-31": ["1.00", "2.00", "4.00"],
        "period=custom&start=2026-01-06&end=2026-01-06": ["2.00"],
        f"period=all&title={second.id}": ["4.00"],
        "period=all&country=NO": ["1.00", "4.00", "8.00"],
        "period=all&kind=buy": ["2.00"],
        "period=custom&start=2026-01-01&end=2026-01-31&country=NO&kind=rent": ["1.00", "4.00"],
    }
    for query, expected in cases.items():
        assert [r["gross"] for r in _csv(filmmaker_client.get(f"{base}.csv?{query}"))] == expected
        book = _xlsx(filmmaker_client.get(f"{base}.xlsx?{query}"))
        grosses = [
            row[HEADER.index("gross")]
            for row in book["Entries"].iter_rows(min_row=2, values_only=True)
        ]
        assert [f"{Decimal(str(g)):.2f}" for g in grosses] == expected, query


def test_xlsx_has_the_same_columns_and_a_totals_sheet(filmmaker_client, ledger, make_title, studio):
    entries, other = _sample(ledger, make_title, studio)
    csv_rows = _csv(filmmaker_client.get(f"/studio/{studio.slug}/revenue/export.csv?period=all"))
    response = filmmaker_client.get(f"/studio/{studio.slug}/revenue/export.xlsx?period=all")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = _xlsx(response)
    assert book.sheetnames == ["Entries", "Totals"]
    sheet = list(book["Entries"].iter_rows(values_only=True))
    assert list(sheet[0]) == HEADER
    assert len(sheet) - 1 == len(csv_rows) == len(entries)
    amounts = {
        "gross", "tax", "processor_fee", "platform_fee", "net", "settlement_net", "discount"
    }  # fmt: skip
    for values, expected in zip(sheet[1:], csv_rows, strict=True):
        for name, cell in zip(HEADER, values, strict=True):
            text = expected[name]
            if name == "occurred_at":  # a real date-time cell, in UTC
                assert cell == datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ"), name
            elif name in amounts:  # a number, equal to the CSV's decimal text
                digits = len(text.partition(".")[2])
                assert Decimal(str(cell)).quantize(Decimal(1).scaleb(-digits)) == Decimal(text), (
                    name
                )
            elif name in {"entry_id", "order_id", "studio_id", "title_id"}:
                assert (str(cell) if cell is not None else "") == text, name
            else:
                assert (cell or "") == text, name
    totals = list(book["Totals"].iter_rows(values_only=True))
    assert totals[0] == (
        "currency",
        "entry_type",
        "entries",
        "gross",
        "tax",
        "processor_fee",
        "platform_fee",
        "net",
    )
    by_key = {(r[0], r[1]): r for r in totals[1:]}
    eur = by_key[("EUR", "all")]
    assert eur[2] == 3
    assert Decimal(str(eur[7])).quantize(Decimal("0.01")) == Decimal("14.66") - Decimal(
        "0.05"
    ) - Decimal("34.99")
    assert by_key[("JPY", "sale")][2:] == (1, 1200, 0, 43, 0, 1157)
    assert Decimal(str(by_key[("KWD", "all")][3])) == Decimal("12.345")


def test_downloads_stream_from_a_generator(app, filmmaker, ledger, studio):
    from flask_login import login_user

    ledger.sale(1000)
    for endpoint in ("studio_revenue.export_csv", "studio_revenue.export_xlsx"):
        with app.test_request_context():
            login_user(filmmaker)
            response = app.view_functions[endpoint](slug=studio.slug)
            assert response.is_streamed and "Content-Length" not in response.headers
            # Nothing is read until the server iterates: the body is a generator.
            assert isinstance(response.response, types.GeneratorType)
            assert next(iter(response.response))  # the first block is ready on its own
            response.close()


def test_sqlite_batches_keep_order_and_the_starting_snapshot(app, ledger, studio):
    if db.engine.dialect.name != "sqlite":
        return  # PostgreSQL streams one COPY or one server-side cursor instead
    start = datetime(2026, 1, 1, tzinfo=UTC)
    made = [ledger.sale(100 + n, at=start + timedelta(minutes=(n * 7) % 5)) for n in range(11)]
    batches = sqlite_batches(db.engine, ReportFilter(studio_id=studio.id), batch=3)
    seen = [row[0] for row in next(batches)]
    ledger.sale(999, at=start)  # arrives while the download is running: not in this file
    seen += [row[0] for rows in batches for row in rows]
    expected = [e.id for e in sorted(made, key=lambda e: (e.occurred_at, e.id))]
    assert seen == expected


def test_csv_export_of_many_rows_in_batches_matches_row_by_row(app, ledger, studio):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(25):
        ledger.sale(n + 1, at=start + timedelta(seconds=n // 2))
    f = ReportFilter(studio_id=studio.id)
    whole = b"".join(reports.csv_chunks(db.engine, f, batch=1000))
    small = b"".join(reports.csv_chunks(db.engine, f, batch=4))
    assert whole == small
    assert whole.count(b"\n") == 26


@given(
    st.integers(min_value=-(10**15), max_value=10**15),
    st.sampled_from(["EUR", "JPY", "KWD", "CLF", "USD", "ISK", "XYZ"]),
)
def test_fast_amount_formatting_equals_money_to_major_string(amount, currency):
    assert major_formatter(currency)(amount) == money.to_major_string(amount, currency)


def test_xlsx_rows_past_excels_limit_continue_on_another_sheet(tmp_path, monkeypatch):
    from storefront.services.reports import workbook

    monkeypatch.setattr(workbook, "SHEET_ROWS", 2)
    row = (1, "2026-01-01T00:00:00Z", "sale", None, 1, 1, "T", "rent", "NO", "EUR",
           100, 0, 0, 0, 100, "EUR", 100, 0, 100, None, "offline", "ch", "txn", None, None,
           "evt", None, 0, "no")  # fmt: skip
    path = tmp_path / "x.xlsx"
    workbook.write_workbook(str(path), [row] * 5)
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == ["Entries", "Entries 2", "Entries 3", "Totals"]
    assert [len(list(book[s].iter_rows())) for s in book.sheetnames[:3]] == [3, 3, 2]
    assert list(book["Totals"].iter_rows(values_only=True))[-1][:3] == ("EUR", "all", 5)
