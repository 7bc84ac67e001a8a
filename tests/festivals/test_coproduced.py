"""A co-produced film at a festival: the festival takes its agreed part of a ticket's net and
the film's rights holders divide the remainder by their split (the rental split)."""

from __future__ import annotations

from storefront.extensions import db
from storefront.models import EntryType, LedgerEntry

from ..payments.coproduction import add_holder, nordic_benelux_rest, payouts
from .conftest import buy_ticket, latest_order, session_id_from


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
    assert shares == {studio.id: 314, belgian.id: 209}  # 60/40 of the €5.23 left
