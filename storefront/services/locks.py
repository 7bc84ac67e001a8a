"""Row locks that serialise state changes on PostgreSQL and SQLite alike.

PostgreSQL: ``SELECT … FOR UPDATE`` locks the row until the transaction ends.
SQLite has no row locks and ignores FOR UPDATE; it has one writer at a time, so taking the
database's write lock (with a no-op UPDATE of the row) serialises the rest of the transaction,
and reads made after it see every committed change.
"""

from __future__ import annotations

from typing import Any, TypeVar

import sqlalchemy as sa

from ..extensions import db

M = TypeVar("M")


def lock_row(model: type[M], key: object, column: Any, *, skip_locked: bool = False) -> M | None:
    """The row of ``model`` with id ``key``, re-read and locked for the rest of the transaction
    (on SQLite by writing ``column`` back unchanged); with ``skip_locked`` None when another
    transaction holds it (PostgreSQL)."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            sa.update(model)
            .where(model.id == key)  # type: ignore[attr-defined]
            .values({column: column})
            .execution_options(synchronize_session=False)
        )
    return db.session.get(
        model,
        key,
        with_for_update={"skip_locked": True} if skip_locked else True,
        populate_existing=True,
    )
