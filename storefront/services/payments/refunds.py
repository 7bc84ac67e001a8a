"""Refunds: asked for by the studio or an admin, recorded when the processor confirms them.

Asking only calls the processor (with an idempotency key, so a double submit refunds once);
the order, the entitlement and the ledger change when ``charge.refunded`` arrives.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from ...adapters.payments import PaymentGateway
from ...extensions import db
from ...models import AdminAction, EntitlementStatus, LedgerEntry, Order, OrderStatus, Studio, User
from ...models.ledger import REFUND_TYPES, SALE_TYPES
from ...money import exponent, format_amount, to_major_string
from .. import ServiceError
from ..accounts import audit
from ..accounts.notifications import order_mails
from ..accounts.permissions import membership
from ..promotion import festival_money, festival_sales
from . import ledger
from .events import Outcome, data_object, ignored, processed, waiting
from .fulfilment import refund_reason
from .locks import lock_order
from .orders import entitlement_of, find_order_for_charge

log = logging.getLogger(__name__)
Obj = dict[str, Any]
REFUNDABLE = frozenset({OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.FLAGGED})
RECORDED_REFUND_STATUSES = ("succeeded", "pending")
# The source of the ledger rows undoing a refund that failed (``refund_failures``).
FAILED_REFUND_SOURCE = "refund_failed:"


def standing(refunds: list[Obj]) -> list[Obj]:
    """The processor's refunds that count as money given back: done, or still on their way."""
    return [r for r in refunds if r.get("status") in RECORDED_REFUND_STATUSES]


def refundable_amount(order: Order) -> int:
    if order.status not in REFUNDABLE or not order.charge_id:
        return 0
    return order.amount - order.amount_refunded


def parse_refund_amount(text: str | None, order: Order, locale: str = "en") -> int:
    """Major units typed by a person ("4.50") -> minor units, checked against what is left."""
    remaining = refundable_amount(order)
    raw = (text or "").strip().replace(",", ".").replace(" ", "")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ServiceError(_("Enter an amount such as 4.50.")) from None
    digits = exponent(order.currency)
    if not value.is_finite() or value <= 0:
        raise ServiceError(_("Enter an amount greater than zero."))
    if value != value.quantize(Decimal(1).scaleb(-digits)):
        raise ServiceError(
            _(
                "%(currency)s amounts have at most %(digits)d decimals.",
                currency=order.currency,
                digits=digits,
            )
        )
    minor = int(value.scaleb(digits))
    if minor > remaining:
        raise ServiceError(
            _(
                "At most %(amount)s can be refunded.",
                amount=format_amount(remaining, order.currency, locale),
            )
        )
    return minor


def request_refund(
    gateway: PaymentGateway, order: Order, amount: int, asked_by: User | None = None
) -> Obj:
    """Ask the processor to refund ``amount`` minor units; the webhook records it.

    ``asked_by``: who clicked; an admin refunding a studio they are no member of is written
    to the admins' audit log."""
    if amount < 1 or amount > refundable_amount(order):
        raise ServiceError(_("This amount cannot be refunded."))
    # Same order, same refunded-so-far, same amount: a repeated submit is the same refund. A
    # refund that failed left those as they were, so trying it again needs a key of its own
    # (the processor would answer the failed refund again).
    key = f"order-{order.public_id}-refund-{order.amount_refunded}-{amount}"
    failed = len(failed_refunds(order))
    if failed:
        key += f"-after-{failed}-failed"
    refund = gateway.create_refund(
        order.charge_id or "",
        amount,
        idempotency_key=key,
        connect=order.destination_account_id is not None,
    )
    log.info("Refund %s of %s requested for order %s", refund.get("id"), amount, order.public_id)
    if asked_by is not None and asked_by.is_admin and not _member_of_seller(asked_by, order):
        _audit_refund(asked_by, order, amount, str(refund.get("id") or ""))
    return refund


def _member_of_seller(user: User, order: Order) -> bool:
    studio = db.session.get(Studio, order.studio_id) if order.studio_id else None
    return studio is not None and membership(user, studio) is not None


def _audit_refund(admin: User, order: Order, amount: int, refund_id: str) -> None:
    """Once per processor refund: a double submit is the same refund (its idempotency key)."""
    detail = f"{to_major_string(amount, order.currency)} {order.currency} ({refund_id})"
    already = db.session.scalar(
        sa.select(AdminAction.id).where(
            AdminAction.action == audit.REFUND_ORDER,
            AdminAction.target_type == "order",
            AdminAction.target_id == order.id,
            AdminAction.detail == detail,
        )
    )
    if already is None:
        audit.record(admin, audit.REFUND_ORDER, order, detail)


def fetch_refunds(gateway: PaymentGateway, event: Obj) -> Obj:
    """The charge's refunds and, in Connect mode, its application fee's refunds (each with the
    balance transaction that moved the platform's balance)."""
    charge = data_object(event)
    fee = charge.get("application_fee")
    fee_id = fee.get("id") if isinstance(fee, dict) else fee
    return {
        "refunds": gateway.list_refunds(charge["id"]),
        "fee_refunds": gateway.application_fee_refunds(fee_id) if fee_id else [],
    }


def _ledger_sums(order: Order) -> tuple[set[str], int, int, int, int]:
    """Refund ids recorded, amount refunded, sale tax, tax refunded, fee refunded so far."""
    rows = db.session.execute(
        sa.select(
            LedgerEntry.entry_type,
            LedgerEntry.refund_id,
            LedgerEntry.gross,
            LedgerEntry.tax,
            LedgerEntry.platform_fee,
        ).where(LedgerEntry.order_id == order.id)
    ).all()
    refund_ids = {r.refund_id for r in rows if r.entry_type in REFUND_TYPES and r.refund_id}
    refunded = -sum(r.gross for r in rows if r.entry_type in REFUND_TYPES)
    sale_tax = sum(r.tax for r in rows if r.entry_type in SALE_TYPES)
    tax_back = -sum(r.tax for r in rows if r.entry_type in REFUND_TYPES)
    fee_back = -sum(r.platform_fee for r in rows if r.entry_type in REFUND_TYPES)
    return refund_ids, refunded, sale_tax, tax_back, fee_back


def order_to_refund(
    charge_id: str | None, payment_intent: Any, metadata: Any, what: str
) -> tuple[Order | None, Outcome | None]:
    """The order a refund event (``what``: refund, refund failure) is about, locked, when the
    event can change it; else None and what to answer: no such order, its payment not
    recorded yet (kept for later), or never paid."""
    found = find_order_for_charge(charge_id, payment_intent, metadata)
    if found is None:
        return None, ignored(f"no order for charge {charge_id}")
    order = lock_order(found.id)
    assert order is not None
    if order.status == OrderStatus.PENDING:
        return None, waiting(f"{what} before the payment was recorded", order)
    if order.status in (OrderStatus.FAILED, OrderStatus.EXPIRED):
        return None, processed(f"order {order.status.value}: {what} not applied", order)
    return order, None


def charge_refunded(gateway: PaymentGateway, event: Obj, fetched: Obj) -> Outcome:
    charge = data_object(event)
    refunds, fee_refunds = fetched["refunds"], fetched["fee_refunds"]
    order, answer = order_to_refund(
        charge.get("id"), charge.get("payment_intent"), charge.get("metadata"), "refund"
    )
    if order is None:
        return answer  # type: ignore[return-value]
    counted = standing(refunds)
    total = sum(int(r["amount"]) for r in counted)
    if order.status == OrderStatus.FLAGGED:
        # Nothing was granted or booked for a flagged order: only note what went back, and
        # tell the buyer: why, once a payment the store gives back by itself is back in full;
        # else of each refund an admin made after checking the payment.
        order.amount_refunded = total
        # In full: all the order asked, or all that was paid when that was less (the payment
        # did not match the order).
        if total >= min(order.amount, int(charge.get("amount") or order.amount)):
            festival_sales.held_payment_refunded(order)  # nothing sold: its seat goes back
        reason = refund_reason(order)
        if reason is not None and total >= order.amount:
            order_mails.refunded_by_itself(order, reason)
        elif reason is None:
            for refund in counted:
                order_mails.order_refunded(order, refund["id"], int(refund["amount"]))
        return processed("refund of a flagged order noted", order)
    recorded, refunded, sale_tax, tax_back, fee_back = _ledger_sums(order)
    new = [r for r in counted if r["id"] not in recorded]
    for refund in new:
        before_tax, before_fee = tax_back, fee_back
        ledger.write_refund(
            order,
            refund,
            event["id"],
            gateway.name,
            refunded_before=refunded,
            sale_tax=sale_tax,
            tax_refunded_before=before_tax,
            app_fee=order.application_fee_amount,
            app_fee_refunded_before=before_fee,
            fee_refunds=fee_refunds,
        )
        festival_money.reverse_festival_share(
            order,
            int(refund["amount"]),
            refunded + int(refund["amount"]) >= order.amount,
            f"{event['id']}:{refund['id']}",
            gateway.name,
            ledger.at(refund.get("created")),
        )
        db.session.flush()
        recorded, refunded, sale_tax, tax_back, fee_back = _ledger_sums(order)
    order.amount_refunded = max(order.amount_refunded, refunded)
    if order.amount_refunded >= order.amount:
        entitlement = entitlement_of(order)
        if entitlement is not None:
            entitlement.status = EntitlementStatus.REVOKED
        promoted = order.festival_id is not None or order.bundle_id is not None
        if promoted and order.status != OrderStatus.REFUNDED:
            festival_sales.order_refunded(order)  # once: seats go back on sale
        order.status = OrderStatus.REFUNDED
    elif order.status != OrderStatus.DISPUTED and order.amount_refunded > 0:
        order.status = OrderStatus.PARTIALLY_REFUNDED
    for refund in new:
        order_mails.order_refunded(order, refund["id"], int(refund["amount"]))
    if not new:
        return processed("no new refund", order)
    return processed(f"{len(new)} refund(s) recorded, {order.amount_refunded} refunded", order)


def failed_refunds(order: Order) -> list[tuple[str, int, datetime]]:
    """The order's refunds that failed after being recorded: (refund id, amount, when)."""
    rows = db.session.execute(
        sa.select(LedgerEntry.refund_id, LedgerEntry.gross, LedgerEntry.occurred_at)
        .where(
            LedgerEntry.order_id == order.id,
            LedgerEntry.entry_type.in_(REFUND_TYPES),
            LedgerEntry.source_event_id.like(f"{FAILED_REFUND_SOURCE}%"),
        )
        .order_by(LedgerEntry.id)
    ).all()
    return [(r.refund_id or "", int(r.gross), r.occurred_at) for r in rows]


def last_refunded_at(order: Order) -> datetime | None:
    """When the order's latest refund was booked (from the ledger), or None."""
    return db.session.scalar(
        sa.select(sa.func.max(LedgerEntry.occurred_at)).where(
            LedgerEntry.order_id == order.id,
            LedgerEntry.entry_type.in_(REFUND_TYPES),
            LedgerEntry.gross < 0,  # not the rows undoing a refund that failed
        )
    )
