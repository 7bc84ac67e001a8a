"""One transaction per request: services flush, the request boundary commits once.

On PostgreSQL (psycopg) two things keep a request that only reads from paying for more than
its reads (each is a round trip to the server):

* A pooled connection is checked on checkout without asking the server: an idle connection
  has nothing to read unless the server has ended it (a restart, ``pg_terminate_backend``,
  an idle timeout), so one whose socket is readable is replaced. A ping on every checkout
  would cost a round trip per request.
* A transaction begins at the first statement that needs one: anything but a plain
  ``SELECT`` (writes, ``SELECT ... FOR UPDATE``, ``SET LOCAL``, savepoints, server-side
  cursors). Reads before it run on their own, which under READ COMMITTED (where every
  statement takes a fresh snapshot anyway) sees exactly what they would have seen inside
  it; a request that never writes sends no BEGIN and no COMMIT. Under any other default
  isolation level, or on a connection given one explicitly, every statement runs in the
  transaction as usual.
* A write that is a whole unit of work by itself (executed with ``OWN_TRANSACTION``, as the
  webhook's event insert is) and comes before any transaction has begun runs in none: the
  server commits it as it runs, with the same WAL flush, in one round trip instead of BEGIN,
  the statement and COMMIT. It stays committed if the request fails after it, which is what
  such a statement is for. Inside a transaction already begun (and on SQLite) it is part of it.

On SQLite (pysqlite) the store, not the driver, begins transactions. The driver's own
handling sends ``BEGIN`` only before INSERT, UPDATE and DELETE, so a savepoint taken before
the first write (``begin_nested``) became the outermost transaction and its RELEASE committed
the request's writes half-way. The driver is set to leave transactions alone, and the first
statement that needs one (as on PostgreSQL: anything but a plain ``SELECT``, here also but a
``PRAGMA``) is preceded by ``BEGIN IMMEDIATE``: it takes the write lock before anything is
read in the transaction, waiting for it under the busy timeout. A deferred ``BEGIN`` that read
first could not wait: once another connection has committed since that read, SQLite refuses
the upgrade to a writer at once (SQLITE_BUSY_SNAPSHOT, "database is locked"). Reads before it
run on their own, each seeing the last commit, and never block or wait for a writer (WAL);
a request that never writes never takes the lock.

No call to another service while a write is held: SQLite has one writer, so a transaction
that has written holds the whole database until it ends, and every other writer (another
request, the worker, the processor's webhook answering that very call) waits at most the
busy timeout and then fails with "database is locked". Work that must reach out after a
write (closing a processor's session a refused or replaced checkout opened) is handed to
``after_transaction`` (or ``after_commit``, dropped on rollback) and runs once the transaction
has ended, with nothing held.
"""

from __future__ import annotations

import functools
import logging
import re
import select
from collections.abc import Callable
from typing import Any

from flask import Flask, Response
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger(__name__)

# Plain reads: a SELECT that takes no row locks, creates no table (SELECT ... INTO) and
# calls no lock or setting function. Anything else in doubt begins the transaction.
_READ = re.compile(r"\s*SELECT\b", re.IGNORECASE)
_NOT_PLAIN = re.compile(
    r"\bFOR\s+(?:NO\s+KEY\s+)?(?:UPDATE|SHARE|KEY\s+SHARE)\b|\bINTO\b|pg_advisory|set_config",
    re.IGNORECASE,
)
_PRAGMA = re.compile(r"\s*PRAGMA\b", re.IGNORECASE)
_DEFERRED = "transaction_deferred"
# Execution options of a statement that is its own unit of work (see the module).
OWN_TRANSACTION = {"own_transaction": True}
_AFTER = "after_transaction"
_COMMITTED = "transaction_committed"


def after_transaction(session: Session, action: Callable[[], None]) -> None:
    """Run ``action`` once ``session``'s transaction has ended, committed or rolled back, and
    its connection is back in the pool (at once when none is open). For calls to other
    services after a write: made inside the transaction, they would hold SQLite's write lock
    while they wait (see the module). A failing action is logged, never raised: the
    transaction's outcome is already decided."""
    _queue(session, action, only_if_committed=False)


def after_commit(session: Session, action: Callable[[], None]) -> None:
    """Like ``after_transaction``, for work that only makes sense once the transaction's
    writes stand: dropped if it rolls back."""
    _queue(session, action, only_if_committed=True)


def _queue(session: Session, action: Callable[[], None], *, only_if_committed: bool) -> None:
    if not session.in_transaction():
        action()
        return
    session.info.setdefault(_AFTER, []).append((action, only_if_committed))


@event.listens_for(Session, "after_commit")
def _note_commit(session: Session) -> None:
    if _AFTER in session.info and not session.in_nested_transaction():
        session.info[_COMMITTED] = True


@event.listens_for(Session, "after_transaction_end")
def _run_after_transaction(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return  # a savepoint or subtransaction: the outer transaction still holds its locks
    committed = session.info.pop(_COMMITTED, False)
    for action, only_if_committed in session.info.pop(_AFTER, ()):
        if only_if_committed and not committed:
            continue
        try:
            action()
        except Exception:
            log.exception("Work after the transaction failed")


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

    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.driver == "psycopg":
                watch_psycopg_engine(engine)
            elif engine.dialect.driver == "pysqlite":
                watch_sqlite_engine(engine)


@functools.lru_cache(maxsize=2048)
def needs_transaction(statement: str) -> bool:
    """Whether a statement must run inside the request's transaction (see the module).

    Cached: the same few statements come every request, and scanning one costs more than
    a dictionary look-up."""
    return not _READ.match(statement) or bool(_NOT_PLAIN.search(statement))


def watch_psycopg_engine(engine: Engine) -> None:
    """Check pooled connections locally and defer each transaction's start (see the module)."""
    import psycopg

    if getattr(engine, "_storefront_watched", False):
        return
    engine._storefront_watched = True  # type: ignore[attr-defined]

    @event.listens_for(engine.pool, "checkout")
    def check_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        poller = select.poll()
        try:
            poller.register(dbapi_connection.fileno(), select.POLLIN)
        except psycopg.OperationalError as error:  # closed, or lost on the client's side
            raise exc.DisconnectionError(str(error)) from error
        if poller.poll(0):
            raise exc.DisconnectionError("the server ended this connection while it was idle")
        # The dialect learns the server's default when the pool opens its first connection.
        deferred = engine.dialect.default_isolation_level == "READ COMMITTED"
        if deferred:
            dbapi_connection.autocommit = True
        record.info[_DEFERRED] = deferred

    @event.listens_for(engine, "before_cursor_execute")
    def begin_when_needed(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        info = conn.info
        if not info.get(_DEFERRED):
            return
        if "isolation_level" in conn.get_execution_options():
            return  # the caller chose: AUTOCOMMIT stays so, a level set its own transaction
        if context is not None and context.execution_options.get("own_transaction"):
            return  # committed by the server as it runs; the next write begins as usual
        if isinstance(cursor, psycopg.ServerCursor) or needs_transaction(statement):
            info[_DEFERRED] = False
            cursor.connection.autocommit = False  # psycopg sends BEGIN before this statement

    @event.listens_for(engine.pool, "checkin")
    def check_in(dbapi_connection: Any, record: Any) -> None:
        record.info.pop(_DEFERRED, None)


def watch_sqlite_engine(engine: Engine) -> None:
    """Begin each transaction with BEGIN IMMEDIATE at its first write (see the module)."""
    if getattr(engine, "_storefront_watched", False):
        return
    engine._storefront_watched = True  # type: ignore[attr-defined]

    @event.listens_for(engine.pool, "checkout")
    def check_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        # The pool has rolled back whatever the last user left, so this commits nothing; it
        # also undoes a level a previous user chose (SQLAlchemy sets the driver's back to "").
        if dbapi_connection.isolation_level is not None:
            dbapi_connection.isolation_level = None

    @event.listens_for(engine, "before_cursor_execute")
    def begin_when_needed(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection = cursor.connection
        if dbapi_connection.in_transaction or dbapi_connection.isolation_level is not None:
            return  # begun already, or the driver's own handling (a level chosen explicitly)
        if "isolation_level" in conn.get_execution_options() or not conn.in_transaction():
            return  # AUTOCOMMIT asked for, or no transaction wanted
        if needs_transaction(statement) and not _PRAGMA.match(statement):
            dbapi_connection.execute("BEGIN IMMEDIATE")


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
