"""Which orders' holder payouts to settle, and when: after a holder's account changed, after
money reached a holder that owes some back, when its owner retries a failed one, and in the
periodic sweep of what is still open (see ``transfers`` for the payouts themselves)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ...extensions import db
from ...jobs import QUEUED_JOB_GRACE, defer
from ...models import (
    HolderPayout,
    LedgerEntry,
    Order,
    OrderSplit,
    PayoutKind,
    PayoutStatus,
    Studio,
    utcnow,
)
from ...models.ledger import SALE_TYPES
from .transfers import OPEN, SETTLE_TASK


def studio_changed(studio: Studio | None, *, retry_failed: bool = False) -> int:
    """A holder's account changed (onboarding finished): settle the orders it is held on.
    ``retry_failed``: Stripe enabled the account again after refusing transfers to it, so its
    failed payouts are tried again too, without waiting for the owner to notice."""
    if studio is None:
        return 0
    order_ids = set(
        db.session.scalars(
            sa.select(HolderPayout.order_id).where(
                HolderPayout.studio_id == studio.id, HolderPayout.status == PayoutStatus.HELD
            )
        )
    )
    if retry_failed:
        failed = db.session.scalars(
            sa.select(HolderPayout).where(
                HolderPayout.studio_id == studio.id, HolderPayout.status == PayoutStatus.FAILED
            )
        )
        for payout in failed:
            payout.status = PayoutStatus.PENDING
            order_ids.add(payout.order_id)
    for order_id in sorted(order_ids):
        defer(db.session, SETTLE_TASK, order_id)
    return len(order_ids)


def holder_funded(studio_id: int) -> int:
    """Money reached a holder: settle the orders whose reversals from it are held for want
    of balance, so what it owes back is taken from what it was just paid."""
    order_ids = db.session.scalars(
        sa.select(HolderPayout.order_id)
        .where(
            HolderPayout.studio_id == studio_id,
            HolderPayout.kind == PayoutKind.REVERSAL,
            HolderPayout.status == PayoutStatus.HELD,
        )
        .distinct()
    ).all()
    for order_id in sorted(order_ids):
        defer(db.session, SETTLE_TASK, order_id)
    return len(order_ids)


def open_payout_ids(order_id: int) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(HolderPayout.id)
            .where(HolderPayout.order_id == order_id, HolderPayout.status.in_(OPEN))
            .order_by(HolderPayout.id)
        )
    )


def retry_failed(payout: HolderPayout) -> bool:
    """The owner asks to try a failed payout again (after fixing what the reason says).
    False when it is not failed (any more): nothing to try."""
    if payout.status != PayoutStatus.FAILED:
        return False
    payout.status = PayoutStatus.PENDING
    defer(db.session, SETTLE_TASK, payout.order_id)
    return True


def orders_to_settle(now: datetime | None = None) -> list[int]:
    """Orders with payouts still to move, or sold split orders whose shares are not written
    (a settle job lost with a crashed queue). Work younger than QUEUED_JOB_GRACE is left to
    the settle job queued for it."""
    queued_since = (now or utcnow()) - QUEUED_JOB_GRACE
    open_ids = db.session.scalars(
        sa.select(HolderPayout.order_id)
        .where(HolderPayout.status.in_(OPEN), HolderPayout.created_at < queued_since)
        .distinct()
    ).all()
    unwritten = db.session.scalars(
        sa.select(OrderSplit.order_id)
        .join(Order, Order.id == OrderSplit.order_id)
        .where(
            Order.paid_at < queued_since,
            sa.exists().where(
                LedgerEntry.order_id == OrderSplit.order_id,
                LedgerEntry.entry_type.in_(SALE_TYPES),
            ),
            ~sa.exists().where(HolderPayout.order_id == OrderSplit.order_id),
        )
        .distinct()
    ).all()
    return sorted(set(open_ids) | set(unwritten))
