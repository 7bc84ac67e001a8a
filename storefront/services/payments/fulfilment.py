"""Fulfilment of Checkout Sessions: paid orders get exactly one entitlement and their ledger
rows; failed and abandoned ones are closed. Runs only from verified processor events.
"""

from __future__ import annotations

import logging
from typing import Any

from ...adapters.payments import PaymentGateway
from ...models import Order, OrderStatus
from ..promotion import festival_sales, festivals
from . import ledger
from .events import Outcome, data_object, flagged, ignored, processed
from .orders import find_order_for_session

log = logging.getLogger(__name__)
Obj = dict[str, Any]


def fetch_paid_session(gateway: PaymentGateway, event: Obj) -> Obj | None:
    """The session as the processor sees it now, with the charge's money details inline."""
    session = data_object(event)
    if session.get("payment_status") != "paid":
        return None
    return gateway.retrieve_checkout_session(session["id"], expand_payment=True)


def _id_of(value: Any) -> str | None:
    return value.get("id") if isinstance(value, dict) else value


def _mismatch(order: Order, session: Obj) -> str | None:
    amount, currency = session.get("amount_total"), str(session.get("currency") or "")
    if amount != order.amount or currency.upper() != order.currency.upper():
        return (
            f"paid {amount} {currency.upper()} but the order is for "
            f"{order.amount} {order.currency.upper()}"
        )
    return None


def session_paid(gateway: PaymentGateway, event: Obj, fetched: Obj | None) -> Outcome:
    session = fetched or data_object(event)
    order = find_order_for_session(session, lock=True)
    if order is None:
        return ignored(f"no order for session {session.get('id')}")
    intent = session.get("payment_intent")
    charge = intent.get("latest_charge") if isinstance(intent, dict) else None
    if session.get("payment_status") != "paid":
        if order.status == OrderStatus.PENDING:
            order.payment_intent_id = _id_of(intent)
        return processed("awaiting an asynchronous payment", order)
    if order.status not in (OrderStatus.PENDING, OrderStatus.FAILED, OrderStatus.EXPIRED):
        return processed(f"order already {order.status.value}", order)
    order.payment_intent_id = _id_of(intent)
    order.charge_id = _id_of(charge)
    order.checkout_session_id = order.checkout_session_id or session["id"]
    problem = _mismatch(order, session)
    if problem is None and order.status != OrderStatus.PENDING:
        problem = f"paid after the order was marked {order.status.value}"
    if problem is not None:
        order.status = OrderStatus.FLAGGED
        order.flag_reason = problem
        log.error("Order %s flagged: %s", order.public_id, problem)
        return flagged(problem, order)
    charge_obj = charge if isinstance(charge, dict) else {}
    order.status = OrderStatus.PAID
    order.paid_at = ledger.at(charge_obj.get("created") or event.get("created"))
    order.application_fee_amount = int(charge_obj.get("application_fee_amount") or 0)
    festival_sales.grant_for(order, order.paid_at)
    ledger.write_sale(order, session, event["id"], gateway.name)
    festivals.write_festival_share(order, event["id"], gateway.name)
    log.info("Order %s paid; entitlement granted", order.public_id)
    return processed("order paid, entitlement granted", order)


def session_closed(gateway: PaymentGateway, event: Obj, fetched: Any) -> Outcome:
    session = data_object(event)
    order = find_order_for_session(session, lock=True)
    if order is None:
        return ignored(f"no order for session {session.get('id')}")
    if order.status != OrderStatus.PENDING:
        return processed(f"order already {order.status.value}", order)
    failed = event["type"].endswith("failed")
    order.status = OrderStatus.FAILED if failed else OrderStatus.EXPIRED
    festival_sales.order_closed(order)
    return processed(f"order {order.status.value}", order)
