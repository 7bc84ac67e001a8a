"""What a festival sold and who watched, and what each filmmaker earned through festivals:
read from the ledger (money) and the tickets (attendance), aggregated in SQL."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import sqlalchemy as sa

from ...extensions import db
from ...models import (
    PLATFORM_ENTRY_TYPES,
    Entitlement,
    EntitlementStatus,
    EntryType,
    Festival,
    LedgerEntry,
    OfferKind,
    Order,
    Screening,
    Studio,
    Title,
    WatchProgress,
)
from ...models.ledger import REFUND_TYPES, SALE_TYPES
from ..reports.export import safe_title

# A viewer "finished" a film once they reached this share of its length.
FINISHED_RATIO = 0.9
# A pass's own rows for the festival: its sale and refunds, or, charged on the platform
# (Connect), the transfer of its net and the reversals of it.
PASS_INCOME = (EntryType.SALE, EntryType.REFUND, EntryType.HOLDER_SHARE, EntryType.HOLDER_REFUND)


@dataclass(frozen=True, slots=True)
class SalesLine:
    """Festival sales in one currency, for one film (title_id) or for passes (None)."""

    currency: str
    title_id: int | None
    name: str
    sold: int
    gross: int
    refunded: int
    festival_income: int


def sales(festival: Festival) -> list[SalesLine]:
    """Tickets per film and passes, per currency: counts, gross, refunds, the festival's part."""
    ledger = LedgerEntry
    # A pass's rows (its sale, and what its bookings paid the films) make one line.
    line_title = sa.case((ledger.kind == OfferKind.PASS, None), else_=ledger.title_id)
    rows = db.session.execute(
        sa.select(
            ledger.currency,
            ledger.kind,
            line_title,
            sa.func.max(ledger.title_name),
            # A ticket charged on the platform (Connect) has split sale and refund rows.
            sa.func.sum(sa.case((ledger.entry_type.in_(SALE_TYPES), 1), else_=0)),
            sa.func.sum(sa.case((ledger.entry_type.in_(SALE_TYPES), ledger.gross), else_=0)),
            sa.func.sum(sa.case((ledger.entry_type.in_(REFUND_TYPES), -ledger.gross), else_=0)),
            sa.func.sum(
                sa.case(
                    (
                        sa.and_(
                            ledger.entry_type == EntryType.FESTIVAL_INCOME,
                            ledger.studio_id == festival.studio_id,
                        ),
                        ledger.net,
                    ),
                    (
                        sa.and_(
                            ledger.kind == OfferKind.PASS,
                            ledger.studio_id == festival.studio_id,
                            ledger.entry_type.in_(PASS_INCOME),
                        ),
                        ledger.net,
                    ),
                    else_=0,
                )
            ),
        )
        .join(Order, Order.id == ledger.order_id)
        .where(Order.festival_id == festival.id, ledger.entry_type != EntryType.FESTIVAL_SHARE)
        .group_by(ledger.currency, ledger.kind, line_title)
        .order_by(ledger.currency, ledger.kind.desc(), sa.func.max(ledger.title_name))
    ).all()
    return [
        SalesLine(
            currency=r[0],
            title_id=r[2] if r[1] != OfferKind.PASS else None,
            name=r[3],
            sold=int(r[4] or 0),
            gross=int(r[5] or 0),
            refunded=int(r[6] or 0),
            festival_income=int(r[7] or 0),
        )
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class Attendance:
    screening: Screening
    tickets: int  # valid tickets: bought singly or booked with a pass, not refunded
    started: int
    finished: int


def attendance(festival: Festival) -> list[Attendance]:
    """Per screening: tickets held, how many viewers started, how many finished."""
    finished_case = sa.case(
        (
            sa.and_(
                Entitlement.started_at.is_not(None),
                WatchProgress.duration_seconds > 0,
                WatchProgress.position_seconds >= WatchProgress.duration_seconds * FINISHED_RATIO,
            ),
            1,
        ),
        else_=0,
    )
    counts = {
        r[0]: r[1:]
        for r in db.session.execute(
            sa.select(
                Entitlement.screening_id,
                sa.func.count(Entitlement.id),
                sa.func.count(Entitlement.started_at),
                sa.func.sum(finished_case),
            )
            .join(Screening, Screening.id == Entitlement.screening_id)
            .outerjoin(
                WatchProgress,
                sa.and_(
                    WatchProgress.user_id == Entitlement.user_id,
                    WatchProgress.title_id == Entitlement.title_id,
                ),
            )
            .where(
                Screening.festival_id == festival.id,
                Entitlement.status != EntitlementStatus.REVOKED,
            )
            .group_by(Entitlement.screening_id)
        )
    }
    screenings = db.session.scalars(
        sa.select(Screening)
        .join(Title, Title.id == Screening.title_id)
        .where(Screening.festival_id == festival.id)
        .order_by(Screening.opens_at, Title.name)
    )
    return [
        Attendance(s, int(c[0]), int(c[1]), int(c[2] or 0))
        for s in screenings
        for c in [counts.get(s.id, (0, 0, 0))]
    ]


def attendance_csv(festival: Festival) -> str:
    """The attendance table as CSV (UTC times, ISO 8601); one row per screening, so small.
    Titles are typed by the filmmakers' studios: made safe for the organiser's spreadsheet."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["screening_id", "title", "opens_at_utc", "closes_at_utc", "capacity", "seats_taken",
         "tickets", "started", "finished"]
    )  # fmt: skip
    for a in attendance(festival):
        s = a.screening
        writer.writerow(
            [s.id, safe_title(s.title.name), s.opens_at.isoformat(), s.closes_at.isoformat(),
             s.capacity if s.capacity is not None else "", s.seats_taken, a.tickets, a.started,
             a.finished]
        )  # fmt: skip
    return buffer.getvalue()


@dataclass(frozen=True, slots=True)
class ShareLine:
    """A filmmaker's festival sales in one currency: what its tickets netted and the
    festival's agreed part of that, and what screenings booked with passes paid it."""

    festival_name: str
    currency: str
    tickets: int
    net: int
    festival_part: int
    pass_bookings: int
    from_passes: int

    @property
    def own(self) -> int:
        return self.net - self.festival_part + self.from_passes


def filmmaker_shares(studio: Studio) -> list[ShareLine]:
    """For each festival that sold the studio's titles: tickets, passes, the festival's part."""
    ledger = LedgerEntry
    is_ticket = ledger.kind == OfferKind.TICKET
    share_row = ledger.entry_type == EntryType.FESTIVAL_SHARE
    # Paid by transfer (a ticket charged on the platform), the film's share is its sale.
    sold = (EntryType.SALE, EntryType.HOLDER_SHARE)
    rows = db.session.execute(
        sa.select(
            Festival.name,
            ledger.currency,
            sa.func.sum(sa.case((sa.and_(is_ticket, ledger.entry_type.in_(sold)), 1), else_=0)),
            sa.func.sum(sa.case((sa.and_(is_ticket, ~share_row), ledger.net), else_=0)),
            sa.func.sum(sa.case((sa.and_(is_ticket, share_row), -ledger.net), else_=0)),
            sa.func.sum(sa.case((sa.and_(~is_ticket, share_row, ledger.net > 0), 1), else_=0)),
            sa.func.sum(sa.case((sa.and_(~is_ticket, share_row), ledger.net), else_=0)),
        )
        .join(Order, Order.id == ledger.order_id)
        .join(Festival, Festival.id == Order.festival_id)
        .where(
            ledger.studio_id == studio.id,
            ledger.kind.in_([OfferKind.TICKET, OfferKind.PASS]),
            ledger.entry_type.not_in(PLATFORM_ENTRY_TYPES),
        )
        .group_by(Festival.name, ledger.currency)
        .order_by(Festival.name, ledger.currency)
    ).all()
    return [ShareLine(r[0], r[1], *(int(v or 0) for v in r[2:])) for r in rows]
