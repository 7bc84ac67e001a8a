"""Fulfilment of Checkout Sessions: paid orders get exactly one entitlement and their ledger
rows; failed and abandoned ones are closed. Runs only from verified processor events.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from ...adapters.payments import PaymentGateway
from ...countries import is_country
from ...extensions import db
from ...jobs import defer
from ...models import OfferKind, Order, OrderStatus, utcnow
from ..accounts.notifications import order_mails
from ..promotion import festival_money, festival_sales, redemptions
from . import ledger
from .checkout import access_covering, order_closed
from .events import Outcome, data_object, flagged, ignored, processed
from .orders import find_order_for_session

log = logging.getLogger(__name__)
REPEATABLE_KINDS = frozenset({OfferKind.RENT, OfferKind.BUY})
Obj = dict[str, Any]
# The job that gives back a payment flagged for something the store cannot deliver (its name
# predates the screening case and stays, so jobs already queued still run).
REFUND_DUPLICATE_TASK = "payments.refund_duplicate"
DUPLICATE_PAYMENT = "duplicate payment"
# Flag reasons that are refunded by themselves: what the order would give is not there to give.
# Each names the reason its buyer's refund mail gives (templates/mail/refund.*).
CLOSED_SCREENING = "screening_closed"
SOLD_OUT_SCREENING = "sold_out"
REFUND_REASONS = {
    DUPLICATE_PAYMENT: "duplicate",
    festival_sales.SCREENING_CLOSED: CLOSED_SCREENING,
    festival_sales.SOLD_OUT: SOLD_OUT_SCREENING,
}


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


def billing_country(session: Obj) -> str | None:
    """The country of the payer's billing address, if the payment gives a real one."""
    details = session.get("customer_details") or {}
    address = details.get("address") or {} if isinstance(details, dict) else {}
    code = str(address.get("country") or "").upper() if isinstance(address, dict) else ""
    return code if is_country(code) else None


def _undeliverable(order: Order, paid_at: datetime) -> str | None:
    """Why a payment that matches its order cannot be delivered, or None to deliver it. What
    cannot be delivered goes back by itself (its refund job is queued here), and a pending
    order's holds (a ticket's seat, a code's use) are given back."""
    late = order.status != OrderStatus.PENDING
    covering = None
    # Festival tickets and bundles are not "the film again": a viewer may rent a film and
    # still hold a screening's ticket; a second ticket for the same screening is a duplicate.
    if order.title_id is not None and order.kind in REPEATABLE_KINDS:
        covering = access_covering(order.user_id, order.title_id, order.kind, paid_at)
    elif order.kind == OfferKind.TICKET and order.screening_id is not None:
        covering = festival_sales.ticket_of(order.user_id, order.screening_id)
    if covering is not None:
        # A second payment for what the viewer already has (two tabs, an old checkout page).
        problem: str | None = (
            f"{DUPLICATE_PAYMENT}: the viewer already has this film from order "
            f"{covering.order.public_id}; refunded automatically"
        )
    else:
        # A screening moved or closed while its buyer paid, and closed to starting before the
        # payment arrived: nothing to watch.
        problem = festival_sales.closed_before_payment(order, max(paid_at, utcnow()))
        if problem is None and late:
            # Closed here while its buyer paid (a second tab replaced the checkout as the
            # payment went through; what it held went back then): the payment is real, so the
            # order is delivered if it still can be.
            log.warning("Order %s paid after it was marked %s", order.public_id, order.status)
            problem = festival_sales.retake_seat(order)
    if problem is not None:
        defer(db.session, REFUND_DUPLICATE_TASK, order.id)
        if not late:
            order_closed(order)
    return problem


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
    paid_at = ledger.at(charge.get("created") if isinstance(charge, dict) else event.get("created"))
    if problem is not None and order.status == OrderStatus.PENDING:
        festival_sales.payment_held(order)  # held for an admin: its seat stays held meanwhile
    if problem is None:
        problem = _undeliverable(order, paid_at)
    if problem is not None:
        order.status = OrderStatus.FLAGGED
        order.flag_reason = problem
        log.error("Order %s flagged: %s", order.public_id, problem)
        return flagged(problem, order)
    charge_obj = charge if isinstance(charge, dict) else {}
    order.home_country = billing_country(session) or order.country
    order.status = OrderStatus.PAID
    order.paid_at = ledger.at(charge_obj.get("created") or event.get("created"))
    order.application_fee_amount = int(charge_obj.get("application_fee_amount") or 0)
    entitlement = festival_sales.grant_for(order, order.paid_at)
    redemptions.spend(order, order.paid_at)
    ledger.write_sale(order, session, event["id"], gateway.name)
    festival_money.write_festival_share(order, event["id"], gateway.name)
    order_mails.order_paid(order, entitlement)
    log.info("Order %s paid; entitlement granted", order.public_id)
    return processed("order paid, entitlement granted", order)


def refund_reason(order: Order) -> str | None:
    """Why the store gives the order's money back by itself (one of ``REFUND_REASONS``'
    values, which the buyer's refund mail explains), or None for any other order."""
    if order.status != OrderStatus.FLAGGED:
        return None
    flagged_for = order.flag_reason or ""
    return next(
        (name for flag, name in REFUND_REASONS.items() if flagged_for.startswith(flag)), None
    )


def refund_duplicate(gateway: PaymentGateway, order_id: int) -> Obj | None:
    """Refund what is left of a payment flagged as one the store cannot deliver (a duplicate,
    a ticket for a screening that closed while its buyer paid): the job behind the flag.

    The processor is asked with one idempotency key per order, so a retried job refunds once;
    ``charge.refunded`` then notes the amount on the flagged order.
    """
    order = db.session.get(Order, order_id)
    if order is None or refund_reason(order) is None or not order.charge_id:
        return None
    left = order.amount - order.amount_refunded
    if left <= 0:
        return None
    refund = gateway.create_refund(
        order.charge_id,
        left,
        idempotency_key=f"order-{order.public_id}-duplicate-refund",
        connect=order.destination_account_id is not None,
    )
    log.warning("Flagged payment of order %s refunded: %s", order.public_id, refund.get("id"))
    return refund


def session_closed(gateway: PaymentGateway, event: Obj, fetched: Any) -> Outcome:
    session = data_object(event)
    order = find_order_for_session(session, lock=True)
    if order is None:
        return ignored(f"no order for session {session.get('id')}")
    if order.status != OrderStatus.PENDING:
        return processed(f"order already {order.status.value}", order)
    failed = event["type"].endswith("failed")
    order.status = OrderStatus.FAILED if failed else OrderStatus.EXPIRED
    order_closed(order)
    return processed(f"order {order.status.value}", order)
