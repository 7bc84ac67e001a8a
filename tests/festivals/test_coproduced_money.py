"""A co-produced film sold through a festival with Stripe Connect: the sale's net (charge less
Stripe's fee less the platform's fee) is divided exactly once: the festival takes its agreed
part, the rights holders divide the rest by their split. Each party's ledger rows add up to
its part to the minor unit, and each part reaches the party's own connected account.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from storefront.extensions import db
from storefront.models import PLATFORM_ENTRY_TYPES, LedgerEntry, Order, Studio

from ..payments.coproduction import (
    add_holder,
    nordic_benelux_rest,
    onboard_in_emulator,
    received_in_emulator,
)
from .conftest import buy_ticket, latest_order, session_id_from

FEE_PERCENT, FEE_FIXED = Decimal("10"), 30


@pytest.fixture
def connect_app(app):  # type: ignore[no-untyped-def]
    app.config.update(
        STRIPE_CONNECT=True, PLATFORM_FEE_PERCENT=FEE_PERCENT, PLATFORM_FEE_FIXED={"EUR": 30}
    )
    return app


@pytest.fixture
def belgian(make_studio) -> Studio:  # type: ignore[no-untyped-def]
    return make_studio(name="Bruxelles Films", country="BE")


@pytest.fixture
def accounts(connect_app, screening, studio, belgian, festival_studio, sdk, emu, webhooks):  # type: ignore[no-untyped-def]
    """The co-produced film's holders and the festival, each onboarded on its own account."""
    add_holder(screening.title, belgian)
    nordic_benelux_rest(screening.title, studio, belgian)
    return {
        "owner": onboard_in_emulator(sdk, emu, studio),
        "belgian": onboard_in_emulator(sdk, emu, belgian),
        "festival": onboard_in_emulator(sdk, emu, festival_studio),
    }


def half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def agreed_parts(emu, order: Order) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Each party's part by the agreed percentages, from what Stripe says the charge settled:
    the festival 30 % (half up), then 60/40 of the rest, the 60 % share taking the remainder."""
    charge = emu.objects("charge")[-1]
    txn = next(t for t in emu.balance_transactions() if t["id"] == charge["balance_transaction"])
    platform_fee = half_up(Decimal(order.amount) * FEE_PERCENT / 100) + FEE_FIXED
    to_share = txn["net"] - platform_fee
    festival = half_up(Decimal(to_share) * order.festival_share_bp / 10_000)
    rest = to_share - festival
    belgian = rest * 4000 // 10_000
    return {
        "festival": festival,
        "owner": rest - belgian,
        "belgian": belgian,
        "to_share": to_share,
        "platform_fee": platform_fee,
    }


def ledger_sum(studio_id: int, order: Order) -> int:
    """What a party's own ledger rows of the order add up to (the platform's rows left out)."""
    db.session.expire_all()
    rows = db.session.scalars(
        db.select(LedgerEntry).where(
            LedgerEntry.order_id == order.id,
            LedgerEntry.studio_id == studio_id,
            LedgerEntry.entry_type.not_in(PLATFORM_ENTRY_TYPES),
        )
    )
    return sum(r.net for r in rows)


def platform_kept(order: Order) -> int:
    db.session.expire_all()
    rows = db.session.scalars(
        db.select(LedgerEntry).where(
            LedgerEntry.order_id == order.id, LedgerEntry.entry_type.in_(PLATFORM_ENTRY_TYPES)
        )
    )
    return sum(r.net for r in rows)


def sell_ticket(viewer_client, emu, screening, viewer) -> Order:  # type: ignore[no-untyped-def]
    response = buy_ticket(viewer_client, screening, country="DE")
    assert response.status_code == 303, response.text
    emu.pay(session_id_from(response.location))
    return latest_order(viewer)


def test_the_festival_share_is_taken_once_and_each_party_gets_its_agreed_part(
    accounts, viewer_client, viewer, screening, studio, belgian, festival_studio, emu
):
    order = sell_ticket(viewer_client, emu, screening, viewer)
    parts = agreed_parts(emu, order)

    assert ledger_sum(festival_studio.id, order) == parts["festival"]
    assert ledger_sum(studio.id, order) == parts["owner"]
    assert ledger_sum(belgian.id, order) == parts["belgian"]
    shared = sum(ledger_sum(s.id, order) for s in (festival_studio, studio, belgian))
    assert shared == parts["to_share"]
    assert platform_kept(order) == parts["platform_fee"]


def platform_balance(emu) -> int:  # type: ignore[no-untyped-def]
    return sum(t["net"] for t in emu.balance_transactions())


def test_each_party_is_paid_its_part_by_transfer_from_the_charge(
    accounts, viewer_client, viewer, screening, studio, belgian, festival_studio, emu
):
    order = sell_ticket(viewer_client, emu, screening, viewer)
    parts = agreed_parts(emu, order)
    charge = emu.objects("charge")[-1]

    for transfer in emu.objects("transfer"):
        assert transfer["source_transaction"] == charge["id"]
        assert transfer["transfer_group"] == f"order-{order.public_id}"
    assert received_in_emulator(emu, accounts["festival"]) == parts["festival"]
    assert received_in_emulator(emu, accounts["owner"]) == parts["owner"]
    assert received_in_emulator(emu, accounts["belgian"]) == parts["belgian"]
    assert platform_balance(emu) == parts["platform_fee"] == platform_kept(order)


def test_a_dispute_takes_the_festival_part_back_and_a_won_dispute_restores_it(
    accounts, viewer_client, viewer, screening, studio, belgian, festival_studio, emu
):
    order = sell_ticket(viewer_client, emu, screening, viewer)
    parts = agreed_parts(emu, order)
    dispute = emu.dispute(emu.objects("charge")[-1]["id"])

    assert received_in_emulator(emu, accounts["festival"]) == 0
    assert ledger_sum(festival_studio.id, order) == 0
    reversal = db.session.scalar(
        db.select(LedgerEntry).where(
            LedgerEntry.order_id == order.id,
            LedgerEntry.studio_id == festival_studio.id,
            LedgerEntry.net < 0,
        )
    )
    assert reversal is not None and reversal.net == -parts["festival"]
    assert received_in_emulator(emu, accounts["owner"]) == 0 == ledger_sum(studio.id, order)

    emu.close_dispute(dispute["id"], won=True)

    for party, studio_id in (("festival", festival_studio.id), ("owner", studio.id)):
        assert received_in_emulator(emu, accounts[party]) == parts[party]
        assert ledger_sum(studio_id, order) == parts[party]
    assert platform_balance(emu) == parts["platform_fee"]


def test_a_partial_refund_takes_back_the_festival_part_in_proportion(
    accounts, viewer_client, viewer, screening, studio, festival_studio, emu, admin_client_factory
):
    order = sell_ticket(viewer_client, emu, screening, viewer)
    parts = agreed_parts(emu, order)
    admin = admin_client_factory()

    admin.post(
        f"/studio/{studio.slug}/orders/{order.public_id}",
        data={"amount": "2.00", "refund_part": "y"},
    )

    kept = parts["festival"] - half_up(Decimal(parts["festival"]) * 200 / order.amount)
    assert received_in_emulator(emu, accounts["festival"]) == kept
    assert ledger_sum(festival_studio.id, order) == kept

    admin.post(
        f"/studio/{studio.slug}/orders/{order.public_id}",
        data={"refund_all": "y", "confirm_all": "yes"},
    )

    assert received_in_emulator(emu, accounts["festival"]) == 0
    assert ledger_sum(festival_studio.id, order) == 0


def test_the_admins_platform_report_reads_the_festival_part_as_earned_not_disputed(
    accounts, viewer_client, viewer, screening, studio, belgian, festival_studio, emu
):
    from storefront.services.reports.filters import ReportFilter
    from storefront.services.reports.platform import platform_report

    order = sell_ticket(viewer_client, emu, screening, viewer)
    parts = agreed_parts(emu, order)

    report = platform_report(ReportFilter())
    [eur] = [c for c in report.currencies if c.currency == "EUR"]
    assert (eur.sales, eur.sales_volume, eur.disputes) == (1, order.amount, 0)
    assert eur.studio_net == parts["to_share"]
    assert eur.platform_net == parts["platform_fee"]
    festival_line = next(s for s in report.studios if s.studio_id == festival_studio.id)
    assert (festival_line.disputes, festival_line.studio_net) == (0, parts["festival"])
