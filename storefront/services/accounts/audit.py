"""The admins' audit log: what an admin (or an operator on the server's command line) did to
an account, a studio or an order, who and when.

Each admin action writes its row here in the same transaction as the change itself, so the
log never shows an action that did not happen, nor misses one that did."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ...extensions import db
from ...models import AdminAction, Order, Studio, User

SUSPEND_USER = "user.suspend"
UNSUSPEND_USER = "user.unsuspend"
RECORD_PAYOUT = "studio.payout"  # a payout to a rights holder made by hand, recorded
REFUND_ORDER = "order.refund"  # an admin refunded another studio's order
EDIT_STUDIO = "studio.edit"  # an admin changed something in another studio's pages
MAKE_ADMIN = "user.make_admin"
ACTIONS = (SUSPEND_USER, UNSUSPEND_USER, RECORD_PAYOUT, REFUND_ORDER, EDIT_STUDIO, MAKE_ADMIN)
DETAIL_MAX = 500
OPERATOR_MAX = 64


@dataclass(frozen=True)
class CommandLine:
    """An operator at the server's shell: no account, only the login name the command ran as."""

    login: str


# Who did it: an admin's account (the web pages) or the command line.
Actor = User | CommandLine
Target = User | Studio | Order
_TARGET_TYPES = {User: "user", Studio: "studio", Order: "order"}


def record(actor: Actor, action: str, target: Target, detail: str = "") -> AdminAction:
    """Keep one action of ``actor`` on ``target`` (an account, a studio or an order)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown admin action {action!r}")
    by_hand = isinstance(actor, CommandLine)
    entry = AdminAction(
        admin_id=None if by_hand else actor.id,
        operator=(actor.login or "?")[:OPERATOR_MAX] if by_hand else None,
        action=action,
        target_type=_TARGET_TYPES[type(target)],
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


def targets_of(entries: list[AdminAction]) -> dict[tuple[str, int], Target]:
    """What a page of entries names, keyed by (target type, id): one query per kind."""
    found: dict[tuple[str, int], Target] = {}
    for model, kind in _TARGET_TYPES.items():
        ids = {e.target_id for e in entries if e.target_type == kind}
        if ids:
            rows = db.session.scalars(sa.select(model).where(model.id.in_(ids)))
            found.update({(kind, row.id): row for row in rows})
    return found
