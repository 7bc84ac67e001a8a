"""Row locks that serialise payment state changes on PostgreSQL and SQLite alike.

PostgreSQL: ``SELECT … FOR UPDATE`` locks the row until the transaction ends.
SQLite has no row locks and ignores FOR UPDATE; it has one writer at a time, so taking the
database's write lock (with a no-op UPDATE of the row) serialises the rest of the transaction,
and reads made after it see every committed change. Webhook processing writes its event row
first, so on SQLite it holds the write lock for the whole transaction.
"""

from __future__ import annotations

from typing import TypeVar

import sqlalchemy as sa

from ...extensions import db
from ...models import Order, WebhookEvent

M = TypeVar("M", Order, WebhookEvent)


def _is_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def _lock(model: type[M], key: object, *, skip_locked: bool = False) -> M | None:
    if _is_sqlite():
        column = model.updated_at if model is Order else model.type  # type: ignore[attr-defined]
        db.session.execute(
            sa.update(model)
            .where(model.id == key)  # type: ignore[arg-type]
            .values({column: column})
            .execution_options(synchronize_session=False)
        )
    return db.session.get(
        model,
        key,
        with_for_update={"skip_locked": True} if skip_locked else True,
        populate_existing=True,
    )


def lock_order(order_id: int) -> Order | None:
    """The order, re-read and locked for the rest of the transaction."""
    return _lock(Order, order_id)


def lock_event(event_id: str, *, skip_locked: bool = False) -> WebhookEvent | None:
    """The stored event, locked; with ``skip_locked`` None when another transaction holds it."""
    return _lock(WebhookEvent, event_id, skip_locked=skip_locked)
