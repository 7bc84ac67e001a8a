"""Admins act in any studio's pages (``permissions.may``): when one who is no member of the
studio changes something there, the admins' audit log says so, whatever the page.

``studio_or_404`` marks such a request; after a successful response, and only if the request
wrote to the database, one entry names the studio, the page and what changed, field by field
(read at each flush, before the old values are gone), before the request's single commit, so
the entry and the change are kept or dropped together. Pages that write a more
precise entry themselves (a refund) are not logged twice."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, has_app_context, request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from ..extensions import db
from ..models import AdminAction, Studio
from ..services.accounts import audit

WRITES = ("POST", "PUT", "PATCH", "DELETE")


def mark_admin_in_studio(studio: Studio, action: str) -> None:
    """Called by ``studio_or_404``: the current admin may act here only as an admin."""
    from ..services.accounts.permissions import membership

    if request.method not in WRITES or not current_user.is_authenticated:
        return
    if current_user.is_admin and membership(current_user, studio) is None:
        g.admin_in_studio = (studio.id, action)


def _note_write(session: Session, *_args: Any) -> None:
    if not has_app_context():
        return
    changed = [*session.new, *session.dirty, *session.deleted]
    if any(not isinstance(obj, AdminAction) for obj in changed):
        g.wrote_to_database = True
    if any(isinstance(obj, AdminAction) for obj in session.new):
        g.audited = True  # a service wrote its own, more precise entry
    if g.get("admin_in_studio") is not None:
        # Read now: once flushed, the old values are gone.
        found = audit.changes_of(session.new, session.dirty, session.deleted)
        g.admin_changes = audit.merge_changes(g.get("admin_changes", []), found)


_STATEMENT_CHANGES = {"is_insert": "added", "is_update": "updated", "is_delete": "removed"}


def _note_statement(state: ORMExecuteState) -> None:
    if not (has_app_context() and (state.is_insert or state.is_update or state.is_delete)):
        return
    g.wrote_to_database = True
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", AdminAction.__tablename__)
    if g.get("admin_in_studio") is not None and name != AdminAction.__tablename__:
        kind = next(v for k, v in _STATEMENT_CHANGES.items() if getattr(state, k))
        found = [{"record": name, "id": None, "change": kind}]
        g.admin_changes = audit.merge_changes(g.get("admin_changes", []), found)


def _record(response: Response) -> Response:
    marked = g.get("admin_in_studio")
    if marked is None or response.status_code >= 400:
        return response
    db.session.flush()  # what is still pending counts too
    g.pop("admin_in_studio")
    if not g.get("wrote_to_database") or g.get("audited"):
        return response
    studio = db.session.get(Studio, marked[0])
    if studio is not None:
        audit.record(
            current_user,
            audit.EDIT_STUDIO,
            studio,
            f"{request.endpoint} ({marked[1]})",
            changes=g.pop("admin_changes", None),
        )
    return response


def init_app(app: Flask) -> None:
    # Registered after the request transaction's commit hook, so it runs before it.
    app.after_request(_record)
    if not event.contains(Session, "before_flush", _note_write):  # once, however many apps
        event.listen(Session, "before_flush", _note_write)
        event.listen(Session, "do_orm_execute", _note_statement)
