"""Refunds that fail after the store recorded them.

A card refund can stay ``pending`` and later fail (the card was closed, lost...): the refund's
status becomes ``failed``, Stripe returns its amount to the balance in a ``refund_failure``
balance transaction (the refund's ``failure_balance_transaction``) and the charge can be refunded
again. Stripe undoes nothing else: in Connect mode the transfer reversal and the application
fee refund made with the refund stay.

The store records a pending refund at once (``refunds.charge_refunded``), so when the failure
arrives (``charge.refund.updated`` or ``refund.failed``, each possibly twice
and in any order) it is undone once per refund, under the order's lock:

- every ledger row the refund wrote is mirrored by a row with the opposite amounts (source
  ``refund_failed:<refund id>``, unique per entry type), settled as the processor moved the
  money back: the ``refund_failure`` transaction on the balance the refund left; nothing on a
  connected account (its transfer reversal stands: the platform holds that amount, less the
  fee it refunded, for the studio; the mail to the studio and admins says so, and paying it
  back is left to an admin);
- a co-produced order's holders get what the refund reversed transferred again
  (``transfers.sync_order``);
- the order's refunded amount and status come back, so the amount can be refunded again;
- a title's revoked entitlement is given back; a festival ticket's seat or a pass may have been
  resold, so those stay revoked and the studio is asked to settle with the buyer;
- the buyer, the studio's owners and the platform's admins are mailed once per refund.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa

from ...adapters.payments import PaymentGateway
from ...extensions import db
from ...models import EntitlementStatus, EntryType, LedgerEntry, Order, OrderStatus
from ...models.ledger import REFUND_TYPES
from ..accounts.notifications import order_mails, studio_mails
from . import ledger
from .events import Outcome, data_object, ignored, processed
from .orders import entitlement_of
from .refunds import FAILED_REFUND_SOURCE, order_to_refund, standing
from .settlement import Settlement, settlement_of

log = logging.getLogger(__name__)
Obj = dict[str, Any]
# Stripe's events for a refund that changes: ``charge.refund.updated`` (older API versions, card
# refunds) and ``refund.failed`` (every refund). ``refund.updated`` adds nothing to these.
REFUND_UPDATE_EVENTS = ("charge.refund.updated", "refund.failed")


def source_of(refund_id: str) -> str:
    """The ``source_event_id`` of the rows undoing a failed refund: one set per refund,
    whichever of its events arrives first."""
    return f"{FAILED_REFUND_SOURCE}{refund_id}"


def fetch_refund(gateway: PaymentGateway, event: Obj) -> list[Obj]:
    """The charge's refunds as the processor states them now (the event may be old or out of
    order), with their balance transactions."""
    charge_id = data_object(event).get("charge")
    if isinstance(charge_id, dict):
        charge_id = charge_id.get("id")
    return gateway.list_refunds(str(charge_id)) if charge_id else []


def _refund_rows(order: Order, refund_id: str) -> list[LedgerEntry]:
    """The rows a refund wrote: its refund and application fee rows, and the festival's part
    it took back (source ``<event id>:<refund id>``). Holders' transfers are not among them:
    they follow the ledger in ``transfers.sync_order``."""
    return list(
        db.session.scalars(
            sa.select(LedgerEntry)
            .where(
                LedgerEntry.order_id == order.id,
                sa.or_(
                    LedgerEntry.refund_id == refund_id,
                    LedgerEntry.source_event_id.like(f"%:{refund_id}"),
                ),
                ~LedgerEntry.source_event_id.like("payout:%"),
                LedgerEntry.source_event_id != source_of(refund_id),
            )
            .order_by(LedgerEntry.id)
        )
    )


def _undone(order: Order, refund_id: str) -> bool:
    return (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                LedgerEntry.order_id == order.id,
                LedgerEntry.source_event_id == source_of(refund_id),
            )
        )
        > 0
    )


def _settled_back(order: Order, row: LedgerEntry, failure: Settlement) -> Settlement:
    """What the failure moved on the balance ``row`` is settled on."""
    if row.entry_type in REFUND_TYPES and order.destination_account_id is None:
        return failure  # the store's (or platform's) own balance gets the refund back
    if row.entry_type == EntryType.APPLICATION_FEE:
        return failure  # the platform's balance, where the destination charge's refund left
    if row.entry_type in REFUND_TYPES:
        # The connected account: Stripe leaves the transfer reversal, nothing comes back.
        return Settlement(
            currency=row.settlement_currency,
            amount=0 if row.settlement_currency else None,
            fee=0 if row.settlement_currency else None,
            net=0 if row.settlement_currency else None,
        )
    return Settlement(  # a move between studios (the festival's part): the same, reversed
        currency=row.settlement_currency,
        amount=None if row.settlement_amount is None else -row.settlement_amount,
        fee=None if row.settlement_fee is None else -row.settlement_fee,
        net=None if row.settlement_net is None else -row.settlement_net,
        exchange_rate=row.exchange_rate,
    )


def undo_refund_rows(order: Order, refund: Obj, provider: str) -> tuple[int, int]:
    """Mirror each row the refund wrote: the amount of the refund undone (0: none written)
    and, for a destination charge, what its transfer reversal left on the platform's balance
    that belongs to the studio (the reversal less the fee refunded to it)."""
    rows = _refund_rows(order, refund["id"])
    failure_txn = refund.get("failure_balance_transaction")
    failure = settlement_of(failure_txn if isinstance(failure_txn, dict) else None)
    if failure.balance_transaction_id is None and isinstance(failure_txn, str):
        failure = Settlement(balance_transaction_id=failure_txn)
    when = ledger.at(failure_txn.get("created") if isinstance(failure_txn, dict) else None)
    undone = held = 0
    for row in rows:
        mirror = ledger.record(
            order,
            row.entry_type,
            source_of(refund["id"]),
            provider=provider,
            occurred_at=when,
            gross=-row.gross,
            tax=-row.tax,
            processor_fee=-row.processor_fee,
            platform_fee=-row.platform_fee,
            settlement=_settled_back(order, row, failure),
            charge_id=row.charge_id,
            refund_id=row.refund_id,
            studio_id=row.studio_id,
            currency=row.currency,
        )
        mirror.title_id, mirror.title_name = row.title_id, row.title_name
        if row.entry_type in REFUND_TYPES:
            undone += -row.gross
            if order.destination_account_id is not None:
                held += -(row.settlement_net or 0)
    return undone, held


def _refunded_in_ledger(order: Order) -> int:
    return -int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.gross), 0)).where(
                LedgerEntry.order_id == order.id, LedgerEntry.entry_type.in_(REFUND_TYPES)
            )
        )
        or 0
    )


def _restore(order: Order) -> bool:
    """Status and access as if the refund had not been made; True when access came back."""
    was_refunded = order.status == OrderStatus.REFUNDED
    order.amount_refunded = _refunded_in_ledger(order)
    if order.status in (OrderStatus.REFUNDED, OrderStatus.PARTIALLY_REFUNDED):
        order.status = (
            OrderStatus.PARTIALLY_REFUNDED if order.amount_refunded > 0 else OrderStatus.PAID
        )
    if not was_refunded or order.status == OrderStatus.REFUNDED:
        return False
    promoted = order.festival_id is not None or order.bundle_id is not None
    entitlement = entitlement_of(order)
    if promoted or entitlement is None or entitlement.status != EntitlementStatus.REVOKED:
        return False  # a seat or a pass may be someone else's by now: the studio decides
    entitlement.status = EntitlementStatus.ACTIVE
    return True


def refund_updated(gateway: PaymentGateway, event: Obj, refunds: list[Obj]) -> Outcome:
    """A refund changed at the processor; only a failure changes anything here."""
    refund = next((r for r in refunds if r["id"] == data_object(event).get("id")), None)
    if refund is None:
        return ignored(f"refund {data_object(event).get('id')} not found")
    if refund.get("status") != "failed":
        return ignored(f"refund {refund['id']} {refund.get('status')}: nothing to undo")
    order, answer = order_to_refund(
        refund.get("charge"), refund.get("payment_intent"), refund.get("metadata"), "refund failure"
    )
    if order is None:
        return answer  # type: ignore[return-value]
    reason = str(refund.get("failure_reason") or "unknown")
    amount = int(refund["amount"])
    if order.status == OrderStatus.FLAGGED:
        # Nothing was booked for a flagged order: only what went back changes (counted from
        # the processor: this refund's other events must not take it off again).
        order.amount_refunded = sum(int(r["amount"]) for r in standing(refunds))
        order_mails.refund_failed(order, refund["id"], amount, reason, access_back=False)
        studio_mails.refund_failed(order, refund["id"], amount, reason)
        return processed(f"refund {refund['id']} of a flagged order failed", order)
    if _undone(order, refund["id"]):
        return processed(f"refund {refund['id']} failure already recorded", order)
    undone, held = undo_refund_rows(order, refund, gateway.name)
    db.session.flush()
    if not undone:
        # Not recorded yet (its charge.refunded is still on its way): that event will leave
        # a failed refund out, so nothing here to undo and the buyer was told nothing; the
        # studio still has to know.
        studio_mails.refund_failed(order, refund["id"], amount, reason)
        return processed(f"refund {refund['id']} failed before it was recorded", order)
    access_back = _restore(order)
    order_mails.refund_failed(order, refund["id"], amount, reason, access_back=access_back)
    studio_mails.refund_failed(order, refund["id"], amount, reason, held=held)
    log.warning("Refund %s of order %s failed: %s", refund["id"], order.public_id, reason)
    return processed(f"refund {refund['id']} failed ({reason}): {undone} undone", order)
