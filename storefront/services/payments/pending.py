"""Pending orders past their checkout's expiry: settled from what the processor says.

A buyer who paid must not wait for ever on "Confirming your payment…" because a webhook was
lost; an abandoned checkout must not block the viewer's next one. A periodic job (and
``flask payments expire-orders``) asks the processor about every pending order older than
ORDER_PENDING_MINUTES and fulfils it, expires it, or leaves it to an asynchronous payment.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ...adapters.payments import PaymentError, PaymentGateway
from ...extensions import db
from ...models import Order, OrderStatus, utcnow
from .checkout import order_closed
from .fulfilment import session_paid
from .locks import lock_order

log = logging.getLogger(__name__)
Obj = dict[str, Any]
POLLED_EVENT_PREFIX = "poll_"


@dataclass(frozen=True)
class Settled:
    expired: int = 0
    fulfilled: int = 0


def _ask(gateway: PaymentGateway, session_id: str) -> Obj:
    """The session now, expiring it first if it is still open (no database lock held)."""
    session = gateway.retrieve_checkout_session(session_id, expand_payment=False)
    if session["status"] == "open":
        session = gateway.expire_checkout_session(session_id)
    if session["status"] == "complete" and session.get("payment_status") == "paid":
        session = gateway.retrieve_checkout_session(session_id, expand_payment=True)
    return session


def polled_event(session: Obj, now: datetime) -> Obj:
    """The processor's answer in the shape of the event that was never delivered; its id marks
    the ledger rows as written from a poll, and the real event later finds the order paid."""
    return {
        "id": f"{POLLED_EVENT_PREFIX}{session['id']}"[:255],
        "object": "event",
        "type": "checkout.session.completed",
        "created": int(now.timestamp()),
        "data": {"object": session},
    }


def settle_stale_orders(gateway: PaymentGateway, now: datetime | None = None) -> Settled:
    """Fulfil or expire every pending order older than ORDER_PENDING_MINUTES."""
    now = now or utcnow()
    cutoff = now - timedelta(minutes=current_app.config["ORDER_PENDING_MINUTES"])
    return _settle(gateway, Order.created_at < cutoff, now)


def close_checkouts_of(gateway: PaymentGateway, user_id: int) -> Settled:
    """Settle every pending order of a suspended account now, whatever its age: its open
    payment pages are expired, so it cannot pay after the suspension; one it paid before is
    fulfilled (the money was taken). A session the processor cannot be asked about now is
    left to the periodic sweep, and expires on its own at the processor meanwhile."""
    return _settle(gateway, Order.user_id == user_id, utcnow())


def _settle(gateway: PaymentGateway, which: sa.ColumnElement[bool], now: datetime) -> Settled:
    from .webhooks import replay_waiting

    stale = db.session.execute(
        db.select(Order.id, Order.public_id, Order.checkout_session_id).where(
            Order.status == OrderStatus.PENDING, which
        )
    ).all()
    answers: list[tuple[int, Obj | None]] = []
    for order_id, public_id, session_id in stale:  # every processor call first, no lock held
        if not session_id:
            answers.append((order_id, None))
            continue
        try:
            answers.append((order_id, _ask(gateway, session_id)))
        except PaymentError as exc:
            log.warning("Could not ask about the session of order %s: %s", public_id, exc.detail)
    expired = fulfilled = 0
    for order_id, session in answers:
        if session is not None and session["status"] == "complete":
            if session.get("payment_status") != "paid":
                log.info("Order %s awaits an asynchronous payment", order_id)
                continue
            outcome = session_paid(gateway, polled_event(session, now), session)
            if outcome.order is not None and outcome.result in ("processed", "flagged"):
                fulfilled += outcome.order.status != OrderStatus.PENDING
                log.warning("Order %s settled without its webhook: %s", order_id, outcome.message)
                replay_waiting(gateway, outcome.order)
            continue
        order = lock_order(order_id)
        if order is not None and order.status == OrderStatus.PENDING:
            order.status = OrderStatus.EXPIRED
            order_closed(order)
        # Counted too when the session's own expiry event closed it meanwhile.
        expired += order is not None and order.status == OrderStatus.EXPIRED
    db.session.flush()
    return Settled(expired, fulfilled)
