# ruff: noqa: F811
"""Revenue figures of a co-produced title's sales: every party sees the sum of its own balance
transactions. The owner's dashboard and CSV show what its account received (its transfers less
their reversals), never the whole sale; the admin's "platform keeps" is the platform's balance.

Every figure is checked against the emulator's own balance transactions.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest

from storefront.extensions import db
from storefront.services.reports import ReportFilter
from storefront.services.reports.aggregates import dashboard
from storefront.services.reports.export import csv_chunks
from storefront.services.reports.platform import platform_report
from tests.conftest import PASSWORD

from .coproduction import onboard_in_emulator, received_in_emulator
from .test_coproduction_transfers import (  # noqa: F401 (fixtures)
    belgian,
    buy,
    connect_app,
    coproduced,
)


def platform_balance(emu) -> int:  # type: ignore[no-untyped-def]
    return sum(t["net"] for t in emu.balance_transactions())


def received_by_balance(emu, account_id: str) -> int:  # type: ignore[no-untyped-def]
    """What reached ``account_id``: the platform's transfer and reversal balance transactions
    for that account's transfers, with the opposite sign."""
    transfers = {t["id"] for t in emu.objects("transfer") if t["destination"] == account_id}
    reversals = {r["id"] for r in emu.objects("transfer_reversal") if r["transfer"] in transfers}
    mine = transfers | reversals
    return -sum(t["net"] for t in emu.balance_transactions() if t.get("source") in mine)


def owner_csv_net(studio_id: int) -> int:
    body = b"".join(csv_chunks(db.engine, ReportFilter(studio_id=studio_id)))
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows, "the owner's export has no rows"
    assert {r["currency"] for r in rows} == {"EUR"}
    return int(sum(Decimal(r["net"]) for r in rows) * 100)


def owner_totals(studio_id: int):  # type: ignore[no-untyped-def]
    report = dashboard(ReportFilter(studio_id=studio_id)).for_currency("EUR")
    assert report is not None
    return report.totals


def platform_keeps() -> int:
    eur = next(c for c in platform_report(ReportFilter()).currencies if c.currency == "EUR")
    return eur.platform_net


def check_every_party(emu, studio, belgian_studio, owner_acct: str, belgian_acct: str) -> None:  # type: ignore[no-untyped-def]
    db.session.expire_all()
    owner = received_by_balance(emu, owner_acct)
    assert owner == received_in_emulator(emu, owner_acct)
    assert owner_totals(studio.id).net == owner
    assert owner_csv_net(studio.id) == owner
    other = received_by_balance(emu, belgian_acct)
    assert owner_totals(belgian_studio.id).net == other
    assert platform_keeps() == platform_balance(emu)


@pytest.fixture
def holders(coproduced, studio, belgian, sdk, emu):  # type: ignore[no-untyped-def]  # noqa: F811
    return onboard_in_emulator(sdk, emu, studio), onboard_in_emulator(sdk, emu, belgian)


def test_the_owner_sees_its_share_and_the_platform_its_fee(
    holders,
    coproduced,
    studio,
    belgian,
    emu,
    viewer_client,  # noqa: F811
):
    buy(viewer_client, emu, coproduced, "DE")

    check_every_party(emu, studio, belgian, *holders)
    totals = owner_totals(studio.id)
    # 12.99 sold; the owner received its 60 % of 10.71, not the whole sale.
    assert (totals.gross, totals.net, totals.sales) == (643, 643, 1)
    assert platform_keeps() == 160


def test_after_a_partial_refund(
    holders,
    coproduced,
    studio,
    belgian,
    emu,
    viewer_client,
    admin_client_factory,  # noqa: F811
):
    order = buy(viewer_client, emu, coproduced, "DE")
    admin_client_factory().post(
        f"/studio/{studio.slug}/orders/{order.public_id}",
        data={"amount": "4.50", "refund_part": "y"},
    )

    check_every_party(emu, studio, belgian, *holders)
    totals = owner_totals(studio.id)
    assert (totals.refunds, totals.net, totals.refund_count) == (223, 643 - 223, 1)


def test_after_a_lost_dispute(holders, coproduced, studio, belgian, emu, viewer_client):  # noqa: F811
    buy(viewer_client, emu, coproduced, "DE")
    dispute = emu.dispute(emu.objects("charge")[0]["id"])
    emu.close_dispute(dispute["id"], won=False)

    check_every_party(emu, studio, belgian, *holders)
    assert owner_totals(studio.id).net == 0
    assert platform_keeps() == 160 - 1299 - 1500 + 1071


def test_after_a_won_dispute(holders, coproduced, studio, belgian, emu, viewer_client):  # noqa: F811
    buy(viewer_client, emu, coproduced, "DE")
    dispute = emu.dispute(emu.objects("charge")[0]["id"])
    emu.close_dispute(dispute["id"], won=True)

    check_every_party(emu, studio, belgian, *holders)
    assert owner_totals(studio.id).net == 643


def test_the_holder_downloads_its_shares_as_xlsx_equal_to_what_reached_its_account(
    app,
    holders,
    coproduced,
    studio,
    belgian,
    emu,
    viewer_client,
    admin_client_factory,  # noqa: F811
):
    """The Shares page offered CSV only, unlike every other revenue report."""
    order = buy(viewer_client, emu, coproduced, "DE")
    admin_client_factory().post(
        f"/studio/{studio.slug}/orders/{order.public_id}",
        data={"amount": "4.50", "refund_part": "y"},
    )
    holder = app.test_client()
    holder.post("/login", data={"email": belgian.contact_email, "password": PASSWORD})

    page = holder.get(f"/studio/{belgian.slug}/holdings").text
    response = holder.get(f"/studio/{belgian.slug}/holdings.xlsx")

    assert f'href="/studio/{belgian.slug}/holdings.xlsx"' in page
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert f'filename="{belgian.slug}-shares.xlsx"' in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True)
    header, *lines = list(book["Shares"].iter_rows(values_only=True))
    assert header[:6] == ("date", "title", "country", "kind", "movement", "amount")
    assert sorted(line[4] for line in lines) == ["refund", "sale"]
    assert {line[1] for line in lines} == {coproduced.name}
    received = received_by_balance(emu, holders[1])
    assert int(sum(Decimal(str(line[5])) for line in lines) * 100) == received
    totals = list(book["Totals"].iter_rows(values_only=True))
    assert totals[0] == ("currency", "status", "lines", "amount")
    assert [(c, s, n) for c, s, n, _ in totals[1:]] == [("EUR", "paid", 2)]
    assert int(Decimal(str(totals[1][3])) * 100) == received
    assert "€" + str(Decimal(received) / 100) in page  # the page's "Paid to you"


def test_the_holder_s_revenue_export_names_none_of_the_owner_s_ids(
    app,
    holders,
    coproduced,
    studio,
    belgian,
    emu,
    viewer_client,
    admin_client_factory,  # noqa: F811
):
    """A co-producer's revenue download carried the owner's order id, its buyer's charge id
    and the store's internal payout id on every line of its shares."""
    order = buy(viewer_client, emu, coproduced, "DE")
    admin_client_factory().post(
        f"/studio/{studio.slug}/orders/{order.public_id}",
        data={"amount": "4.50", "refund_part": "y"},
    )
    holder = app.test_client()
    holder.post("/login", data={"email": belgian.contact_email, "password": PASSWORD})
    base = f"/studio/{belgian.slug}/revenue/export"

    body = holder.get(f"{base}.csv?period=all").get_data().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    book = openpyxl.load_workbook(
        io.BytesIO(holder.get(f"{base}.xlsx?period=all").get_data()), read_only=True
    )
    header, *cells = list(book["Entries"].iter_rows(values_only=True))
    sheet = [dict(zip(header, line, strict=True)) for line in cells]

    assert sorted(r["entry_type"] for r in rows) == ["holder_refund", "holder_share"]
    assert len(sheet) == len(rows)
    charge = emu.objects("charge")[0]["id"]
    for row in [*rows, *sheet]:
        assert row["order_id"] in ("", None)
        assert row["charge_id"] in ("", None) and row["promo_code"] in ("", None)
        assert row["event_id"] in ("", None)
        # The line's own reference: its entry, date, film and the buyer's country.
        assert row["entry_id"] and row["occurred_at"] and row["country"] == "DE"
    assert charge not in body and "payout:" not in body
    net = int(sum(Decimal(r["net"]) for r in rows) * 100)
    assert net == received_by_balance(emu, holders[1])
    assert int(sum(Decimal(str(r["net"])) for r in sheet) * 100) == net
    owner = b"".join(csv_chunks(db.engine, ReportFilter(studio_id=studio.id))).decode("utf-8-sig")
    mine = list(csv.DictReader(io.StringIO(owner)))
    assert {r["order_id"] for r in mine} == {str(order.id)}  # its own order, its own ids
    assert {r["charge_id"] for r in mine} == {charge}


def test_share_and_split_pages_name_the_country_in_the_readers_language(
    app,
    holders,
    coproduced,
    studio,
    belgian,
    emu,
    viewer_client,
    admin_client_factory,  # noqa: F811
):
    """Both pages showed the bare code ("DE") where the revenue page says "Germany"."""
    buy(viewer_client, emu, coproduced, "DE")
    holder = app.test_client()
    holder.post("/login", data={"email": belgian.contact_email, "password": PASSWORD})
    owner = admin_client_factory()
    pages = {
        "shares": (holder, f"/studio/{belgian.slug}/holdings"),
        "split sales": (owner, f"/studio/{studio.slug}/titles/{coproduced.id}/rights/sales"),
    }
    for name, (client, path) in pages.items():
        assert "<td>Germany</td>" in client.get(path).text, name
        assert "<td>Allemagne</td>" in client.get(path + "?lang=fr").text, name
