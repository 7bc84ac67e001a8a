"""Disputes (chargebacks): access is suspended while one is open, restored if the studio wins,
revoked if it loses; the ledger records the money and the dispute fee leaving the balance that
bears it (the studio's in single-account mode, the platform's for destination charges) and, on
a win, both coming back.

An inquiry (the issuer asks before charging back; statuses ``warning_*``) withdraws nothing
and the payment can still be refunded: nothing is booked or suspended until its funds are
withdrawn (``charge.dispute.funds_withdrawn``, or a ruling whose dispute shows the withdrawal).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ...adapters.payments import PaymentGateway
from ...extensions import db
from ...models import EntitlementStatus, EntryType, LedgerEntry, Order, OrderStatus, utcnow
from ..accounts.notifications import order_mails
from ..promotion import festival_money
from ..promotion.passes import revoke_holding, suspend_or_restore
from . import ledger
from .events import Outcome, data_object, ignored, processed, waiting
from .locks import lock_order
from .orders import entitlement_of, find_order_for_charge

Obj = dict[str, Any]


def _locked_order(dispute: Obj) -> Order | None:
    found = find_order_for_charge(dispute.get("charge"), dispute.get("payment_intent"), None)
    return lock_order(found.id) if found is not None else None


OPENED = (EntryType.DISPUTE, EntryType.PLATFORM_DISPUTE)
# Stripe's statuses of an inquiry: the issuer asks before charging back.
INQUIRY = ("warning_needs_response", "warning_under_review")
WON = (EntryType.DISPUTE_WON, EntryType.PLATFORM_DISPUTE_WON)


def _has_row(dispute_id: str, entry_types: tuple[EntryType, ...]) -> bool:
    """Whether the ledger already has a row of these types for the dispute (whoever bore it)."""
    return (
        db.session.scalar(
            sa.select(LedgerEntry.id).where(
                LedgerEntry.dispute_id == dispute_id, LedgerEntry.entry_type.in_(entry_types)
            )
        )
        is not None
    )


def _withdrawn(dispute: Obj) -> bool:
    """Whether the dispute has taken the money (a chargeback), as its balance transactions
    say; an inquiry has none until it escalates."""
    return any(int(t["amount"]) < 0 for t in dispute.get("balance_transactions") or [])


def dispute_created(gateway: PaymentGateway, event: Obj, fetched: Any) -> Outcome:
    """``charge.dispute.created`` and ``charge.dispute.funds_withdrawn``: the chargeback is
    recorded once, whichever comes first with the withdrawal."""
    dispute = data_object(event)
    order = _locked_order(dispute)
    if order is None:
        return waiting(f"no paid order for charge {dispute.get('charge')} yet")
    if order.status == OrderStatus.PENDING:
        return waiting("dispute before the payment was recorded", order)
    if _has_row(dispute["id"], OPENED):
        return processed("dispute already recorded", order)
    if not _withdrawn(dispute):
        if dispute.get("status") in INQUIRY and order.inquiry_opened_at is None:
            order.inquiry_opened_at = ledger.at(dispute.get("created"))
            due = (dispute.get("evidence_details") or {}).get("due_by")
            order.inquiry_due_at = ledger.at(due) if due else None
        return processed(f"inquiry ({dispute.get('status')}): nothing withdrawn yet", order)
    _open(gateway, event, dispute, order)
    return processed("dispute opened, access suspended", order)


def _end_inquiry(order: Order) -> None:
    order.inquiry_opened_at = order.inquiry_due_at = None


def _open(gateway: PaymentGateway, event: Obj, dispute: Obj, order: Order) -> None:
    _end_inquiry(order)  # escalated, if it was one: a chargeback from now on
    entitlement = entitlement_of(order)
    if entitlement is not None and entitlement.status == EntitlementStatus.ACTIVE:
        entitlement.status = EntitlementStatus.SUSPENDED
    if order.festival_id is not None or order.bundle_id is not None:
        # A pass or bundle grants several: all are on hold with the payment.
        suspend_or_restore(order, EntitlementStatus.SUSPENDED, EntitlementStatus.ACTIVE)
    if order.status != OrderStatus.FLAGGED:
        order.status = OrderStatus.DISPUTED
        ledger.write_dispute(order, dispute, event["id"], gateway.name)
        festival_money.dispute_festival_share(
            order, dispute["id"], int(dispute["amount"]), event["id"], gateway.name,
            ledger.at(dispute.get("created")),
        )  # fmt: skip


def dispute_closed(gateway: PaymentGateway, event: Obj, fetched: Any) -> Outcome:
    dispute = data_object(event)
    status = dispute.get("status")
    order = _locked_order(dispute)
    if status not in ("won", "lost"):  # warning_closed: an inquiry answered, no money moved
        if order is None:
            return ignored(f"dispute closed as {status}")
        _end_inquiry(order)
        return processed(f"dispute closed as {status}", order)
    flagged = order is not None and order.status == OrderStatus.FLAGGED
    if flagged and not _has_row(dispute["id"], OPENED):
        return processed(f"dispute of a flagged order {status}", order)
    if order is None or order.status == OrderStatus.PENDING:
        return waiting("dispute closed before its payment was recorded", order)
    if not _has_row(dispute["id"], OPENED):
        if not _withdrawn(dispute):
            return waiting("dispute closed before it was recorded as opened", order)
        # Its withdrawal was never heard of (an inquiry escalated, the event lost): the
        # ruling's dispute shows it, so it is booked before the outcome.
        _open(gateway, event, dispute, order)
    if _has_row(dispute["id"], WON):
        return processed("dispute outcome already recorded", order)
    entitlement = entitlement_of(order)
    if status == "lost":
        if entitlement is not None:
            entitlement.status = EntitlementStatus.REVOKED
        if order.festival_id is not None or order.bundle_id is not None:
            suspend_or_restore(order, EntitlementStatus.REVOKED)
            revoke_holding(order)
        order_mails.dispute_closed(order, dispute["id"], "lost")
        return processed("dispute lost, access revoked", order)
    ledger.write_dispute_won(order, dispute, event["id"], gateway.name)
    festival_money.restore_festival_share(order, dispute["id"], event["id"], gateway.name, utcnow())
    fully_refunded = order.amount_refunded >= order.amount
    suspended = entitlement is not None and entitlement.status == EntitlementStatus.SUSPENDED
    if suspended and not fully_refunded:
        entitlement.status = EntitlementStatus.ACTIVE  # type: ignore[union-attr]
    promoted = order.festival_id is not None or order.bundle_id is not None
    if promoted and not fully_refunded:
        suspend_or_restore(order, EntitlementStatus.ACTIVE, EntitlementStatus.SUSPENDED)
    if fully_refunded:
        order.status = OrderStatus.REFUNDED
    elif order.amount_refunded:
        order.status = OrderStatus.PARTIALLY_REFUNDED
    else:
        order.status = OrderStatus.PAID
    order_mails.dispute_closed(order, dispute["id"], "won", access_back=not fully_refunded)
    return processed("dispute won, access restored", order)
