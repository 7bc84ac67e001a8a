"""The uses of a code: held by a checkout, spent when the payment succeeds, freed when it
fails or expires.

A checkout with a code reserves one use when its order is written; the reservation counts
against every limit (the code's, the promotion's, the viewer's), so a code with one use left
cannot be sold twice while both buyers are on the processor's page. The use is spent only
when the payment succeeds (or at once, for a comp); a failed or expired checkout frees it,
and an order later refunded in full no longer counts (``codes.counted``).

Reservations are taken under the promotion's row lock (``SELECT … FOR UPDATE`` on
PostgreSQL; the database write lock on SQLite), so the count and the new row are one step.
"""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa

from ...extensions import db
from ...models import Order, PromoCode, PromoRedemption, Promotion, RedemptionStatus, User
from .codes import check_limits

log = logging.getLogger(__name__)


def lock_promotion(promotion_id: int) -> Promotion | None:
    """The promotion, re-read and locked for the rest of the transaction."""
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks: taking its write lock serialises the rest of the work.
        db.session.execute(
            sa.update(Promotion)
            .where(Promotion.id == promotion_id)
            .values(active=Promotion.active)
            .execution_options(synchronize_session=False)
        )
    return db.session.get(Promotion, promotion_id, with_for_update=True, populate_existing=True)


def reserve(code: PromoCode, user: User, order: Order, at: datetime) -> list[Order]:
    """Hold one use of ``code`` for ``order`` (flushed), or CodeRefused when none is left.

    A use this viewer still holds for an unpaid checkout is freed first: they came back
    from the processor's page and start again, or use the code in another tab. Returns
    those older checkouts' orders: the caller closes them at the processor, so that they
    cannot be paid with a use they no longer hold. (Should one be paid all the same,
    ``spend`` still counts it.)"""
    lock_promotion(code.promotion_id)
    held = list(
        db.session.scalars(
            sa.select(PromoRedemption).where(
                PromoRedemption.promotion_id == code.promotion_id,
                PromoRedemption.user_id == user.id,
                PromoRedemption.status == RedemptionStatus.RESERVED,
            )
        )
    )
    for older in held:
        older.status = RedemptionStatus.RELEASED
    db.session.flush()
    check_limits(code, user)  # again, now that nobody else can take a use meanwhile
    redemption = PromoRedemption(
        promotion_id=code.promotion_id,
        code_id=code.id,
        user_id=user.id,
        order_id=order.id,
        status=RedemptionStatus.RESERVED,
        created_at=at,
    )
    db.session.add(redemption)
    db.session.flush()
    replaced = {r.order_id for r in held if r.order_id not in (None, order.id)}
    return [o for o in (db.session.get(Order, i) for i in sorted(replaced)) if o is not None]


def _of(order: Order) -> PromoRedemption | None:
    return db.session.scalar(sa.select(PromoRedemption).where(PromoRedemption.order_id == order.id))


def spend(order: Order, at: datetime) -> None:
    """The order is paid: its reserved use is spent (even if an expiry freed it meanwhile:
    the viewer paid for the discounted price)."""
    redemption = _of(order)
    if redemption is None or redemption.status == RedemptionStatus.REDEEMED:
        return
    if redemption.status == RedemptionStatus.RELEASED:
        log.warning("Order %s paid after its code use was freed; counted anyway", order.public_id)
    redemption.status = RedemptionStatus.REDEEMED
    redemption.redeemed_at = at


def release(order: Order) -> None:
    """The order will not be paid (failed, expired, abandoned): its use is free again."""
    redemption = _of(order)
    if redemption is not None and redemption.status == RedemptionStatus.RESERVED:
        redemption.status = RedemptionStatus.RELEASED
