"""With Stripe Connect, an N-film pass is charged on the platform and paid out by transfers: the
festival receives the pass's net, and each booking pays the booked film's studio its agreed
part of the booking's value by a transfer from the pass's charge (taken from the festival's).
A refund or a dispute takes every part back in proportion. Before, the films' parts existed only
in the ledger and never reached their studios' connected accounts."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest

from storefront.extensions import db
from storefront.models import PLATFORM_ENTRY_TYPES, LedgerEntry, Order, PassHolding, utcnow
from storefront.services.promotion import festivals, screenings

from ..payments.coproduction import onboard_in_emulator, received_in_emulator
from .conftest import book, buy_pass, latest_order, session_id_from

FEE_PERCENT, FEE_FIXED = Decimal("10"), 30


def half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@pytest.fixture
def second_screening(festival, make_studio, make_title, organiser):  # type: ignore[no-untyped-def]
    """A film of another studio, programmed at 20 % for the festival, with a screening."""
    other = make_studio(name="Helsinki Shorts", country="FI")
    film = make_title("White Nights", studio=other)
    chosen = festivals.invite_title(festival, film, share_bp=2000)
    festivals.respond(chosen, organiser, accept=True)
    now = utcnow()
    screening = screenings.add_screening(
        chosen, now - timedelta(hours=1), now + timedelta(days=2), 900, "EUR"
    )
    db.session.commit()
    return screening


@pytest.fixture
def accounts(app, screening, second_screening, studio, festival_studio, sdk, emu, webhooks):  # type: ignore[no-untyped-def]
    app.config.update(
        STRIPE_CONNECT=True, PLATFORM_FEE_PERCENT=FEE_PERCENT, PLATFORM_FEE_FIXED={"EUR": FEE_FIXED}
    )
    return {
        "first": onboard_in_emulator(sdk, emu, studio),
        "second": onboard_in_emulator(sdk, emu, second_screening.title.studio),
        "festival": onboard_in_emulator(sdk, emu, festival_studio),
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


def expected_parts(emu, order: Order, first_bp: int, second_bp: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The pass's net (what the charge settled less the platform's fee) in two halves (half up,
    the second taking the rest); each film gets its half less the festival's agreed share."""
    charge = emu.objects("charge")[-1]
    txn = next(t for t in emu.balance_transactions() if t["id"] == charge["balance_transaction"])
    platform_fee = half_up(Decimal(order.amount) * FEE_PERCENT / 100) + FEE_FIXED
    net = txn["net"] - platform_fee
    first_half = half_up(Decimal(net) / 2)
    second_half = net - first_half
    first = first_half - half_up(Decimal(first_half) * first_bp / 10_000)
    second = second_half - half_up(Decimal(second_half) * second_bp / 10_000)
    return {"first": first, "second": second, "festival": net - first - second, "net": net}


def pass_with_two_bookings(viewer_client, viewer, make_pass, screening, second_screening, emu):  # type: ignore[no-untyped-def]
    response = buy_pass(viewer_client, make_pass(films=2, amount=2000))
    assert response.status_code == 303, response.text
    emu.pay(session_id_from(response.location))
    order = latest_order(viewer)
    holding = db.session.scalar(db.select(PassHolding).filter_by(order_id=order.id))
    assert book(viewer_client, screening, holding.id).status_code == 303
    assert book(viewer_client, second_screening, holding.id).status_code == 303
    return order


@pytest.fixture
def booked(accounts, viewer_client, viewer, make_pass, screening, second_screening, emu):  # type: ignore[no-untyped-def]
    """A paid two-film pass with both films booked, every party onboarded: the order and
    what each party's part of it should be."""
    order = pass_with_two_bookings(
        viewer_client, viewer, make_pass, screening, second_screening, emu
    )
    return order, expected_parts(emu, order, 3000, 2000)


def test_each_booked_film_is_paid_its_part_of_the_pass_by_transfer(
    booked, accounts, second_screening, studio, festival_studio, emu
):
    order, parts = booked
    charge = emu.objects("charge")[-1]

    assert order.destination_account_id is None  # charged on the platform
    for party in ("first", "second", "festival"):
        assert received_in_emulator(emu, accounts[party]) == parts[party], party
    assert ledger_sum(studio.id, order) == parts["first"]
    assert ledger_sum(second_screening.title.studio_id, order) == parts["second"]
    assert ledger_sum(festival_studio.id, order) == parts["festival"]
    for transfer in emu.objects("transfer"):
        assert transfer["source_transaction"] == charge["id"]
        assert transfer["transfer_group"] == f"order-{order.public_id}"
    kept = sum(t["net"] for t in emu.balance_transactions())
    assert kept == half_up(Decimal(order.amount) * FEE_PERCENT / 100) + FEE_FIXED


def test_the_filmmaker_reads_its_pass_bookings_in_its_festival_shares(booked, studio):
    from storefront.services.promotion import festival_reports

    order, parts = booked

    [line] = festival_reports.filmmaker_shares(studio)
    assert (line.pass_bookings, line.from_passes, line.own) == (1, parts["first"], parts["first"])


def test_a_refunded_pass_takes_back_what_each_film_received(
    booked, accounts, second_screening, studio, festival_studio, emu, sdk
):
    order, parts = booked

    sdk.v1.refunds.create({"charge": order.charge_id, "amount": 500})

    for party in ("first", "second", "festival"):
        kept = parts[party] - half_up(Decimal(parts[party]) * 500 / order.amount)
        assert received_in_emulator(emu, accounts[party]) == kept, party
    assert ledger_sum(studio.id, order) == received_in_emulator(emu, accounts["first"])

    sdk.v1.refunds.create({"charge": order.charge_id})

    for party, studio_id in (
        ("first", studio.id),
        ("second", second_screening.title.studio_id),
        ("festival", festival_studio.id),
    ):
        assert received_in_emulator(emu, accounts[party]) == 0, party
        assert ledger_sum(studio_id, order) == 0, party


def test_a_disputed_pass_takes_the_films_parts_back_until_the_dispute_is_won(
    booked, accounts, studio, emu
):
    order, parts = booked

    dispute = emu.dispute(order.charge_id)
    assert received_in_emulator(emu, accounts["first"]) == 0 == ledger_sum(studio.id, order)

    emu.close_dispute(dispute["id"], won=True)
    for party in ("first", "second", "festival"):
        assert received_in_emulator(emu, accounts[party]) == parts[party], party
    assert ledger_sum(studio.id, order) == parts["first"]


def test_a_film_whose_studio_cannot_be_paid_yet_is_held_then_paid(
    app, screening, second_screening, studio, festival_studio, sdk, emu, webhooks,
    viewer_client, viewer, make_pass,
):  # fmt: skip
    app.config.update(
        STRIPE_CONNECT=True, PLATFORM_FEE_PERCENT=FEE_PERCENT, PLATFORM_FEE_FIXED={"EUR": FEE_FIXED}
    )
    first = onboard_in_emulator(sdk, emu, studio, finish=False)
    second = onboard_in_emulator(sdk, emu, second_screening.title.studio)
    onboard_in_emulator(sdk, emu, festival_studio)
    order = pass_with_two_bookings(
        viewer_client, viewer, make_pass, screening, second_screening, emu
    )
    parts = expected_parts(emu, order, 3000, 2000)
    assert received_in_emulator(emu, first) == 0 == ledger_sum(studio.id, order)
    assert received_in_emulator(emu, second) == parts["second"]

    emu.complete_onboarding(first)

    assert received_in_emulator(emu, first) == parts["first"] == ledger_sum(studio.id, order)


def test_a_booking_after_a_partial_refund_pays_the_film_its_whole_part_from_the_festival(
    accounts,
    viewer_client,
    viewer,
    make_pass,
    screening,
    second_screening,
    studio,
    festival_studio,
    emu,
    sdk,
):
    response = buy_pass(viewer_client, make_pass(films=2, amount=2000))
    emu.pay(session_id_from(response.location))
    order = latest_order(viewer)
    holding = db.session.scalar(db.select(PassHolding).filter_by(order_id=order.id))
    parts = expected_parts(emu, order, 3000, 2000)
    assert book(viewer_client, screening, holding.id).status_code == 303
    sdk.v1.refunds.create({"charge": order.charge_id, "amount": 500})

    assert book(viewer_client, second_screening, holding.id).status_code == 303

    # The refund came before the second film was booked: the festival alone bore its part.
    first_kept = parts["first"] - half_up(Decimal(parts["first"]) * 500 / order.amount)
    assert received_in_emulator(emu, accounts["first"]) == first_kept
    assert received_in_emulator(emu, accounts["second"]) == parts["second"]
    for party, studio_id in (
        ("first", studio.id),
        ("second", second_screening.title.studio_id),
        ("festival", festival_studio.id),
    ):
        assert ledger_sum(studio_id, order) == received_in_emulator(emu, accounts[party]), party

    sdk.v1.refunds.create({"charge": order.charge_id})

    for party in ("first", "second", "festival"):
        assert received_in_emulator(emu, accounts[party]) == 0, party


def test_the_festival_reads_what_it_kept_of_the_pass_in_its_sales(
    booked, festival, festival_studio
):
    from storefront.services.promotion import festival_reports

    order, _ = booked

    [line] = [s for s in festival_reports.sales(festival) if s.title_id is None]
    assert (line.name, line.sold, line.gross) == (order.title_name, 1, order.amount)
    assert line.festival_income == ledger_sum(festival_studio.id, order)


def test_settling_a_pass_again_moves_no_money_twice(booked, accounts, emu):
    from storefront.tasks.rights import settle

    order, parts = booked
    transfers_before = len(emu.objects("transfer"))

    settle(order.id)
    settle(order.id)

    assert len(emu.objects("transfer")) == transfers_before
    for party in ("first", "second", "festival"):
        assert received_in_emulator(emu, accounts[party]) == parts[party], party
