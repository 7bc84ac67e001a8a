"""One transaction per request: services flush, the request boundary commits once."""

from __future__ import annotations

import logging

from flask import Flask, Response
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)


def init_request_transactions(app: Flask, db: SQLAlchemy) -> None:
    """Commit after a successful response, roll back on any error."""

    @app.after_request
    def commit_session(response: Response) -> Response:
        # Commit before the response leaves so a failed commit becomes a 500, not a lie.
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response

    @app.teardown_request
    def rollback_on_error(exc: BaseException | None) -> None:
        if exc is not None:
            db.session.rollback()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:  # type: ignore[no-untyped-def]
    """Enforce foreign keys and allow a web process and a worker to share the SQLite file."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
