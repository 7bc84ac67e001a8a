"""With Stripe Connect, a festival ticket of a film with one owner is charged on the platform
and paid out by transfers: the festival's agreed part to the festival's connected account, the
rest to the filmmaker's, each tied to the charge. Before, the whole sale went to the
filmmaker's account and the festival's part existed only in the ledger."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from storefront.extensions import db
from storefront.models import PLATFORM_ENTRY_TYPES, LedgerEntry

from ..payments.coproduction import onboard_in_emulator, received_in_emulator
from .conftest import buy_ticket, latest_order, session_id_from


@pytest.fixture
def accounts(app, screening, studio, festival_studio, sdk, emu, webhooks):  # type: ignore[no-untyped-def]
    app.config.update(
        STRIPE_CONNECT=True, PLATFORM_FEE_PERCENT=Decimal("10"), PLATFORM_FEE_FIXED={"EUR": 30}
    )
    return {
        "filmmaker": onboard_in_emulator(sdk, emu, studio),
        "festival": onboard_in_emulator(sdk, emu, festival_studio),
    }


def own_rows(studio_id: int, order_id: int) -> int:
    db.session.expire_all()
    return sum(
        r.net
        for r in db.session.scalars(
            db.select(LedgerEntry).filter_by(order_id=order_id, studio_id=studio_id)
        )
        if r.entry_type not in PLATFORM_ENTRY_TYPES
    )


def test_the_festival_receives_its_part_on_its_own_account(
    accounts, viewer_client, viewer, screening, studio, festival_studio, emu
):
    response = buy_ticket(viewer_client, screening, country="NO")
    assert response.status_code == 303, response.text
    emu.pay(session_id_from(response.location))
    order = latest_order(viewer)

    charge = emu.objects("charge")[-1]
    txn = next(t for t in emu.balance_transactions() if t["id"] == charge["balance_transaction"])
    platform_fee = int((Decimal(order.amount) / 10).quantize(1, ROUND_HALF_UP)) + 30
    to_share = txn["net"] - platform_fee
    festival_part = int(
        (Decimal(to_share) * order.festival_share_bp / 10_000).quantize(1, ROUND_HALF_UP)
    )
    assert order.destination_account_id is None  # charged on the platform
    assert received_in_emulator(emu, accounts["festival"]) == festival_part
    assert received_in_emulator(emu, accounts["filmmaker"]) == to_share - festival_part
    assert own_rows(festival_studio.id, order.id) == festival_part
    assert own_rows(studio.id, order.id) == to_share - festival_part
    for transfer in emu.objects("transfer"):
        assert transfer["source_transaction"] == charge["id"]
    assert sum(t["net"] for t in emu.balance_transactions()) == platform_fee


def test_the_festival_and_the_filmmaker_read_the_ticket_in_their_reports(
    accounts, viewer_client, viewer, screening, studio, festival, festival_studio, emu
):
    from storefront.services.promotion import festival_reports

    emu.pay(session_id_from(buy_ticket(viewer_client, screening, country="NO").location))
    order = latest_order(viewer)

    [line] = festival_reports.sales(festival)
    assert (line.sold, line.gross) == (1, order.amount)
    assert line.festival_income == own_rows(festival_studio.id, order.id)
    [share] = festival_reports.filmmaker_shares(studio)
    assert share.tickets == 1
    assert share.own == own_rows(studio.id, order.id)
