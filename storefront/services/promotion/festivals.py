"""Festivals and their programme: editions run by an organiser studio, sections, invitations
to other studios' titles, and the one function that divides a festival sale.

A festival invites a title with the share it asks for; the title's studio accepts (agreeing to
that share for sales made through the festival) or declines. Only accepted titles can have
screenings sold. A title's ordinary store sales are never affected.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from flask_babel import gettext as _

from ...extensions import db
from ...models import (
    EntryType,
    Festival,
    FestivalSelection,
    LedgerEntry,
    Order,
    ProgrammeSection,
    SelectionStatus,
    Studio,
    Title,
    User,
    utcnow,
)
from ...models.ledger import SALE_TYPES
from .. import ServiceError
from ..accounts.studios import unique_slug
from ..payments import ledger
from ..payments.fees import share
from ..rights.shares import has_split

log = logging.getLogger(__name__)
FULL_SHARE_BP = 10_000
NAME_MAX = 160  # the length of festivals.name


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; ServiceError when it is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ServiceError(_("Unknown time zone: %(zone)s", zone=name)) from None


def festival_time(festival: Festival, local: datetime) -> datetime:
    """A wall-clock time in the festival's time zone (naive, as typed) as an aware UTC time."""
    if local.tzinfo is not None:
        return local
    return local.replace(tzinfo=zone(festival.timezone)).astimezone(ZoneInfo("UTC"))


def festival_problems(
    name: str, starts_on: date, ends_on: date, timezone: str
) -> dict[str, list[str]]:
    """What is wrong with a festival's name, dates and time zone, by form field (empty when
    nothing is): the rule for creating a festival and for editing one."""
    problems: dict[str, list[str]] = {}
    if not name.strip() or len(name.strip()) > NAME_MAX:
        problems["name"] = [_("Give the festival a name of up to 160 characters.")]
    if ends_on < starts_on:
        problems["ends_on"] = [_("A festival cannot end before it starts.")]
    try:
        zone(timezone)
    except ServiceError as exc:
        problems["timezone"] = [str(exc)]
    return problems


def create_festival(
    studio: Studio,
    name: str,
    starts_on: date,
    ends_on: date,
    timezone: str,
    share_bp: int,
    description: str = "",
    *,
    published: bool = True,
) -> Festival:
    """A festival edition organised by ``studio`` (whose members run it)."""
    problems = festival_problems(name, starts_on, ends_on, timezone)
    if problems:
        raise ServiceError(next(iter(problems.values()))[0])
    if not 0 <= share_bp <= FULL_SHARE_BP:
        raise ServiceError(_("The festival's share is between 0 and 100 %."))
    festival = Festival(
        studio_id=studio.id,
        slug=unique_slug(Festival, re.sub(r"\s+", " ", name).strip()),
        name=name.strip(),
        description=description,
        starts_on=starts_on,
        ends_on=ends_on,
        timezone=timezone,
        share_bp=share_bp,
        published=published,
    )
    db.session.add(festival)
    db.session.flush()
    return festival


def add_section(festival: Festival, name: str) -> ProgrammeSection:
    position = len(festival.sections)
    section = ProgrammeSection(festival_id=festival.id, name=name.strip(), position=position)
    db.session.add(section)
    db.session.flush()
    db.session.refresh(festival, ["sections"])
    return section


def festival_by_slug(slug: str) -> Festival | None:
    return db.session.scalar(sa.select(Festival).where(Festival.slug == slug))


def festivals_of(studio: Studio) -> list[Festival]:
    return list(
        db.session.scalars(
            sa.select(Festival).where(Festival.studio_id == studio.id).order_by(Festival.starts_on)
        )
    )


def published_festivals() -> list[Festival]:
    return list(
        db.session.scalars(
            sa.select(Festival)
            .where(Festival.published.is_(True))
            .order_by(Festival.starts_on.desc())
        )
    )


# -- invitations --------------------------------------------------------------------------


def invite_title(
    festival: Festival,
    title: Title,
    section: ProgrammeSection | None = None,
    share_bp: int | None = None,
) -> FestivalSelection:
    """Invite a title into the programme with the share the festival asks (its default)."""
    share_bp = festival.share_bp if share_bp is None else share_bp
    if not 0 <= share_bp <= FULL_SHARE_BP:
        raise ServiceError(_("The festival's share is between 0 and 100 %."))
    existing = db.session.scalar(
        sa.select(FestivalSelection).filter_by(festival_id=festival.id, title_id=title.id)
    )
    if existing is not None:
        raise ServiceError(_("%(title)s is already invited.", title=title.name))
    selection = FestivalSelection(
        festival_id=festival.id,
        title_id=title.id,
        section_id=section.id if section else None,
        share_bp=share_bp,
        status=SelectionStatus.INVITED,
    )
    db.session.add(selection)
    db.session.flush()
    log.info("Festival %s invited title %s", festival.slug, title.slug)
    return selection


def respond(selection: FestivalSelection, user: User, accept: bool) -> FestivalSelection:
    """The title's studio accepts (agreeing to the share) or declines an invitation."""
    if selection.status != SelectionStatus.INVITED:
        raise ServiceError(_("This invitation has already been answered."))
    selection.status = SelectionStatus.ACCEPTED if accept else SelectionStatus.DECLINED
    selection.responded_at = utcnow()
    selection.responded_by_id = user.id
    db.session.flush()
    return selection


def invitations_for(studio: Studio) -> list[FestivalSelection]:
    """Every invitation a studio's titles received, newest first."""
    return list(
        db.session.scalars(
            sa.select(FestivalSelection)
            .join(Title, Title.id == FestivalSelection.title_id)
            .where(Title.studio_id == studio.id)
            .order_by(FestivalSelection.invited_at.desc())
        )
    )


def programme(festival: Festival) -> list[FestivalSelection]:
    """The accepted titles, by section then title."""
    return list(
        db.session.scalars(
            sa.select(FestivalSelection)
            .join(Title, Title.id == FestivalSelection.title_id)
            .outerjoin(ProgrammeSection, ProgrammeSection.id == FestivalSelection.section_id)
            .where(
                FestivalSelection.festival_id == festival.id,
                FestivalSelection.status == SelectionStatus.ACCEPTED,
            )
            .order_by(ProgrammeSection.position, Title.name)
        )
    )


# -- the festival's share -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FestivalSplit:
    """How a festival sale's net divides: the festival's part, and the rest for the title."""

    festival_studio_id: int
    festival_part: int
    remainder: int


def festival_split(order: Order, net: int) -> FestivalSplit | None:
    """The one rule for dividing a festival ticket sale (None for any other order).

    The festival takes its agreed share (``order.festival_share_bp``, snapshot at checkout) of
    the sale's net, rounded half up; the remainder goes to the title's payee by the ordinary
    path, or, for a ticket charged on the platform, is divided by the order's split (see
    ``services.payments.transfers``: the net is then what the charge settled less tax and the
    platform's fee, and the festival is paid by transfer like the holders).
    """
    if order.festival_id is None or order.screening_id is None or not order.festival_share_bp:
        return None
    festival = db.session.get(Festival, order.festival_id)
    if festival is None:
        return None
    part = share(order.festival_share_bp, FULL_SHARE_BP, net)
    return FestivalSplit(festival.studio_id, part, net - part)


def _share_rows(
    order: Order,
    festival_studio_id: int,
    part: int,
    source: str,
    provider: str,
    at: datetime,
    *,
    title: Title | None = None,
    dispute_id: str | None = None,
) -> None:
    """The pair of rows moving ``part`` from the title's studio to the festival (negative: from
    the festival to the title's studio). ``title`` names the film when the order has none."""
    common = dict(provider=provider, occurred_at=at, dispute_id=dispute_id)
    share = ledger.record(order, EntryType.FESTIVAL_SHARE, source, gross=-part, **common)
    income = ledger.record(order, EntryType.FESTIVAL_INCOME, source, gross=part, **common)
    income.studio_id = festival_studio_id
    if title is not None:
        share.studio_id, share.title_id, share.title_name = title.studio_id, title.id, title.name
        income.title_id = title.id


def write_festival_share(order: Order, event_id: str, provider: str) -> FestivalSplit | None:
    """After the sale row: book the festival's part of the sale's net (once per sale event).

    Not for a ticket charged on the platform with a split: there the festival is paid by
    transfer with the holders (``payments.transfers.sync_order``), from the same net."""
    db.session.flush()
    if has_split(order.id):
        return None
    net = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.net), 0)).where(
            LedgerEntry.order_id == order.id,
            LedgerEntry.entry_type.in_(SALE_TYPES),
            LedgerEntry.studio_id == order.studio_id,
        )
    )
    split = festival_split(order, int(net or 0))
    if split is None or split.festival_part == 0:
        return split
    _share_rows(order, split.festival_studio_id, split.festival_part, event_id, provider, utcnow())
    return split


def reverse_festival_share(
    order: Order, refunded: int, full: bool, source: str, provider: str, at: datetime
) -> None:
    """A refund of ``refunded`` takes back the festival's part in proportion (the last refund
    takes what is left, so a full refund nets to zero). Tickets only: a refunded pass takes
    back its bookings' parts in ``reverse_pass_allocations``."""
    if order.screening_id is None or has_split(order.id):
        return  # a split ticket's festival part is reversed with the holders' transfers
    rows = _income_rows(order)
    if not rows:
        return
    booked = sum(r.gross for r in rows if r.gross > 0 and r.dispute_id is None)
    held = sum(r.gross for r in rows)
    back = held if full else min(held, share(refunded, order.amount, booked))
    if back:
        _share_rows(order, rows[0].studio_id, -back, source, provider, at)


def _income_rows(order: Order) -> list[LedgerEntry]:
    return list(
        db.session.scalars(
            sa.select(LedgerEntry).where(
                LedgerEntry.order_id == order.id,
                LedgerEntry.entry_type == EntryType.FESTIVAL_INCOME,
            )
        )
    )


def dispute_festival_share(
    order: Order, dispute_id: str, disputed: int, source: str, provider: str, at: datetime
) -> None:
    """A dispute opened on a ticket: the festival's part of the disputed amount goes back to
    the title's studio, which bears the chargeback (all it still holds when the dispute covers
    what is left of the sale). Tickets charged with a split are settled by transfers."""
    if order.screening_id is None or has_split(order.id):
        return
    rows = _income_rows(order)
    if not rows:
        return
    booked = sum(r.gross for r in rows if r.gross > 0 and r.dispute_id is None)
    held = sum(r.gross for r in rows)
    left = order.amount - order.amount_refunded
    back = held if disputed >= left else min(held, share(disputed, order.amount, booked))
    if back > 0:
        _share_rows(order, rows[0].studio_id, -back, source, provider, at, dispute_id=dispute_id)


def restore_festival_share(
    order: Order, dispute_id: str, source: str, provider: str, at: datetime
) -> None:
    """A dispute won: what it took from the festival is the festival's again."""
    if order.screening_id is None or has_split(order.id):
        return
    rows = [r for r in _income_rows(order) if r.dispute_id == dispute_id]
    taken = -sum(r.gross for r in rows)
    if taken > 0:
        _share_rows(order, rows[0].studio_id, taken, source, provider, at, dispute_id=dispute_id)


# -- passes: each booking of an N-film pass pays the film its part -----------------------


PASS_BOOKING = "pass-booking"  # noqa: S105 - a ledger source prefix


def pass_booking_part(pass_net: int, films: int, booked_before: int) -> int:
    """The part of an N-film pass's net one booking stands for: net / N rounded half up, the
    N-th booking taking what is left (so N bookings allocate the net exactly)."""
    unit = share(1, films, pass_net)
    if booked_before + 1 >= films:
        return pass_net - unit * booked_before
    return unit


def film_part_of_booking(pass_net: int, films: int, booked_before: int, share_bp: int) -> int:
    """What one booking pays the booked film: its part of the pass less the festival's share."""
    part = pass_booking_part(pass_net, films, booked_before)
    return part - share(share_bp, FULL_SHARE_BP, part)


def allocate_pass_booking(order: Order, title: Title, booking_id: int, share_bp: int) -> int:
    """A screening booked with an N-film pass: the film's studio receives its booking's part of
    the pass's net, less the festival's agreed share of it. Returns what the film's studio
    received. All-access passes allocate nothing: their revenue stays the festival's."""
    from ...models import PassHolding

    holding = db.session.scalar(sa.select(PassHolding).where(PassHolding.order_id == order.id))
    if holding is None or not holding.films_allowed or order.festival_id is None:
        return 0
    festival = db.session.get(Festival, order.festival_id)
    assert festival is not None
    pass_net, booked = db.session.execute(
        sa.select(
            sa.func.coalesce(
                sa.func.sum(
                    sa.case((LedgerEntry.entry_type == EntryType.SALE, LedgerEntry.net), else_=0)
                ),
                0,
            ),
            sa.func.count(LedgerEntry.id).filter(
                LedgerEntry.entry_type == EntryType.FESTIVAL_INCOME,
                LedgerEntry.source_event_id.like(f"{PASS_BOOKING}:%"),
            ),
        ).where(LedgerEntry.order_id == order.id, LedgerEntry.studio_id == festival.studio_id)
    ).one()
    to_film = film_part_of_booking(int(pass_net), holding.films_allowed, int(booked), share_bp)
    if to_film <= 0:
        return 0
    source = f"{PASS_BOOKING}:{booking_id}"
    _share_rows(order, festival.studio_id, -to_film, source, order.provider, utcnow(), title=title)
    return to_film


def reverse_pass_allocations(order: Order) -> None:
    """A refunded pass takes back what its bookings paid the films (called once)."""
    rows = db.session.scalars(
        sa.select(LedgerEntry).where(
            LedgerEntry.order_id == order.id,
            LedgerEntry.entry_type == EntryType.FESTIVAL_SHARE,
            LedgerEntry.source_event_id.like(f"{PASS_BOOKING}:%"),
        )
    ).all()
    festival = db.session.get(Festival, order.festival_id) if order.festival_id else None
    for row in rows:
        title = db.session.get(Title, row.title_id) if row.title_id else None
        if festival is None or title is None:
            continue
        source = f"{row.source_event_id}:refund"
        _share_rows(
            order, festival.studio_id, row.net, source, order.provider, utcnow(), title=title
        )
