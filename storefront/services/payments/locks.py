"""Row locks that serialise payment state changes (see ``services.locks``). Webhook
processing writes its event row first, so on SQLite it holds the write lock for the whole
transaction."""

from __future__ import annotations

from ...models import Order, WebhookEvent
from ..locks import lock_row


def lock_order(order_id: int) -> Order | None:
    """The order, re-read and locked for the rest of the transaction."""
    return lock_row(Order, order_id, Order.updated_at)


def lock_event(event_id: str, *, skip_locked: bool = False) -> WebhookEvent | None:
    """The stored event, locked; with ``skip_locked`` None when another transaction holds it."""
    return lock_row(WebhookEvent, event_id, WebhookEvent.type, skip_locked=skip_locked)
