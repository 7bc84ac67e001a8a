"""Orders and the entitlements they grant: lookups and access (pending orders past their
checkout's expiry are settled in ``pending``)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from ...extensions import db
from ...models import Entitlement, EntitlementStatus, OfferKind, Order, OrderStatus
from .locks import lock_order

log = logging.getLogger(__name__)
Obj = dict[str, Any]
# Orders whose payment went through (the money is, or was, with us).
SETTLED_STATUSES = frozenset(
    {
        OrderStatus.PAID,
        OrderStatus.PARTIALLY_REFUNDED,
        OrderStatus.REFUNDED,
        OrderStatus.DISPUTED,
        OrderStatus.FLAGGED,
    }
)


def order_by_public_id(public_id: str) -> Order | None:
    return db.session.scalar(db.select(Order).filter_by(public_id=public_id))


def find_order_for_session(session: Obj, *, lock: bool = False) -> Order | None:
    """The order a Checkout Session was created for (by session id, then by our reference);
    with ``lock``, locked for the rest of the transaction."""
    query = db.select(Order).filter_by(checkout_session_id=session["id"])
    if lock:
        # One statement for find + lock; on SQLite the caller already holds the write lock.
        query = query.with_for_update().execution_options(populate_existing=True)
    order = db.session.scalar(query)
    if order is not None:
        return order
    ref = (session.get("metadata") or {}).get("order_id") or session.get("client_reference_id")
    order = order_by_public_id(ref) if ref else None
    return lock_order(order.id) if order is not None and lock else order


def find_order_for_charge(
    charge_id: str | None, intent_id: str | None, metadata: Any
) -> Order | None:
    """The order behind a charge: by charge, by payment intent, then by our metadata."""
    for column, value in ((Order.charge_id, charge_id), (Order.payment_intent_id, intent_id)):
        if value:
            order = db.session.scalar(db.select(Order).where(column == value))
            if order is not None:
                return order
    ref = metadata.get("order_id") if isinstance(metadata, dict) else None
    return order_by_public_id(ref) if ref else None


# -- entitlements -------------------------------------------------------------------------


def grant_entitlement(order: Order, paid_at: datetime) -> Entitlement:
    """The one right to watch that a paid order gives (unique per order)."""
    entitlement = Entitlement(
        order_id=order.id,
        user_id=order.user_id,
        title_id=order.title_id,
        kind=order.kind,
        status=EntitlementStatus.ACTIVE,
        granted_at=paid_at,
    )
    if order.kind == OfferKind.RENT:
        entitlement.start_by = paid_at + timedelta(days=order.rental_start_days or 0)
        entitlement.watch_hours = order.rental_watch_hours
    db.session.add(entitlement)
    return entitlement


def entitlement_of(order: Order) -> Entitlement | None:
    return db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id))


def flagged_orders() -> list[Order]:
    return list(
        db.session.scalars(
            db.select(Order).where(Order.status == OrderStatus.FLAGGED).order_by(Order.id.desc())
        )
    )
