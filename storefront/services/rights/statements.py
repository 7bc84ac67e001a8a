"""What each party sees of co-produced sales.

- A holder's statement: its own payouts only (date, film, country, kind, what happened, its
  amount, state), never the buyer, the order's other shares or the owner's other films. A
  movement made shows what the holder's own balance moved, as its balance transaction states
  it (NOK for a Norwegian account receiving EUR), beside what was sent (EUR) and the rate; one
  still to be made shows what will be sent. Its totals are sums of those rows, so what it was
  paid equals the sum of its own balance transactions (transfers less reversals).
- The owner's view of one title: every sale with its whole split and each payout's state.
- The operator's amounts owed (single-account mode) and the manual payouts recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from ...extensions import db
from ...i18n import current_locale
from ...models import HolderPayout, Order, PayoutStatus, Studio, Title, utcnow
from ...money import format_amount, to_major_string
from .. import ServiceError
from ..accounts import audit
from ..reports.export import safe_title
from .shares import split_of


@dataclass(frozen=True)
class StatementLine:
    when: datetime
    title_name: str
    country: str | None
    kind: str
    cause: str  # sale, refund, dispute, dispute_won
    amount: int  # what the holder's balance moved (once made), else what will be sent
    currency: str
    status: str
    reason: str | None
    sent_amount: int  # what the platform sent or took back, in the transfer's currency
    sent_currency: str
    exchange_rate: str | None  # the processor's, when the holder's balance converted it
    # A reversal the holder owed (its balance could not cover it): since when, and once
    # taken, when, and the date of the share that covered it (None: other money did).
    owed_since: datetime | None = None
    settled_at: datetime | None = None
    settled_from: datetime | None = None


@dataclass
class Statement:
    lines: list[StatementLine]
    received: dict[str, int] = field(default_factory=dict)  # currency -> paid to the holder
    waiting: dict[str, int] = field(default_factory=dict)  # pending or held, by currency
    owed: dict[str, int] = field(default_factory=dict)  # single-account: to be paid by hand


def _cause(cause: str) -> str:
    return cause.split(":", 1)[0]


def _statement_query(studio_id: int) -> sa.Select:
    return (
        sa.select(HolderPayout, Order.country, Order.kind, Order.title_name)
        .join(Order, Order.id == HolderPayout.order_id)
        .where(HolderPayout.studio_id == studio_id)
        .order_by(HolderPayout.created_at.desc(), HolderPayout.id.desc())
    )


def holder_statement(studio: Studio) -> Statement:
    """``studio``'s own shares of every title it holds (or owns with a split)."""
    statement = Statement(lines=[])
    rows = db.session.execute(_statement_query(studio.id)).all()
    covering = {p.settled_from_id for p, *_ in rows if p.settled_from_id is not None}
    shares_on = dict(
        db.session.execute(
            sa.select(HolderPayout.id, HolderPayout.created_at).where(HolderPayout.id.in_(covering))
        ).all()
        if covering
        else []
    )
    for payout, country, kind, title_name in rows:
        own = payout.status == PayoutStatus.PAID and payout.holder_amount is not None
        amount = payout.holder_amount if own else payout.amount
        currency = (payout.holder_currency if own else None) or payout.currency
        statement.lines.append(
            StatementLine(
                payout.created_at,
                title_name,
                country,
                kind.value,
                _cause(payout.cause),
                amount,
                currency,
                payout.status.value,
                payout.failure_reason,
                payout.amount,
                payout.currency,
                payout.holder_exchange_rate if own else None,
                payout.owed_since,
                payout.completed_at if payout.owed_since is not None else None,
                shares_on.get(payout.settled_from_id),
            )
        )
        bucket = {
            PayoutStatus.PAID: statement.received,
            PayoutStatus.PENDING: statement.waiting,
            PayoutStatus.HELD: statement.waiting,
            PayoutStatus.OWED: statement.owed,
        }.get(payout.status)
        if bucket is not None:
            bucket[currency] = bucket.get(currency, 0) + amount
    return statement


CSV_HEADER = (
    "date",
    "title",
    "country",
    "kind",
    "movement",
    "amount_minor",
    "currency",
    "status",
    "sent_amount_minor",
    "sent_currency",
    "exchange_rate",
)


def statement_csv_rows(studio: Studio) -> Iterator[tuple]:
    """The statement as CSV rows (header first); titles are made safe for spreadsheets."""
    yield CSV_HEADER
    for line in holder_statement(studio).lines:
        yield (
            line.when.isoformat(),
            safe_title(line.title_name),
            line.country or "",
            line.kind,
            line.cause,
            line.amount,
            line.currency,
            line.status,
            line.sent_amount,
            line.sent_currency,
            line.exchange_rate or "",
        )


@dataclass
class SaleSplit:
    """One sale of a co-produced title as its owner sees it."""

    order: Order
    shares: list[tuple[str, int]]  # (holder name, basis points)
    payouts: list[HolderPayout]


def title_sales(title: Title, limit: int = 200) -> list[SaleSplit]:
    """The latest sales of ``title`` with a split, each with its split and payouts."""
    orders = db.session.scalars(
        sa.select(Order)
        .where(Order.title_id == title.id, Order.paid_at.is_not(None))
        .order_by(Order.paid_at.desc())
        .limit(limit)
    ).all()
    ids = [o.id for o in orders]
    moves: dict[int, list[HolderPayout]] = {}
    if ids:
        for payout in db.session.scalars(
            sa.select(HolderPayout).where(HolderPayout.order_id.in_(ids)).order_by(HolderPayout.id)
        ):
            moves.setdefault(payout.order_id, []).append(payout)
    sales = []
    for order in orders:
        split = split_of(order.id)
        if split:
            shares = [(s.studio_name, s.basis_points) for s in split]
            sales.append(SaleSplit(order, shares, moves.get(order.id, [])))
    return sales


def owes_back(amount: int) -> bool:
    """Whether a sum owed runs the other way: a refund or a dispute took back a share the
    holder had already been paid by hand, so the holder owes the store that much."""
    return amount < 0


@dataclass(frozen=True)
class Owed:
    studio_id: int
    studio_name: str
    currency: str
    amount: int  # signed: + the store owes the holder, - the holder owes the store

    @property
    def owes_back(self) -> bool:
        return owes_back(self.amount)


def amounts_owed() -> list[Owed]:
    """Single-account mode: what the operator owes each holder (or each holder owes back),
    per currency. Movements that cancel out (a sale refunded before it was paid) owe nothing
    and are not listed; their rows stay owed and count with the next ones."""
    total = sa.func.sum(HolderPayout.amount)
    rows = db.session.execute(
        sa.select(Studio.id, Studio.name, HolderPayout.currency, total)
        .join(Studio, Studio.id == HolderPayout.studio_id)
        .where(HolderPayout.status == PayoutStatus.OWED)
        .group_by(Studio.id, Studio.name, HolderPayout.currency)
        .having(total != 0)
        .order_by(Studio.name, HolderPayout.currency)
    ).all()
    return [Owed(sid, name, cur, int(total)) for sid, name, cur, total in rows]


def record_manual_payout(
    studio_id: int, currency: str, note: str, expected: int | None = None, *, by: audit.Actor
) -> int:
    """The operator paid a holder by hand (or, for a negative amount, the holder paid the
    store back): its owed rows in ``currency`` become paid, and the admins' audit log says
    who recorded it (``by``).

    ``expected`` is the amount the operator saw owed (and paid); when what is owed now differs
    (a sale or refund since, another operator's click), nothing is recorded. Returns the amount
    recorded (minor units)."""
    currency = currency.upper()
    rows = db.session.scalars(
        sa.select(HolderPayout).where(
            HolderPayout.studio_id == studio_id,
            HolderPayout.currency == currency,
            HolderPayout.status == PayoutStatus.OWED,
        )
    ).all()
    studio = db.session.get(Studio, studio_id)
    name = studio.name if studio else ""
    if not rows:
        raise ServiceError(
            _("Nothing is owed to %(studio)s in %(currency)s.", studio=name, currency=currency)
        )
    total = sum(r.amount for r in rows)
    if expected is not None and total != expected:
        raise ServiceError(
            _(
                "The amount owed is now %(amount)s: check what you paid, then record it again.",
                amount=format_amount(total, currency, current_locale()),
            )
        )
    now = utcnow()
    for row in rows:
        row.status = PayoutStatus.PAID
        row.completed_at = now
        row.manual_note = note[:255]
    assert studio is not None  # its owed rows name it
    paid = f"{to_major_string(total, currency)} {currency}"
    audit.record(by, audit.RECORD_PAYOUT, studio, f"{paid}: {note}")
    db.session.flush()
    return total
