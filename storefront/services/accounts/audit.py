"""The admins' audit log: what an admin did to an account or a studio, who and when.

Each admin action writes its row here in the same transaction as the change itself, so the
log never shows an action that did not happen, nor misses one that did."""

from __future__ import annotations

import sqlalchemy as sa

from ...extensions import db
from ...models import AdminAction, User

SUSPEND_USER = "user.suspend"
UNSUSPEND_USER = "user.unsuspend"
ACTIONS = (SUSPEND_USER, UNSUSPEND_USER)
DETAIL_MAX = 500


def record(admin: User, action: str, target: User, detail: str = "") -> AdminAction:
    """Keep one action of ``admin`` on ``target`` (an account)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown admin action {action!r}")
    entry = AdminAction(
        admin_id=admin.id,
        action=action,
        target_type="user",
        target_id=target.id,
        detail=detail.strip()[:DETAIL_MAX],
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def log_query(target_type: str | None = None, target_id: int | None = None) -> sa.Select:
    """Newest first; only one target's actions when given."""
    stmt = sa.select(AdminAction).order_by(AdminAction.id.desc())
    if target_type is not None:
        stmt = stmt.where(
            AdminAction.target_type == target_type, AdminAction.target_id == target_id
        )
    return stmt


def targets_of(entries: list[AdminAction]) -> dict[int, User]:
    """The accounts a page of entries names, in one query."""
    ids = {e.target_id for e in entries if e.target_type == "user"}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}
