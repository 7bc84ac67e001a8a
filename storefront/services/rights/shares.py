"""Each holder's share of a sale: the split snapshotted at checkout, and the amounts.

Entry point for anything that sells (checkout, promo codes, festival passes...):

1. at checkout, :func:`snapshot_split` (order, title) stores the split in force for the
   order's country and kind on the order (nothing for a single-owner title);
2. once the sale's money is known, :func:`record_order_shares` (order, net, currency) turns
   the *net settlement amount* (gross - tax - processor fee - platform fee, in minor units of
   the settlement currency of the balance transaction) into one ``HolderPayout`` per holder
   and returns them. It is idempotent: called again it returns the rows already written.
   ``services.payments.transfers`` then moves the money (or records it as owed).

Rounding: each holder gets ``net x basis points / 10000`` rounded down; the minor units left
over go to the holder that **takes the remainder**: the largest share, the title's owner
among equal largest shares, else the lowest studio id. The shares always add up to ``net``.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...extensions import db
from ...models import (
    HolderPayout,
    OfferKind,
    Order,
    OrderSplit,
    PayoutKind,
    PayoutStatus,
    Studio,
    Title,
)
from .splits import WHOLE, split_in_force

SALE = "sale"
# Suffix of the causes of a festival's payouts on a ticket it sold (``sale:festival``,
# ``refund:<id>:festival``...): the festival is paid from the same charge as the holders.
FESTIVAL = ":festival"


def is_festival_cause(cause: str) -> bool:
    return cause.endswith(FESTIVAL)


@dataclass(frozen=True)
class Part:
    studio_id: int | None
    basis_points: int
    takes_remainder: bool


def remainder_holder(shares: dict[int, int], owner_id: int | None) -> int:
    """Who receives the minor units left after rounding (see the module docstring)."""
    return min(shares, key=lambda sid: (-shares[sid], sid != owner_id, sid))


def allocate(net: int, parts: list[Part]) -> list[int]:
    """``net`` split by ``parts``; the amounts add up to ``net`` exactly (0 when net <= 0)."""
    if net <= 0 or not parts:
        return [0 for _ in parts]
    amounts = [net * p.basis_points // WHOLE for p in parts]
    left = net - sum(amounts)
    index = next((i for i, p in enumerate(parts) if p.takes_remainder), 0)
    amounts[index] += left
    return amounts


def snapshot_split(
    order: Order, title: Title, *, kind: OfferKind | None = None, sole_owner: bool = False
) -> list[OrderSplit]:
    """Store on ``order`` the split in force for its country and kind (empty if none);
    ``kind`` names the split to use when the order's own kind has none (a festival ticket
    uses the rental split). ``sole_owner``: without a split, the owner holds 100 % (a sale
    charged on the platform that still pays the owner by transfer)."""
    shares = split_in_force(title, order.country, kind or order.kind)
    if not shares and sole_owner:
        shares = {title.studio_id: WHOLE}
    if not shares:
        return []
    taker = remainder_holder(shares, title.studio_id)
    names = dict(
        db.session.execute(sa.select(Studio.id, Studio.name).where(Studio.id.in_(shares))).all()
    )
    rows = [
        OrderSplit(
            order_id=order.id,
            studio_id=sid,
            studio_name=names.get(sid, ""),
            basis_points=bp,
            takes_remainder=sid == taker,
        )
        for sid, bp in sorted(shares.items())
    ]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def snapshot_sole_payee(order: Order, studio: Studio) -> OrderSplit:
    """Store on ``order`` that ``studio`` alone is paid by transfer (a sale with no title, such
    as a festival pass charged on the platform so that its bookings can pay the films)."""
    row = OrderSplit(
        order_id=order.id,
        studio_id=studio.id,
        studio_name=studio.name,
        basis_points=WHOLE,
        takes_remainder=True,
    )
    db.session.add(row)
    db.session.flush()
    return row


def split_of(order_id: int) -> list[OrderSplit]:
    return list(
        db.session.scalars(
            sa.select(OrderSplit).where(OrderSplit.order_id == order_id).order_by(OrderSplit.id)
        )
    )


def has_split(order_id: int) -> bool:
    """Whether the order pays rights holders. Asked four times while one payment is fulfilled
    and settled; a split once written is never removed, so a yes is remembered for the
    session's lifetime (a request or a job), and forgotten on a rollback that may undo it."""
    known = db.session.info.setdefault(_SPLIT_ORDERS, set())
    if order_id in known:
        return True
    found = (
        db.session.scalar(sa.select(OrderSplit.id).where(OrderSplit.order_id == order_id).limit(1))
        is not None
    )
    if found:
        known.add(order_id)
    return found


_SPLIT_ORDERS = "orders_with_split"


@sa.event.listens_for(Session, "after_soft_rollback")
def _forget_splits(session: Session, previous_transaction: object) -> None:
    session.info.pop(_SPLIT_ORDERS, None)


def record_order_shares(
    order: Order, net: int, currency: str, *, status: PayoutStatus = PayoutStatus.PENDING
) -> list[HolderPayout]:
    """Each holder's share of ``net`` (minor units of settlement ``currency``), written once.

    ``status`` is PENDING when a job transfers the money, OWED when the operator pays by hand.
    """
    existing = sale_payouts(order.id)
    if existing:
        return existing
    split = split_of(order.id)
    parts = [Part(s.studio_id, s.basis_points, s.takes_remainder) for s in split]
    rows = [
        HolderPayout(
            order_id=order.id,
            studio_id=part.studio_id,
            title_id=order.title_id,
            kind=PayoutKind.TRANSFER,
            cause=SALE,
            amount=amount,
            currency=currency.upper(),
            status=status if amount > 0 else PayoutStatus.PAID,
        )
        for part, amount in zip(parts, allocate(net, parts), strict=True)
    ]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def sale_payouts(order_id: int) -> list[HolderPayout]:
    return list(
        db.session.scalars(
            sa.select(HolderPayout)
            .where(HolderPayout.order_id == order_id, HolderPayout.cause == SALE)
            .order_by(HolderPayout.id)
        )
    )
