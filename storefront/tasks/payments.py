"""Payment jobs: process stored events, deliver offline test events, settle pending orders past
their checkout's expiry, retry events still unprocessed."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app
from huey import Huey, crontab

from ..extensions import db
from ..jobs import defer, in_app_context

log = logging.getLogger(__name__)


def defer_offline_delivery(event_id: str) -> None:
    """The offline gateway's ``notify``: deliver the event once the current work commits."""
    defer(db.session, "payments.deliver_offline_event", event_id)


def _deliver(event_id: str) -> str:
    from ..services.payments import webhooks

    gateway = current_app.extensions["payments"]
    payload, signature = gateway.signed_event(event_id)
    receipt = webhooks.receive(gateway, payload, signature)
    return receipt.status


def _process_event(event_id: str) -> str:
    from ..services.payments import webhooks

    outcome = webhooks.process_event(current_app.extensions["payments"], event_id)
    return outcome.result if outcome is not None else "nothing to do"


def _refund_duplicate(order_id: int) -> bool:
    from ..services.payments.fulfilment import refund_duplicate

    return refund_duplicate(current_app.extensions["payments"], order_id) is not None


def _expire_orders() -> int:
    from ..services.payments.pending import settle_stale_orders

    settled = settle_stale_orders(current_app.extensions["payments"])
    return settled.expired + settled.fulfilled


def _close_checkouts(user_id: int) -> int:
    from ..services.payments.pending import close_checkouts_of

    settled = close_checkouts_of(current_app.extensions["payments"], user_id)
    return settled.expired + settled.fulfilled


def _retry_waiting() -> int:
    from ..services.payments.webhooks import retry_waiting

    return retry_waiting(current_app.extensions["payments"])


def register_tasks(huey: Huey, app: Flask) -> dict[str, Any]:
    deliver_in_app = in_app_context(app, _deliver)
    # Fulfilment from a stored event; retried while the processor cannot be read (the periodic
    # retry_waiting_events also picks up whatever is left unprocessed).
    process_event = huey.task(retries=3, retry_delay=10, name="payments.process_event")(
        in_app_context(app, _process_event)
    )

    refund_dup = huey.task(retries=5, retry_delay=30, name="payments.refund_duplicate")(
        in_app_context(app, _refund_duplicate)
    )

    @huey.task(retries=5, retry_delay=2, name="payments.deliver_offline_event")
    def deliver_offline_event(event_id: str) -> str:
        status = deliver_in_app(event_id)  # committed: only now is it delivered
        app.extensions["payments"].mark_delivered(event_id)
        return status

    @huey.periodic_task(crontab(minute="*"), name="payments.redeliver_offline_events")
    def redeliver_offline_events() -> int:
        gateway = app.extensions["payments"]
        if not hasattr(gateway, "undelivered_events"):
            return 0
        pending = gateway.undelivered_events(older_than_seconds=60)
        for event_id in pending:
            deliver_offline_event(event_id)
        return len(pending)

    expire = huey.periodic_task(crontab(minute="*/5"), name="payments.expire_pending_orders")(
        in_app_context(app, _expire_orders)
    )
    # A suspended account's open payment pages (storefront/services/accounts/suspension.py).
    close_checkouts = huey.task(retries=3, retry_delay=30, name="payments.close_user_checkouts")(
        in_app_context(app, _close_checkouts)
    )
    retry = huey.periodic_task(crontab(minute="*"), name="payments.retry_waiting_events")(
        in_app_context(app, _retry_waiting)
    )
    return {
        "payments.deliver_offline_event": deliver_offline_event,
        "payments.process_event": process_event,
        "payments.refund_duplicate": refund_dup,
        "payments.redeliver_offline_events": redeliver_offline_events,
        "payments.expire_pending_orders": expire,
        "payments.close_user_checkouts": close_checkouts,
        "payments.retry_waiting_events": retry,
    }
