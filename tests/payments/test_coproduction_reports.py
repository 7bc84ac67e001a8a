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

import pytest

from storefront.extensions import db
from storefront.services.reports import ReportFilter
from storefront.services.reports.aggregates import dashboard
from storefront.services.reports.export import csv_chunks
from storefront.services.reports.platform import platform_report

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
