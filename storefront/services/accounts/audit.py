"""The admins' audit log: what an admin (or an operator on the server's command line) did to
an account, a studio or an order, who and when.

Each admin action writes its row here in the same transaction as the change itself, so the
log never shows an action that did not happen, nor misses one that did."""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

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
CHANGES_MAX = 50  # per action: a page that rewrites a long list is summed up by its start
VALUE_MAX = 200
HIDDEN = "(hidden)"
# Column names with one of these words hold secrets or what the admin never saw (sign-in
# devices and addresses): the log says they changed, not their values.
_SECRET_WORDS = frozenset({"password", "token", "secret", "stamp", "hash", "key", "ip", "agent"})
# Whole records of this kind are people's accounts: an admin in a studio's page saw none of it.
_PRIVATE_TABLES = frozenset({"users", "user_logins"})
# One change: {"record": table, "id": row id or None, then either "field", "old", "new"
# (a value changed) or "change": "added" | "removed" | "updated" (a row, or rows by a query)}.
Change = dict[str, Any]


@dataclass(frozen=True)
class CommandLine:
    """An operator at the server's shell: no account, only the login name the command ran as."""

    login: str


# Who did it: an admin's account (the web pages) or the command line.
Actor = User | CommandLine
Target = User | Studio | Order
_TARGET_TYPES = {User: "user", Studio: "studio", Order: "order"}


def record(
    actor: Actor,
    action: str,
    target: Target,
    detail: str = "",
    changes: list[Change] | None = None,
) -> AdminAction:
    """Keep one action of ``actor`` on ``target`` (an account, a studio or an order);
    ``changes``: what it changed, from :func:`changes_of`."""
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
        changes=changes[:CHANGES_MAX] if changes else None,
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


def _plain(value: Any) -> Any:
    """A value as the log keeps it: JSON, short."""
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float):
        return value
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= VALUE_MAX else text[: VALUE_MAX - 1] + "…"


def _hidden(table: str, field: str) -> bool:
    return table in _PRIVATE_TABLES or bool(_SECRET_WORDS & set(field.split("_")))


def _value(table: str, field: str, value: Any) -> Any:
    return HIDDEN if _hidden(table, field) else _plain(value)


def changes_of(new: Iterable[Any], dirty: Iterable[Any], deleted: Iterable[Any]) -> list[Change]:
    """What a flush is about to write, field by field (rows of the audit log itself left out).

    Call it before the flush (``before_flush``): afterwards the old values are gone."""
    found: list[Change] = []
    for obj in dirty:
        if isinstance(obj, AdminAction):
            continue
        state = sa.inspect(obj)
        table = obj.__tablename__
        row_id = state.identity[0] if state.identity else None
        for attr in state.mapper.column_attrs:
            history = state.attrs[attr.key].history
            if not history.added:
                continue
            old = history.deleted[0] if history.deleted else None
            if history.deleted and old == history.added[0]:
                continue
            found.append(
                {
                    "record": table,
                    "id": row_id,
                    "field": attr.key,
                    "old": _value(table, attr.key, old),
                    "new": _value(table, attr.key, history.added[0]),
                }
            )
    for obj, change in [*((o, "added") for o in new), *((o, "removed") for o in deleted)]:
        if isinstance(obj, AdminAction):
            continue
        state = sa.inspect(obj)
        table = obj.__tablename__
        entry: Change = {
            "record": table,
            "id": state.identity[0] if state.identity else None,
            "change": change,
        }
        if change == "added":
            values = {a.key: getattr(obj, a.key) for a in state.mapper.column_attrs}
            entry["values"] = {
                k: _value(table, k, v) for k, v in values.items() if v is not None and k != "id"
            }
        found.append(entry)
    return found


def merge_changes(earlier: list[Change], later: list[Change]) -> list[Change]:
    """One request's flushes as one list: a field changed twice keeps its first old value
    and its last new one; a field set back to where it was drops out."""
    merged = list(earlier)
    for change in later:
        if "field" not in change:
            if change not in merged:  # rows a query changed again: said once
                merged.append(change)
            continue
        same = next(
            (
                i
                for i, c in enumerate(merged)
                if (c.get("record"), c.get("id"), c.get("field"))
                == (change["record"], change["id"], change["field"])
            ),
            None,
        )
        if same is None:
            merged.append(change)
        elif merged[same]["old"] == change["new"]:
            del merged[same]
        else:
            merged[same] = {**merged[same], "new": change["new"]}
    return merged
