"""Buyers who agreed, at checkout, that the filmmaker may have their email address.

Off by default: the box is unticked and nothing is recorded unless the buyer ticks it. The
studio sees only buyers who agreed and paid, with the date they agreed.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ...extensions import db
from ...models import BuyerConsent, Order, OrderStatus, Title, User, utcnow

PAID = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.DISPUTED)


def record_consent(user: User, title_id: int, order_id: int | None) -> None:
    """Remember the buyer's consent for this title (once; the first date is kept)."""
    exists = db.session.scalar(
        sa.select(BuyerConsent.id).where(
            BuyerConsent.user_id == user.id, BuyerConsent.title_id == title_id
        )
    )
    if exists is None:
        db.session.add(
            BuyerConsent(user_id=user.id, title_id=title_id, order_id=order_id, created_at=utcnow())
        )
        db.session.flush()


def consenting_buyers(title_id: int) -> list[tuple[str, str, datetime]]:
    """(email, name, date of consent) of buyers of the title who agreed, oldest first."""
    paid = sa.select(Order.id).where(
        Order.user_id == BuyerConsent.user_id,
        Order.title_id == title_id,
        Order.status.in_(PAID),
    )
    rows = db.session.execute(
        sa.select(User.email, User.display_name, BuyerConsent.created_at)
        .join(User, User.id == BuyerConsent.user_id)
        .where(BuyerConsent.title_id == title_id, User.active.is_(True), paid.exists())
        .order_by(BuyerConsent.created_at, BuyerConsent.id)
    ).all()
    return [(email, name, at) for email, name, at in rows]


def consents_of(user: User) -> list[tuple[int, str, datetime]]:
    """(title id, film name, date) of each film whose filmmaker may have the viewer's address."""
    rows = db.session.execute(
        sa.select(BuyerConsent.title_id, Title.name, BuyerConsent.created_at)
        .join(Title, Title.id == BuyerConsent.title_id)
        .where(BuyerConsent.user_id == user.id)
        .order_by(BuyerConsent.created_at, BuyerConsent.id)
    ).all()
    return [(title_id, name, at) for title_id, name, at in rows]


def withdraw_consent(user: User, title_id: int) -> bool:
    """Take the consent back (as easy as giving it): the studio's list no longer holds the
    viewer from now on. False when there was none."""
    removed = db.session.execute(
        sa.delete(BuyerConsent).where(
            BuyerConsent.user_id == user.id, BuyerConsent.title_id == title_id
        )
    ).rowcount
    db.session.flush()
    return bool(removed)
