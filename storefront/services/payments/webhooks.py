"""Receiving payment events: verify, store once by id, process once, in one transaction.

Order of work for each delivery:
1. verify the signature on the raw body (the gateway; 5-minute tolerance);
2. a delivery of an event already processed is acknowledged with no effect;
3. read from the processor what the handler needs (before any lock is taken);
4. store the event (its id is the primary key: of concurrent deliveries one inserts, the
   others wait for it and then find it processed) or lock the stored, unprocessed one;
5. the handler changes the order, entitlement and ledger under the order's row lock.

Out-of-order events (a refund or dispute whose payment is not recorded yet) are acknowledged
and kept with outcome "waiting"; they are processed as soon as the order's payment is
recorded, in that same transaction, and a periodic job retries any still waiting.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ...adapters.payments import PaymentError, PaymentGateway
from ...extensions import db
from ...models import Order, WebhookEvent, utcnow
from .connect import account_updated, studio_for_account
from .disputes import dispute_closed, dispute_created
from .events import Apply, Outcome, Prefetch, data_object, ignored, no_prefetch
from .fulfilment import fetch_paid_session, session_closed, session_paid
from .locks import lock_event
from .refunds import charge_refunded, fetch_refunds
from .transfers import order_changed, studio_changed

log = logging.getLogger(__name__)
Obj = dict[str, Any]
MAX_REPLAYS = 20

# Every event the store acts on: type -> (what to read from the processor first, the change).
# Other types are acknowledged and ignored.
HANDLERS: dict[str, tuple[Prefetch, Apply]] = {
    "checkout.session.completed": (fetch_paid_session, session_paid),
    "checkout.session.async_payment_succeeded": (fetch_paid_session, session_paid),
    "checkout.session.async_payment_failed": (no_prefetch, session_closed),
    "checkout.session.expired": (no_prefetch, session_closed),
    "charge.refunded": (fetch_refunds, charge_refunded),
    "charge.dispute.created": (no_prefetch, dispute_created),
    "charge.dispute.closed": (no_prefetch, dispute_closed),
    "account.updated": (no_prefetch, account_updated),
}


@dataclass(frozen=True)
class Receipt:
    """What the endpoint answers: ``status`` is duplicate, processed, flagged, ignored or
    waiting."""

    event_id: str
    status: str
    message: str = ""


def receive(gateway: PaymentGateway, payload: bytes, signature: str | None) -> Receipt:
    """Handle one delivery. Raises InvalidWebhook (answer 400) or PaymentError (answer 5xx,
    so the processor delivers again later)."""
    event = gateway.construct_event(payload, signature)
    event_id = str(event["id"])
    stored = db.session.get(WebhookEvent, event_id)
    if stored is not None and stored.processed_at is not None:
        return Receipt(event_id, "duplicate", stored.outcome or "")
    prefetch, _apply = HANDLERS.get(event["type"], (None, None))
    fetched = prefetch(gateway, event) if prefetch else None
    try:
        record = _claim(event, gateway.name, stored=stored is not None)
        if record is None:
            return Receipt(event_id, "duplicate")
        outcome = _process(gateway, record, event, fetched)
        db.session.flush()
    except IntegrityError:
        # Another delivery did the work between our check and our write: already done.
        db.session.rollback()
        stored = db.session.get(WebhookEvent, event_id, populate_existing=True)
        if stored is not None and stored.processed_at is not None:
            return Receipt(event_id, "duplicate", stored.outcome or "")
        raise
    return Receipt(event_id, outcome.result, outcome.message)


def _claim(event: Obj, provider: str, *, stored: bool) -> WebhookEvent | None:
    """Store the event, or lock the stored copy; None when it was processed meanwhile."""
    if not stored:
        record = WebhookEvent(
            id=str(event["id"]), type=str(event["type"])[:100], provider=provider, payload=event
        )
        db.session.add(record)
        try:
            db.session.flush()
            return record
        except IntegrityError:
            # The insert is this transaction's first write: rolling back loses nothing else.
            db.session.rollback()
    record = lock_event(str(event["id"]))
    if record is None or record.processed_at is not None:
        return None
    return record


def _process(gateway: PaymentGateway, record: WebhookEvent, event: Obj, fetched: Any) -> Outcome:
    handler = HANDLERS.get(event["type"])
    outcome = handler[1](gateway, event, fetched) if handler else ignored("event type not used")
    record.outcome = f"{outcome.result}: {outcome.message}"[:255]
    if outcome.final:
        record.processed_at = utcnow()
    log.info("Event %s (%s): %s", record.id, record.type, record.outcome)
    if outcome.final and outcome.order is not None:
        replay_waiting(gateway, outcome.order)
    _settle_holders(event, outcome)
    return outcome


def _settle_holders(event: Obj, outcome: Outcome) -> None:
    """Co-productions: have the order's rights holders paid (or held payouts released)."""
    order_changed(outcome.order)
    if event.get("type") == "account.updated":
        studio_changed(studio_for_account(event.get("account") or data_object(event).get("id")))


def _concerns(payload: dict, order: Order) -> bool:
    obj = data_object(payload)
    ids = {obj.get("id"), obj.get("charge"), obj.get("payment_intent")}
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    ours = {order.charge_id, order.payment_intent_id, order.checkout_session_id} - {None}
    return bool(ids & ours) or meta.get("order_id") == order.public_id


def replay_waiting(gateway: PaymentGateway, order: Order) -> int:
    """Process the events that were waiting for this order's payment, oldest first."""
    done = 0
    for _round in range(MAX_REPLAYS):
        candidates = db.session.scalars(
            sa.select(WebhookEvent)
            .where(WebhookEvent.processed_at.is_(None))
            .order_by(WebhookEvent.received_at)
        ).all()
        progressed = False
        for candidate in candidates:
            if not _concerns(candidate.payload, order):
                continue
            # Skip one another delivery is processing right now: it will finish it.
            record = lock_event(candidate.id, skip_locked=True)
            if record is None or record.processed_at is not None:
                continue
            event = record.payload
            prefetch = HANDLERS.get(event["type"], (None, None))[0]
            try:
                fetched = prefetch(gateway, event) if prefetch else None
            except PaymentError as exc:
                # The payment itself is recorded; this event waits for the periodic retry.
                log.warning("Waiting event %s not replayed: %s", record.id, exc.detail)
                continue
            handler = HANDLERS[event["type"]][1]
            outcome = handler(gateway, event, fetched)
            record.outcome = f"{outcome.result}: {outcome.message}"[:255]
            if outcome.final:
                record.processed_at = utcnow()
                order_changed(outcome.order)
                done += 1
                progressed = True
                log.info("Waiting event %s (%s): %s", record.id, record.type, record.outcome)
        db.session.flush()
        if not progressed:
            break
    return done


def retry_waiting(gateway: PaymentGateway) -> int:
    """Periodic: try every event still waiting (its order may have been paid meanwhile)."""
    pending = db.session.execute(
        sa.select(WebhookEvent.id, WebhookEvent.payload)
        .where(WebhookEvent.processed_at.is_(None))
        .order_by(WebhookEvent.received_at)
    ).all()
    done = 0
    for event_id, event in pending:
        prefetch = HANDLERS.get(event["type"], (None, None))[0]
        try:
            fetched = prefetch(gateway, event) if prefetch else None  # before taking the lock
        except PaymentError as exc:
            log.warning("Waiting event %s not retried: %s", event_id, exc.detail)
            continue
        record = lock_event(event_id, skip_locked=True)
        if record is None or record.processed_at is not None:
            continue
        done += _process(gateway, record, event, fetched).final
    db.session.flush()
    return done


def waiting_events() -> list[WebhookEvent]:
    return list(
        db.session.scalars(
            sa.select(WebhookEvent)
            .where(WebhookEvent.processed_at.is_(None))
            .order_by(WebhookEvent.received_at)
        )
    )
