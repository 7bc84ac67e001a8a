"""A co-produced film at a festival: the festival takes its agreed part of a ticket's net and
the film's rights holders divide the remainder by their split (the rental split)."""

from __future__ import annotations

from storefront.extensions import db
from storefront.models import PLATFORM_ENTRY_TYPES, EntryType, LedgerEntry, Studio
from storefront.services.accounts.audit import CommandLine
from storefront.services.rights.statements import holder_statement, record_manual_payout

from ..payments.coproduction import add_holder, nordic_benelux_rest, payouts
from .conftest import buy_ticket, latest_order, session_id_from


def statement_total(studio_id: int) -> int:
    """What the party's statement shows it has earned: received, waiting and owed."""
    statement = holder_statement(db.session.get(Studio, studio_id))
    return sum(
        sum(bucket.values()) for bucket in (statement.received, statement.waiting, statement.owed)
    )


def test_the_holders_divide_what_the_festival_leaves(
    make_studio, viewer_client, viewer, screening, studio, festival, emu, webhooks
):
    belgian = make_studio(name="Bruxelles Films", country="BE")
    film = screening.title
    add_holder(film, belgian)
    nordic_benelux_rest(film, studio, belgian)

    emu.pay(session_id_from(buy_ticket(viewer_client, screening, country="DE").location))

    order = latest_order(viewer)
    income = db.session.scalar(
        db.select(LedgerEntry.net).filter_by(
            order_id=order.id, entry_type=EntryType.FESTIVAL_INCOME
        )
    )
    assert income == 224  # 30 % of the ticket's €7.47 net
    shares = {p.studio_id: p.amount for p in payouts(order.id)}
    # 60/40 of the €5.23 left; the festival's part is owed to it like the holders' shares.
    assert shares == {studio.id: 314, belgian.id: 209, festival.studio_id: 224}
    assert {p.status for p in payouts(order.id)} == {"owed"}


def test_without_connect_what_each_party_is_owed_is_in_its_own_ledger(
    make_studio, viewer_client, viewer, screening, studio, festival, emu, webhooks
):
    """Single-account mode: nothing is transferred, the operator pays by hand; each party's
    figures (sums of its ledger rows) equal what it is owed, and paying by hand books nothing
    twice."""
    belgian = make_studio(name="Bruxelles Films", country="BE")
    add_holder(screening.title, belgian)
    nordic_benelux_rest(screening.title, studio, belgian)
    emu.pay(session_id_from(buy_ticket(viewer_client, screening, country="DE").location))
    order = latest_order(viewer)

    def ledger_net(studio_id: int) -> int:
        db.session.expire_all()
        return sum(
            r.net
            for r in db.session.scalars(db.select(LedgerEntry).filter_by(studio_id=studio_id))
            if r.entry_type not in PLATFORM_ENTRY_TYPES
        )

    owed = {p.studio_id: p.amount for p in payouts(order.id)}
    for party in (studio.id, belgian.id, festival.studio_id):
        assert ledger_net(party) == owed[party] == statement_total(party)

    record_manual_payout(belgian.id, "EUR", "SEPA 2026-11-30", by=CommandLine("ops"))
    db.session.commit()

    assert ledger_net(belgian.id) == owed[belgian.id] == statement_total(belgian.id)
