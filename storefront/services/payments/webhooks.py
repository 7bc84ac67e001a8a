"""Receiving payment events: verify, store once by id, answer at once; process in a job.

A delivery (``receive``) only:
1. verifies the signature on the raw body (the gateway; 5-minute tolerance, both ways);
2. stores the event by id (its primary key: of concurrent deliveries one inserts, the others
   are duplicates) and asks for the ``payments.process_event`` job once that commits.
So the processor gets its 2xx in milliseconds whatever the load (Stripe counts slow answers as
failures and delivers again).

The job (``process_event``) then, exactly once per event:
3. reads from the processor what the handler needs (before any lock is taken);
4. locks the stored event (skipping one another worker holds) and checks it is unprocessed;
5. runs the handler, which changes the order, entitlement and ledger under the order's lock.

Out-of-order events (a refund or dispute whose payment is not recorded yet) are kept with
outcome "waiting"; they are processed as soon as the order's payment is recorded, in that same
transaction. A periodic job processes any event still unprocessed (a lost enqueue, a
processor outage during step 3, an event still waiting).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ...adapters.payments import PaymentError, PaymentGateway
from ...db import OWN_TRANSACTION
from ...extensions import db
from ...jobs import QUEUED_JOB_GRACE, defer
from ...models import Order, WebhookEvent, utcnow
from .connect import able_again, account_updated, payout_failed, studio_for_account
from .disputes import dispute_closed, dispute_created
from .events import Apply, Outcome, Prefetch, data_object, ignored, no_prefetch
from .fulfilment import fetch_paid_session, session_closed, session_paid
from .locks import lock_event
from .payout_queue import studio_changed
from .refund_failures import REFUND_UPDATE_EVENTS, fetch_refund, refund_updated
from .refunds import charge_refunded, fetch_refunds
from .transfers import order_changed

log = logging.getLogger(__name__)
Obj = dict[str, Any]
MAX_REPLAYS = 20
PROCESS_TASK = "payments.process_event"

# Every event the store acts on: type -> (what to read from the processor first, the change).
# Other types are acknowledged and ignored.
HANDLERS: dict[str, tuple[Prefetch, Apply]] = {
    "checkout.session.completed": (fetch_paid_session, session_paid),
    "checkout.session.async_payment_succeeded": (fetch_paid_session, session_paid),
    "checkout.session.async_payment_failed": (no_prefetch, session_closed),
    "checkout.session.expired": (no_prefetch, session_closed),
    "charge.refunded": (fetch_refunds, charge_refunded),
    "charge.dispute.created": (no_prefetch, dispute_created),
    "charge.dispute.funds_withdrawn": (no_prefetch, dispute_created),
    "charge.dispute.closed": (no_prefetch, dispute_closed),
    "account.updated": (no_prefetch, account_updated),
    "payout.failed": (no_prefetch, payout_failed),
    # A pending refund that fails (each type once per change; the refund is read again).
    **dict.fromkeys(REFUND_UPDATE_EVENTS, (fetch_refund, refund_updated)),
}


@dataclass(frozen=True)
class Receipt:
    """What the endpoint answers: ``status`` is duplicate, processed, flagged, ignored or
    waiting."""

    event_id: str
    status: str
    message: str = ""


def receive(gateway: PaymentGateway, payload: bytes, signature: str | None) -> Receipt:
    """Verify and store one delivery. Raises InvalidWebhook (answer 400). ``status`` is
    received (stored now, or stored earlier and not processed yet: processed by a job),
    duplicate (already processed) or ignored (a type the store does not act on)."""
    event = gateway.construct_event(payload, signature)
    event_id = str(event["id"])
    if event["type"] not in HANDLERS:
        # Nothing to do, so nothing to store or queue: an endpoint subscribed to every type
        # gets several such events per payment (charge.succeeded, transfer.created...).
        return Receipt(event_id, "ignored", "event type not used")
    if not _store(event, gateway.name):
        stored = db.session.get(WebhookEvent, event_id)
        if stored is not None and stored.processed_at is not None:
            return Receipt(event_id, "duplicate", stored.outcome or "")
        # Stored but not processed yet: its job may be running, or may have been lost.
    defer(db.session, PROCESS_TASK, event_id)  # twice is harmless: processing is once
    return Receipt(event_id, "received")


def _store(event: Obj, provider: str) -> bool:
    """Insert the event unless its id is stored already (one statement, no lock waits: of
    concurrent deliveries exactly one inserts). True when this call stored it.

    The insert is a whole unit of work (``OWN_TRANSACTION``): on PostgreSQL it commits as it
    runs, one round trip instead of three (BEGIN, INSERT, COMMIT), as durably."""
    row = {
        "id": str(event["id"]),
        "type": str(event["type"])[:100],
        "provider": provider,
        "payload": event,
        "received_at": utcnow(),
    }
    inserted = db.session.execute(_INSERT_NEW_EVENT, row, execution_options=OWN_TRANSACTION)
    return inserted.first() is not None


_EVENTS = WebhookEvent.__table__
# Plain SQL that both databases run (SQLite 3.35+): SQLAlchemy compiles its PostgreSQL
# ``insert().on_conflict_do_nothing()`` again on every execution (that construct has no cache
# key), which cost more CPU than the rest of the insert; text with typed parameters is
# compiled once per process. RETURNING says whether this call inserted.
_INSERT_NEW_EVENT = sa.text(
    "INSERT INTO webhook_events (id, type, provider, payload, received_at) "
    "VALUES (:id, :type, :provider, :payload, :received_at) "
    "ON CONFLICT (id) DO NOTHING RETURNING id"
).bindparams(
    sa.bindparam("payload", type_=_EVENTS.c.payload.type),
    sa.bindparam("received_at", type_=_EVENTS.c.received_at.type),
)


def process_event(gateway: PaymentGateway, event_id: str) -> Outcome | None:
    """Process one stored event, exactly once (None when there was nothing to do).

    Raises PaymentError when the processor cannot be read: the job is retried, and the
    periodic sweep picks the event up in any case.
    """
    stored = db.session.get(WebhookEvent, event_id)
    if stored is None or stored.processed_at is not None:
        return None
    event = stored.payload
    prefetch = HANDLERS.get(event["type"], (None, None))[0]
    fetched = prefetch(gateway, event) if prefetch else None  # before taking any lock
    record = lock_event(event_id, skip_locked=True)
    if record is None or record.processed_at is not None:
        return None  # another worker has it, or had it
    outcome = _process(gateway, record, event, fetched)
    db.session.flush()
    return outcome


def _apply(gateway: PaymentGateway, event: Obj, fetched: Any) -> Outcome:
    """The event's effect; types the store does not use (charge.succeeded...) are ignored."""
    handler = HANDLERS.get(event["type"])
    return handler[1](gateway, event, fetched) if handler else ignored("event type not used")


def _process(gateway: PaymentGateway, record: WebhookEvent, event: Obj, fetched: Any) -> Outcome:
    outcome = _apply(gateway, event, fetched)
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
        account = data_object(event)
        previous = (event.get("data") or {}).get("previous_attributes") or {}
        studio_changed(
            studio_for_account(event.get("account") or account.get("id")),
            retry_failed=able_again(account, previous),
        )


def _concerns(payload: dict, order: Order) -> bool:
    obj = data_object(payload)
    ids = {obj.get("id"), obj.get("charge"), obj.get("payment_intent")}
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    ours = {order.charge_id, order.payment_intent_id, order.checkout_session_id} - {None}
    return bool(ids & ours) or meta.get("order_id") == order.public_id


def replay_waiting(gateway: PaymentGateway, order: Order) -> int:
    """Process the events that were waiting for this order's payment, oldest first.

    Only events already tried (they have an outcome): one not tried yet has its job queued,
    and a premiere's backlog of those must not be read again by every payment.
    """
    done = 0
    for _round in range(MAX_REPLAYS):
        candidates = db.session.scalars(
            sa.select(WebhookEvent)
            .where(WebhookEvent.processed_at.is_(None), WebhookEvent.outcome.is_not(None))
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
            outcome = _apply(gateway, event, fetched)
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


def retry_waiting(gateway: PaymentGateway, now: datetime | None = None) -> int:
    """Periodic: try every event still waiting (its order may have been paid meanwhile).

    An event never tried is left to its queued job until QUEUED_JOB_GRACE has passed.
    """
    queued_since = (now or utcnow()) - QUEUED_JOB_GRACE
    pending = db.session.execute(
        sa.select(WebhookEvent.id, WebhookEvent.payload)
        .where(
            WebhookEvent.processed_at.is_(None),
            sa.or_(WebhookEvent.outcome.is_not(None), WebhookEvent.received_at < queued_since),
        )
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
