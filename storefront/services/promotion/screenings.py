"""Screenings: windows, territories, ticket prices and seat caps, and the tickets they grant.

Where and when a screening (or a pass) can be bought is the store's one availability rule
(``catalog.availability.evaluate``) applied to the screening as an offer: its window is the
offer's window, its territory rows the offer's rows (a row may set the ticket's price and
currency for its country).

Seats: ``seats_taken`` counts paid tickets, pass bookings and tickets held while their buyer
pays. A seat is taken with one conditional UPDATE (``seats_taken < capacity``), which the
database applies atomically, and the table's CHECK refuses any count above the cap; a held seat
is released when its order fails or expires, and a refunded ticket never started frees its seat.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from ...extensions import db
from ...models import (
    Entitlement,
    EntitlementStatus,
    Festival,
    FestivalPass,
    FestivalSelection,
    OfferKind,
    Order,
    Screening,
    SelectionStatus,
    TerritoryMode,
    Title,
)
from .. import ServiceError
from ..catalog.availability import (
    SELLABLE_STATUSES,
    Availability,
    OfferRule,
    TerritoryRule,
    admits,
    evaluate,
)
from ..catalog.offers import RENTAL_WATCH_HOURS
from ..watching.access import PlaybackRefused, Refusal
from ..watching.playback import film_length
from .festivals import day_moment, festival_time

# Bounds a person can mean; the columns (32-bit integers) hold far more than either.
MAX_SEATS = 1_000_000
WATCH_HOURS = RENTAL_WATCH_HOURS  # a ticket watches like a rental


class SoldOut(ServiceError):
    """Every seat of the screening is taken (or held by someone paying)."""


class NotOnSale(ServiceError):
    """The screening or pass cannot be bought here and now; carries the availability."""

    def __init__(self, message: str, availability: Availability) -> None:
        super().__init__(message)
        self.availability = availability


def _territory_rules(rows: list[dict]) -> dict[str, TerritoryRule]:
    return {
        str(r["country"]): TerritoryRule(
            country=str(r["country"]),
            blocked=bool(r.get("blocked")),
            amount=r.get("amount"),  # type: ignore[arg-type]
            currency=r.get("currency"),  # type: ignore[arg-type]
        )
        for r in rows or []
    }


def rule_of(item: Screening | FestivalPass) -> OfferRule:
    """A screening or pass as an offer, for the availability rule.

    Both go on sale when the festival's sales open (as soon as it is published, unless the
    organiser set a moment), ahead of the windows, as festival audiences expect; a ticket
    bought early plays from its window's opening (``ticket_entitlement``). A screening stays
    on sale until it closes to starting; a pass until ``pass_sales_end``."""
    is_screening = isinstance(item, Screening)
    return OfferRule(
        offer_id=item.id,
        kind=OfferKind.TICKET if is_screening else OfferKind.PASS,
        mode=TerritoryMode(item.territory_mode),
        amount=item.amount,
        currency=item.currency,
        available_from=item.festival.sales_open_at,
        available_until=stops_starting(item) if is_screening else pass_sales_end(item.festival),
        active=True if is_screening else item.active,
        territories=_territory_rules(item.territories),
    )


def stops_starting(screening: Screening) -> datetime:
    """When a screening closes to starting (and to sales): its window's close or, for a live
    screening of a film whose length is known, the moment the film ends for everyone, if that
    is sooner. A late viewer joins where everyone is; after the end there is nothing to join."""
    ends = live_film_ends(screening)
    return screening.closes_at if ends is None else min(screening.closes_at, ends)


def live_film_ends(screening: Screening) -> datetime | None:
    """When a live screening's film ends for everyone; None when the screening is not live
    or the film's length is unknown."""
    if screening.live_start_at is None:
        return None
    return _film_end(screening.live_start_at, film_length(screening.title))


def ticket_film_ends(entitlement: Entitlement) -> datetime | None:
    """When a live ticket's film ends for everyone; None for a ticket that is not live or
    whose film's length is unknown."""
    if entitlement.live_start_at is None or entitlement.screening_id is None:
        return None
    screening = db.session.get(Screening, entitlement.screening_id)
    return live_film_ends(screening) if screening is not None else None


def live_film_over(screening: Screening, at: datetime) -> bool:
    """The live screening's film has ended for everyone by ``at``: nothing left to join."""
    ends = live_film_ends(screening)
    return ends is not None and at >= ends


def _film_end(live_start_at: datetime, length: int | None) -> datetime | None:
    return live_start_at + timedelta(seconds=length) if length else None


def pass_sales_end(festival: Festival) -> datetime:
    """When a pass stops selling: the festival's last day is over and its last screening has
    closed to starting (whichever is later). After that it has nothing left to book."""
    end = day_moment(
        festival.timezone, datetime.combine(festival.ends_on + timedelta(days=1), time())
    )
    last_close = db.session.scalar(
        sa.select(sa.func.max(Screening.closes_at)).where(Screening.festival_id == festival.id)
    )
    if last_close is not None and last_close.tzinfo is None:
        last_close = last_close.replace(tzinfo=UTC)  # an aggregate skips the column's type
    return max(end, last_close) if last_close is not None else end


def on_sale(screening: Screening) -> bool:
    """The festival is public, the filmmaker accepted, and the film is on the store."""
    return bool(
        screening.festival.published
        and screening.selection.status == SelectionStatus.ACCEPTED
        and screening.title.status in SELLABLE_STATUSES
    )


def screening_availability(screening: Screening, country: str | None, at: datetime) -> Availability:
    """Whether a ticket can be bought in ``country`` at ``at``, at which price, or why not."""
    return evaluate(screening.title_id, [rule_of(screening)], country, at, on_sale(screening))


def admits_country(screening: Screening, country: str | None) -> bool:
    """The screening's territories include ``country`` (whatever the time)."""
    return admits(rule_of(screening), country)


def sold_in(item: Screening | FestivalPass) -> list[str]:
    """The countries a screening or pass is sold in when it is sold only in listed ones (empty
    when it is sold everywhere, or everywhere but some): what a refused viewer is told."""
    rule = rule_of(item)
    if rule.mode != TerritoryMode.ALLOW:
        return []
    return sorted(c for c in rule.territories if admits(rule, c))


def seats_left(screening: Screening) -> int | None:
    if screening.capacity is None:
        return None
    return max(0, screening.capacity - screening.seats_taken)


def is_sold_out(screening: Screening) -> bool:
    return screening.capacity is not None and screening.seats_taken >= screening.capacity


# -- seats --------------------------------------------------------------------------------
# The count changes in the database; "fetch" brings a screening this request already loaded up
# to date too (a buyer who held the last seat and starts again at a new price must not be told
# the screening is sold out by their own, given-back seat).


def take_seat(screening_id: int) -> None:
    """Take one seat, atomically; SoldOut when none is left."""
    result = db.session.execute(
        sa.update(Screening)
        .where(
            Screening.id == screening_id,
            sa.or_(Screening.capacity.is_(None), Screening.seats_taken < Screening.capacity),
        )
        .values(seats_taken=Screening.seats_taken + 1)
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:
        raise SoldOut(_("This screening is sold out."))


def release_seat(screening_id: int) -> None:
    """Give one seat back (a held ticket's payment failed or expired, or it was refunded)."""
    db.session.execute(
        sa.update(Screening)
        .where(Screening.id == screening_id, Screening.seats_taken > 0)
        .values(seats_taken=Screening.seats_taken - 1)
        .execution_options(synchronize_session="fetch")
    )


# -- tickets ------------------------------------------------------------------------------


def ticket_entitlement(
    order: Order, screening: Screening, granted_at: datetime, country: str | None
) -> Entitlement:
    """The right to watch one screening: from its window's opening (or live start) until it
    closes to start, then ``watch_hours`` once started (the hours the ticket was sold with,
    should the screening change while its buyer pays). ``country`` is where the ticket was
    bought or booked: it keeps playing there (``playback.check_territory``)."""
    entitlement = Entitlement(
        order_id=order.id,
        user_id=order.user_id,
        title_id=screening.title_id,
        kind=OfferKind.TICKET,
        status=EntitlementStatus.ACTIVE,
        granted_at=granted_at,
        screening_id=screening.id,
        not_before=screening.live_start_at or screening.opens_at,
        live_start_at=screening.live_start_at,
        start_by=stops_starting(screening),
        watch_hours=order.rental_watch_hours or screening.watch_hours,
        country=country,
    )
    db.session.add(entitlement)
    return entitlement


def live_position(entitlement: Entitlement, at: datetime, length: int | None) -> int | None:
    """For a live screening: where the film is now for everyone (seconds), else None.

    ``length``: the film's length in seconds, if known. Once the film has ended for everyone
    there is nothing left to join, whatever the ticket's hours to watch say: PlaybackRefused
    (LIVE_ENDED), so no player opens past the end."""
    if entitlement.live_start_at is None:
        return None
    ends = _film_end(entitlement.live_start_at, length)
    if ends is not None and at >= ends:
        raise PlaybackRefused(Refusal.LIVE_ENDED)
    return max(0, int((at - entitlement.live_start_at).total_seconds()))


def window_problems(
    opens_at: datetime,
    closes_at: datetime,
    live_at: datetime | None,
    capacity: int | None,
    watch_hours: int,
) -> dict[str, list[str]]:
    """What is wrong with a screening's window, live start, seat cap and hours to watch, by
    form field (empty when nothing is): the rule for adding a screening and for editing one."""
    problems: dict[str, list[str]] = {}
    if closes_at <= opens_at:
        problems["closes"] = [_("A screening must close after it opens.")]
    if capacity is not None and capacity < 1:
        problems["capacity"] = [_("A seat cap is at least one seat.")]
    elif capacity is not None and capacity > MAX_SEATS:
        problems["capacity"] = [_("A seat cap is at most %(seats)d seats.", seats=MAX_SEATS)]
    low, high = WATCH_HOURS
    if not low <= watch_hours <= high:
        problems["watch_hours"] = [
            _("Give viewers from %(low)d to %(high)d hours to watch.", low=low, high=high)
        ]
    if live_at is not None and not opens_at <= live_at < closes_at:
        problems["live_start"] = [_("A live start must fall within the screening's window.")]
    return problems


def add_screening(
    selection: FestivalSelection,
    opens_local: datetime,
    closes_local: datetime,
    amount: int,
    currency: str,
    *,
    capacity: int | None = None,
    watch_hours: int = 24,
    territory_mode: TerritoryMode = TerritoryMode.WORLDWIDE,
    territories: list[dict] | None = None,
    live_local: datetime | None = None,
) -> Screening:
    """A screening of a programmed title; times are wall-clock times in the festival's zone."""
    festival: Festival = selection.festival
    opens_at = festival_time(festival, opens_local)
    closes_at = festival_time(festival, closes_local)
    live_at = festival_time(festival, live_local) if live_local else None
    problems = window_problems(opens_at, closes_at, live_at, capacity, watch_hours)
    if amount < 1:
        problems.setdefault("price", []).append(_("Enter a ticket price."))
    if problems:
        raise ServiceError(next(iter(problems.values()))[0])
    screening = Screening(
        festival_id=festival.id,
        selection_id=selection.id,
        title_id=selection.title_id,
        opens_at=opens_at,
        closes_at=closes_at,
        live_start_at=live_at,
        watch_hours=watch_hours,
        territory_mode=territory_mode,
        territories=[dict(t) for t in territories or []],
        amount=amount,
        currency=currency.upper(),
        capacity=capacity,
        seats_taken=0,
    )
    db.session.add(screening)
    db.session.flush()
    return screening


def screenings_of(festival: Festival) -> list[Screening]:
    return list(
        db.session.scalars(
            sa.select(Screening)
            .join(Title, Title.id == Screening.title_id)
            .where(Screening.festival_id == festival.id)
            .order_by(Screening.opens_at, Title.name)
        )
    )


# -- tickets' lifetimes -------------------------------------------------------------------


def unstarted_tickets(order: Order) -> list[Entitlement]:
    return list(
        db.session.scalars(
            sa.select(Entitlement).where(
                Entitlement.order_id == order.id,
                Entitlement.screening_id.is_not(None),
                Entitlement.started_at.is_(None),
            )
        )
    )


def watch_deadline(entitlement: Entitlement) -> datetime | None:
    if entitlement.started_at is None or not entitlement.watch_hours:
        return None
    return entitlement.started_at + timedelta(hours=entitlement.watch_hours)
