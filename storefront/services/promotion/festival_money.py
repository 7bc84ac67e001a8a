"""A festival's money: the one rule that divides a festival ticket sale between festival and
film, its ledger rows (and their reversal on refunds and disputes), and what each booking of
an N-film pass pays the film it books.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ...extensions import db
from ...models import EntryType, Festival, LedgerEntry, Order, Title, utcnow
from ...models.ledger import SALE_TYPES
from ..payments import ledger
from ..payments.fees import share
from ..rights.shares import has_split
from .festivals import FULL_SHARE_BP

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
    pass_net = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.net), 0)).where(
            LedgerEntry.order_id == order.id,
            LedgerEntry.studio_id == festival.studio_id,
            LedgerEntry.entry_type == EntryType.SALE,
        )
    )
    # Bookings before this one, counted from the pass's uses (this booking has taken its
    # own): a film whose whole part the festival keeps writes no row, yet it is a booking.
    used = db.session.scalar(sa.select(PassHolding.films_used).where(PassHolding.id == holding.id))
    to_film = film_part_of_booking(int(pass_net), holding.films_allowed, used - 1, share_bp)
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
