"""An N-film festival pass charged on the platform (Stripe Connect): the festival is paid the
pass's net by transfer like a sole holder, and each booking pays the booked film's studio its
part (``promotion.festival_money.film_part_of_booking``) by a transfer from the pass's charge, taken
back from the festival's transfer by a reversal, so the money moves exactly as the ledger of a
pass sold without Connect says it does.

Movements of booking ``<id>`` (the ticket entitlement the booking granted): the festival's
reversal ``booking:<id>`` and the film's transfer ``sale:booking:<id>``; refunds and disputes of
the pass take the film's part back in proportion with causes suffixed ``:booking:<id>``
(``transfers.sync_order`` treats each booking's film as one more party of the sale).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from ...extensions import db
from ...models import Entitlement, Order, PassHolding, PayoutKind, Screening
from ..rights.shares import SALE

if TYPE_CHECKING:
    from .transfers import Movements

BOOKING = ":booking:"
Parties = dict[tuple[int | None, str], int]


def is_booking_cause(cause: str) -> bool:
    """A movement of a pass booking: the festival's (``booking:<id>``) or the film's."""
    return cause.startswith(BOOKING[1:]) or BOOKING in cause


def is_festival_side(cause: str) -> bool:
    """The festival giving up a booking's part (as opposed to the film receiving it)."""
    return cause.startswith(BOOKING[1:])


def booking_title_id(cause: str) -> int | None:
    """The booked film of a booking's movement (None for any other cause)."""
    if not is_booking_cause(cause):
        return None
    booking_id = cause.rsplit(":", 1)[-1]
    if not booking_id.isdigit():
        return None
    return db.session.scalar(
        sa.select(Entitlement.title_id).where(Entitlement.id == int(booking_id))
    )


def _bookings(order: Order) -> list[tuple[Entitlement, Screening]]:
    return list(
        db.session.execute(
            sa.select(Entitlement, Screening)
            .join(Screening, Screening.id == Entitlement.screening_id)
            .where(Entitlement.order_id == order.id)
            .order_by(Entitlement.id)
        ).tuples()
    )


def add_bookings(order: Order, moves: Movements, parts: Parties) -> None:
    """Write the movements of the pass's bookings not yet paid for, and make each booked film a
    party of the sale: the film's part joins ``parts`` and the festival's part shrinks by it."""
    from ..promotion.festival_money import film_part_of_booking  # festivals build on payments

    holding = db.session.scalar(sa.select(PassHolding).where(PassHolding.order_id == order.id))
    festival_key = (order.studio_id, "")
    if holding is None or not holding.films_allowed or festival_key not in parts:
        return  # an all-access pass pays no film
    pass_net = parts[festival_key]  # what the festival was paid of the pass
    for booked_before, (booking, screening) in enumerate(_bookings(order)):
        film_studio_id = screening.title.studio_id
        if film_studio_id == order.studio_id:
            continue  # the festival's own film: its part stays where it is
        suffix = f"{BOOKING}{booking.id}"
        cause = f"{BOOKING[1:]}{booking.id}"
        part = film_part_of_booking(
            pass_net, holding.films_allowed, booked_before, screening.selection.share_bp
        )
        if (order.studio_id, cause) not in moves.rows:
            # Never more than the festival still holds of the pass (a pass partly refunded).
            left = sum(m.amount for (sid, _), m in moves.rows.items() if sid == order.studio_id)
            part = min(part, max(left, 0))
        taken = -moves.ensure(order.studio_id, cause, PayoutKind.REVERSAL, -part)
        paid = moves.ensure(film_studio_id, SALE + suffix, PayoutKind.TRANSFER, taken)
        parts[festival_key] -= taken
        parts[(film_studio_id, suffix)] = paid


def booked_after(order: Order, moves: Movements, key: tuple[int | None, str], cause: str) -> bool:
    """Whether party ``key`` is a film booked after the refund or dispute ``cause`` was taken
    back from the festival: that one never touched the film's part, the festival bore it."""
    if BOOKING not in key[1]:
        return False
    booking = moves.rows.get((order.studio_id, key[1][1:]))  # the festival's ``booking:<id>``
    earlier = moves.rows.get((order.studio_id, cause))
    if booking is None or earlier is None:
        return False
    if earlier.id is None:  # taken back in this same run: the booking was there before
        return False
    return booking.id is None or earlier.id < booking.id
