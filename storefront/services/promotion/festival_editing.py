"""Editing a festival after it is set up: its details and sections, its screenings and passes.

Every edit checks everything first and changes nothing when anything is wrong
(``EditInvalid.errors``: field name -> messages, for the form to show next to each field).

What viewers already bought never changes: a ticket's window, live start and watching time
are copied onto its entitlement when it is granted (``screenings.ticket_entitlement``) and a
pass holding keeps its allowance (``passes.grant_holding``), so an edit only shapes what is
sold from now on. A ticket still being paid for is granted the window as it is when the
payment arrives, and refunded if the screening has closed by then
(``festival_sales.closed_before_payment``).

A seat cap is lowered with one conditional UPDATE (``seats_taken <= cap``), the same kind of
statement that takes a seat, so a buyer racing the edit either gets a seat under the old cap
that the new cap then has to respect, or is refused under the new one; the table's CHECK backs
this up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from ...extensions import db
from ...models import (
    Entitlement,
    Festival,
    FestivalPass,
    Order,
    OrderStatus,
    PassKind,
    ProgrammeSection,
    Screening,
    TerritoryMode,
)
from .. import ServiceError
from .festivals import festival_problems, section_name_problem, zone_time
from .screenings import window_problems

PASS_NAME_MAX = 120  # the length of festival_passes.name
MAX_PASS_FILMS = 1000  # more screenings than a festival runs; the column holds far more

# Orders that hold a screening's seat or a pass's terms: paid, being paid, or under review.
LIVE_ORDER_STATUSES = tuple(set(OrderStatus) - {OrderStatus.FAILED, OrderStatus.EXPIRED})


class EditInvalid(ServiceError):
    """The edit was refused; ``errors`` says why, field by field."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = errors


def add_error(errors: dict[str, list[str]], name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


# -- the festival -------------------------------------------------------------------------


@dataclass
class FestivalChange:
    name: str
    starts_on: date
    ends_on: date
    timezone: str
    description: str = ""
    section_names: dict[int, str] = field(default_factory=dict)  # id -> name; "" removes it
    new_section: str = ""
    published: bool = True  # on the store's festival list and page
    # When tickets and passes go on sale, on the festival's (new) wall clock; None: as soon as
    # it is published; KEEP_SALES_OPEN leaves the moment as it is.
    sales_open_local: datetime | None | str = None


KEEP_SALES_OPEN = "keep"


def edit_festival(festival: Festival, change: FestivalChange) -> None:
    """Rename, re-date, re-zone and re-describe the festival and rename or remove sections.

    The address (slug) stays, so links already shared keep working. Screening times are
    moments: a new time zone shows the same moments on another wall clock."""
    name = change.name.strip()
    errors = festival_problems(name, change.starts_on, change.ends_on, change.timezone)
    sections = {s.id: s for s in festival.sections}
    if any(section_id not in sections for section_id in change.section_names):
        add_error(errors, "sections", _("Choose sections of this festival."))
    for section_name in [*change.section_names.values(), change.new_section]:
        problem = section_name_problem(section_name)
        if problem and problem not in errors.get("sections", []):
            add_error(errors, "sections", problem)
    opening = change.sales_open_local
    if isinstance(opening, datetime) and opening.date() > change.ends_on:
        # Nothing could ever be sold: say so rather than save a festival that sells nothing.
        add_error(errors, "sales_open", _("Open sales on or before the festival's last day."))
    sales_open_at = None
    if isinstance(opening, datetime) and "timezone" not in errors:
        try:
            sales_open_at = zone_time(change.timezone, opening)  # on the new clock
        except ServiceError as exc:
            add_error(errors, "sales_open", str(exc))
    if errors:
        raise EditInvalid(errors)
    festival.name = name
    festival.starts_on, festival.ends_on = change.starts_on, change.ends_on
    festival.timezone = change.timezone
    if opening != KEEP_SALES_OPEN:
        festival.sales_open_at = sales_open_at
    festival.description = change.description
    # Hidden, the festival leaves the store's list and page; what viewers bought still plays.
    festival.published = change.published
    for section_id, section_name in change.section_names.items():
        if section_name.strip():
            sections[section_id].name = section_name.strip()
        else:  # its films stay in the programme, without a section (ON DELETE SET NULL)
            festival.sections.remove(sections[section_id])
    for position, section in enumerate(festival.sections):
        section.position = position
    if change.new_section.strip():
        festival.sections.append(
            ProgrammeSection(name=change.new_section.strip(), position=len(festival.sections))
        )
    db.session.flush()


# -- screenings ---------------------------------------------------------------------------


@dataclass
class ScreeningChange:
    """A screening's new terms, parsed (times as aware UTC moments)."""

    opens_at: datetime
    closes_at: datetime
    amount: int
    currency: str
    capacity: int | None = None
    watch_hours: int = 24
    live_start_at: datetime | None = None
    territory_mode: TerritoryMode = TerritoryMode.WORLDWIDE
    territories: list[dict] = field(default_factory=list)


def edit_screening(screening: Screening, change: ScreeningChange) -> None:
    """Apply ``change`` to the screening for tickets sold from now on, or EditInvalid."""
    live = change.live_start_at
    errors = window_problems(
        change.opens_at, change.closes_at, live, change.capacity, change.watch_hours
    )
    if change.amount < 1:
        add_error(errors, "price", _("The price must be more than zero."))
    if errors:
        raise EditInvalid(errors)
    cap = change.capacity
    result = db.session.execute(
        sa.update(Screening)
        .where(
            Screening.id == screening.id, sa.true() if cap is None else Screening.seats_taken <= cap
        )
        .values(
            opens_at=change.opens_at,
            closes_at=change.closes_at,
            live_start_at=live,
            watch_hours=change.watch_hours,
            capacity=cap,
            amount=change.amount,
            currency=change.currency.upper(),
            territory_mode=change.territory_mode,
            territories=[dict(t) for t in change.territories],
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        taken = db.session.scalar(
            sa.select(Screening.seats_taken).where(Screening.id == screening.id)
        )
        raise EditInvalid(
            {
                "capacity": [
                    _(
                        "The seat cap cannot go below %(seats)d: the tickets sold and those "
                        "being paid for right now.",
                        seats=taken or 0,
                    )
                ]
            }
        )
    db.session.expire(screening)


def remove_screening(screening: Screening) -> None:
    """Remove a screening nobody has a ticket for (nor is paying for one); else refuse."""
    sold = db.session.scalar(
        sa.select(sa.func.count(Entitlement.id)).where(Entitlement.screening_id == screening.id)
    )
    ordered = db.session.scalar(
        sa.select(sa.func.count(Order.id)).where(
            Order.screening_id == screening.id, Order.status.in_(LIVE_ORDER_STATUSES)
        )
    )
    if sold or ordered or screening.seats_taken:
        raise ServiceError(
            _(
                "Tickets for this screening were sold or are being paid for, so it cannot be "
                "removed. Change its window instead: ticket holders keep the window they bought."
            )
        )
    db.session.delete(screening)
    db.session.flush()


# -- passes -------------------------------------------------------------------------------


@dataclass
class PassChange:
    name: str
    amount: int
    currency: str
    films: int | None = None  # None: all access
    active: bool = True
    territory_mode: TerritoryMode = TerritoryMode.WORLDWIDE
    territories: list[dict] = field(default_factory=list)


def pass_problems(change: PassChange) -> dict[str, list[str]]:
    """What is wrong with a pass's name, allowance and price, by form field (empty when
    nothing is): the rule for adding a pass and for editing one."""
    errors: dict[str, list[str]] = {}
    name = change.name.strip()
    if not name or len(name) > PASS_NAME_MAX:
        add_error(errors, "name", _("Give the pass a name of up to 120 characters."))
    if change.films is not None and change.films < 1:
        add_error(errors, "films", _("A pass is good for at least one screening."))
    elif change.films is not None and change.films > MAX_PASS_FILMS:
        message = _("A pass is good for at most %(films)d screenings.", films=MAX_PASS_FILMS)
        add_error(errors, "films", message)
    if change.amount < 1:
        add_error(errors, "price", _("The price must be more than zero."))
    return errors


def add_pass(festival: Festival, change: PassChange) -> FestivalPass:
    """A new pass of the festival, on sale at once; EditInvalid when its terms are not sound."""
    errors = pass_problems(change)
    if errors:
        raise EditInvalid(errors)
    festival_pass = FestivalPass(
        festival_id=festival.id,
        name=change.name.strip(),
        kind=PassKind.FILMS if change.films else PassKind.ALL_ACCESS,
        films=change.films,
        territory_mode=change.territory_mode,
        territories=[dict(t) for t in change.territories],
        amount=change.amount,
        currency=change.currency.upper(),
        active=change.active,
    )
    db.session.add(festival_pass)
    db.session.flush()
    return festival_pass


def edit_pass(festival_pass: FestivalPass, change: PassChange) -> None:
    """New terms for passes sold from now on; withdrawn (``active`` False) it is no longer
    sold, while passes already bought keep their allowance and keep booking."""
    errors = pass_problems(change)
    kind = PassKind.FILMS if change.films else PassKind.ALL_ACCESS
    if (kind, change.films) != (festival_pass.kind, festival_pass.films) and _being_paid_for(
        festival_pass
    ):
        # A holding takes the pass's allowance when its payment arrives: wait for those.
        add_error(
            errors,
            "films",
            _("Someone is paying for this pass right now; change its screenings in a few minutes."),
        )
    if errors:
        raise EditInvalid(errors)
    festival_pass.name = change.name.strip()
    festival_pass.kind = kind
    festival_pass.films = change.films
    festival_pass.amount = change.amount
    festival_pass.currency = change.currency.upper()
    festival_pass.active = change.active
    festival_pass.territory_mode = change.territory_mode
    festival_pass.territories = [dict(t) for t in change.territories]
    db.session.flush()


def _being_paid_for(festival_pass: FestivalPass) -> bool:
    return bool(
        db.session.scalar(
            sa.select(sa.func.count(Order.id)).where(
                Order.pass_id == festival_pass.id, Order.status == OrderStatus.PENDING
            )
        )
    )
