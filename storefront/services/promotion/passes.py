"""Festival passes: all-access or good for N screenings, priced per territory, bought through
the ordinary checkout; once paid, the holder books screenings until the pass is used up.

Booking takes one use of the pass and one seat with conditional UPDATEs, and the ticket's
entitlement is unique per pass and screening, so a pass is consumed exactly once per
screening whatever the number of clicks; seat caps apply as to tickets.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from ...extensions import db
from ...models import (
    Entitlement,
    EntitlementStatus,
    FestivalPass,
    HoldingStatus,
    Order,
    PassHolding,
    PassKind,
    Screening,
    User,
)
from .. import ServiceError
from ..catalog.availability import Availability, evaluate
from ..payments.transfers import order_changed
from ..rights.shares import has_split
from .festival_money import allocate_pass_booking
from .screenings import NotOnSale, rule_of, screening_availability, take_seat, ticket_entitlement


class AlreadyBooked(ServiceError):
    """This pass already booked that screening."""


def pass_availability(
    festival_pass: FestivalPass, country: str | None, at: datetime
) -> Availability:
    """Whether the pass can be bought in ``country`` now, at which price, or why not."""
    sellable = bool(festival_pass.festival.published and festival_pass.active)
    return evaluate(0, [rule_of(festival_pass)], country, at, sellable)


def passes_of(festival_id: int) -> list[FestivalPass]:
    return list(
        db.session.scalars(
            sa.select(FestivalPass)
            .where(FestivalPass.festival_id == festival_id)
            .order_by(FestivalPass.amount)
        )
    )


def grant_holding(order: Order, granted_at: datetime) -> PassHolding:
    """What a paid pass order gives: the pass, with its allowance (once per order)."""
    festival_pass = db.session.get(FestivalPass, order.pass_id)
    assert festival_pass is not None
    holding = PassHolding(
        pass_id=festival_pass.id,
        festival_id=festival_pass.festival_id,
        user_id=order.user_id,
        order_id=order.id,
        films_allowed=festival_pass.films if festival_pass.kind == PassKind.FILMS else None,
        films_used=0,
        status=HoldingStatus.ACTIVE,
        granted_at=granted_at,
    )
    db.session.add(holding)
    return holding


def holdings_of(user_id: int, festival_id: int | None = None) -> list[PassHolding]:
    query = sa.select(PassHolding).where(PassHolding.user_id == user_id)
    if festival_id is not None:
        query = query.where(PassHolding.festival_id == festival_id)
    return list(db.session.scalars(query.order_by(PassHolding.granted_at.desc())))


def films_left(holding: PassHolding) -> int | None:
    if holding.films_allowed is None:
        return None
    return holding.films_allowed - holding.films_used


def booked_screening_ids(holding: PassHolding) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(Entitlement.screening_id).where(
                Entitlement.order_id == holding.order_id, Entitlement.screening_id.is_not(None)
            )
        )
    )


def book(
    user: User, holding: PassHolding, screening: Screening, country: str | None, at: datetime
) -> Entitlement:
    """Book ``screening`` with the pass: one use, one seat, one ticket, or say why not."""
    if holding.user_id != user.id or holding.festival_id != screening.festival_id:
        raise ServiceError(_("This pass is not valid for this screening."))
    if holding.status != HoldingStatus.ACTIVE:
        raise ServiceError(_("This pass was refunded and can no longer be used."))
    from .festival_sales import ticket_of  # festival sales build on passes

    held = ticket_of(user.id, screening.id)
    if held is not None and held.order_id != holding.order_id:
        # A bought ticket (or another pass's booking): a use and a seat would be spent twice.
        raise AlreadyBooked(_("You already have a ticket for this screening."))
    availability = screening_availability(screening, country, at)
    if not availability.is_available:
        raise NotOnSale(_("This screening cannot be booked here and now."), availability)
    # Taking a use first locks the holding (its row on PostgreSQL, the database on SQLite), so
    # the check below sees any booking a concurrent click just committed.
    used = db.session.execute(
        sa.update(PassHolding)
        .where(
            PassHolding.id == holding.id,
            PassHolding.status == HoldingStatus.ACTIVE,
            sa.or_(
                PassHolding.films_allowed.is_(None),
                PassHolding.films_used < PassHolding.films_allowed,
            ),
        )
        .values(films_used=PassHolding.films_used + 1)
        .execution_options(synchronize_session=False)
    )
    if screening.id in booked_screening_ids(holding):
        raise AlreadyBooked(_("Your pass already has this screening."))  # the use is rolled back
    if used.rowcount != 1:
        raise ServiceError(_("Your pass has no screenings left."))
    take_seat(screening.id)
    order = db.session.get(Order, holding.order_id)
    assert order is not None
    entitlement = ticket_entitlement(order, screening, at, country)
    db.session.flush()  # the (order, screening) key refuses a second booking
    if has_split(order.id):  # charged on the platform: the film is paid by transfer
        order_changed(order)
    else:
        allocate_pass_booking(order, screening.title, entitlement.id, screening.selection.share_bp)
    db.session.expire(holding, ["films_used"])
    return entitlement


def revoke_holding(order: Order) -> None:
    holding = db.session.scalar(sa.select(PassHolding).where(PassHolding.order_id == order.id))
    if holding is not None:
        holding.status = HoldingStatus.REVOKED


def suspend_or_restore(
    order: Order, status: EntitlementStatus, only_from: EntitlementStatus | None = None
) -> None:
    """Apply a dispute's effect to every entitlement a pass or bundle order granted (those in
    ``only_from``, when given)."""
    for entitlement in db.session.scalars(
        sa.select(Entitlement).where(Entitlement.order_id == order.id)
    ):
        if only_from is None or entitlement.status == only_from:
            entitlement.status = status
