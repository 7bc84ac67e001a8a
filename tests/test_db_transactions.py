"""What requests cost PostgreSQL in round trips, and that deferring the transaction's start to
the first statement that needs one keeps every guarantee of a transaction per request.

PostgreSQL only (the deferral is psycopg's); the app uses the production pool settings here,
so connections are reused across requests as in a deployed store.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.pool import NullPool

from storefront.config_values import engine_options
from storefront.db import needs_transaction
from storefront.extensions import db
from storefront.models import User

from .watching.conftest import WORLDWIDE, grant


@pytest.fixture
def settings(settings: dict) -> dict:
    if not settings["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only: set TEST_DATABASE_URL")
    url = settings["SQLALCHEMY_DATABASE_URI"]
    settings["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options({"DATABASE_URL": url})
    return settings


@pytest.fixture
def other(app: Flask) -> Iterator[sa.Engine]:
    """A second, independent client of the same database."""
    engine = sa.create_engine(db.engine.url, poolclass=NullPool)
    yield engine
    engine.dispose()


@contextmanager
def wire(engine: sa.Engine, folder: Path) -> Iterator[Callable[[], list[tuple[str, str]]]]:
    """The messages the app's connections send to the server (libpq's protocol trace), from
    connections opened inside the block: ``(kind, text)`` per message, in order."""
    engine.dispose()
    traced = []

    def trace(dbapi_connection, record) -> None:  # type: ignore[no-untyped-def]
        from psycopg import pq

        path = folder / f"wire-{len(traced)}.txt"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        dbapi_connection.pgconn.trace(fd)
        dbapi_connection.pgconn.set_trace_flags(
            pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE
        )
        traced.append((dbapi_connection, path))

    sa.event.listen(engine, "connect", trace)
    messages: list[tuple[str, str]] = []
    try:
        yield lambda: messages
    finally:
        sa.event.remove(engine, "connect", trace)
        for connection, path in traced:
            if not connection.closed:
                connection.pgconn.untrace()  # flushes
            for line in path.read_text(errors="replace").splitlines():
                parts = line.split("\t")
                if parts[0] == "F" and len(parts) >= 3:
                    messages.append((parts[2], parts[3].strip() if len(parts) > 3 else ""))
        engine.dispose()


MARK = "SELECT 'the measured request follows'"


def after_mark(messages: list[tuple[str, str]]) -> list[tuple[str, str]]:
    at = next(i for i, (_, text) in enumerate(messages) if MARK in text)
    return [m for m in messages[at + 1 :] if m[0] != "Terminate"]


def round_trips(messages: list[tuple[str, str]]) -> int:
    return sum(kind in ("Query", "Sync") for kind, _ in messages)


def test_a_signed_in_catalogue_page_costs_the_server_one_read_only(
    app, make_title, viewer, viewer_client, tmp_path
):
    films = [make_title(f"Film {n}", offers=WORLDWIDE) for n in range(3)]
    grant(viewer, films[1])
    db.session.remove()
    with wire(db.engine, tmp_path) as sent:
        viewer_client.get("/films")  # the listing is shared from now on; the connection pooled
        with db.engine.connect() as conn:
            conn.exec_driver_sql(MARK)
        page = viewer_client.get("/films").get_data(as_text=True)
    assert page.count("In your library") == 1
    measured = after_mark(sent())
    # The login (with memberships) and the films held, in one statement: no ping on checkout,
    # no BEGIN, no COMMIT.
    assert round_trips(measured) == 1, measured
    assert not [text for kind, text in measured if kind == "Query"]


def test_a_request_that_writes_still_runs_in_one_committed_transaction(
    app, make_user, client, tmp_path, other
):
    user = make_user("renamed@example.org")
    user_id = user.id

    def rename() -> str:
        db.session.scalar(sa.select(User.email).where(User.id == user_id))  # a read first
        db.session.get(User, user_id).display_name = "Renamed"
        db.session.flush()
        return "ok"

    def rename_then_fail() -> str:
        db.session.get(User, user_id).display_name = "Lost"
        db.session.flush()
        raise RuntimeError("after the write")

    app.add_url_rule("/_test/rename", "rename", rename)
    app.add_url_rule("/_test/rename-then-fail", "rename_then_fail", rename_then_fail)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    db.session.remove()
    with wire(db.engine, tmp_path) as sent:
        assert client.get("/_test/rename").status_code == 200
    queries = [text for kind, text in sent() if kind == "Query"]
    assert queries.count('"BEGIN"') == 1 and queries.count('"COMMIT"') == 1
    with other.connect() as conn:
        assert conn.scalar(sa.select(User.display_name).where(User.id == user_id)) == "Renamed"

    assert client.get("/_test/rename-then-fail").status_code == 500
    with other.connect() as conn:
        assert conn.scalar(sa.select(User.display_name).where(User.id == user_id)) == "Renamed"


def test_row_locks_taken_after_reads_are_held_until_the_end(app, make_user, other):
    user_id = make_user().id
    db.session.remove()
    db.session.scalar(sa.select(sa.func.count(User.id)))
    db.session.execute(sa.select(User.id).where(User.id == user_id).with_for_update())
    locked = sa.select(User.id).where(User.id == user_id).with_for_update(nowait=True)
    with other.connect() as conn, pytest.raises(sa.exc.OperationalError, match="lock"):
        conn.execute(locked)
    db.session.rollback()
    with other.connect() as conn:
        assert conn.scalar(locked) == user_id


def test_settings_and_savepoints_after_reads_belong_to_the_transaction(app, make_user):
    make_user()
    db.session.remove()
    db.session.scalar(sa.select(sa.func.count(User.id)))
    db.session.execute(sa.text("SET LOCAL work_mem = '77MB'"))
    assert db.session.scalar(sa.text("SHOW work_mem")) == "77MB"
    with db.session.begin_nested():
        db.session.add(
            User(
                email="nested@example.org", display_name="N", password_hash="x", security_stamp="s"
            )
        )
    db.session.rollback()
    assert db.session.scalar(sa.text("SHOW work_mem")) != "77MB"
    assert db.session.scalar(sa.select(User.id).where(User.email == "nested@example.org")) is None


def test_streamed_reads_and_chosen_isolation_levels_work_as_asked(app, make_user, other):
    for n in range(3):
        make_user(f"streamed{n}@example.org")
    db.session.remove()
    # A server-side cursor needs a transaction block.
    streamed = db.session.execute(sa.select(User.email).execution_options(yield_per=1))
    assert len(list(streamed.scalars())) == 3
    db.session.rollback()

    # REPEATABLE READ: every read of the transaction sees one snapshot.
    with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        before = conn.scalar(sa.select(sa.func.count(User.id)))
        with other.begin() as writer:
            writer.execute(
                sa.insert(User).values(
                    email="late@example.org",
                    display_name="L",
                    password_hash="x",
                    security_stamp="s",
                )
            )
        assert conn.scalar(sa.select(sa.func.count(User.id))) == before

    # AUTOCOMMIT stays so: VACUUM cannot run inside a transaction block.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM users")


def test_the_store_carries_on_when_the_server_ends_its_pooled_connections(
    app, make_user, viewer_client, other
):
    """What a PostgreSQL restart (or an idle timeout) does to the connections kept in the pool:
    the next requests get fresh ones instead of an error."""
    db.session.remove()
    assert viewer_client.get("/films").status_code == 200
    others = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    with other.connect() as conn:
        assert conn.execute(sa.text(f"SELECT pg_terminate_backend(pid) {others}")).all()
    deadline = time.monotonic() + 10
    while True:  # each look in a transaction of its own: statistics are read once per one
        with other.connect() as conn:
            if not conn.scalar(sa.text(f"SELECT count(*) {others}")):
                break
        assert time.monotonic() < deadline
        time.sleep(0.05)
    for _ in range(3):
        response = viewer_client.get("/films")
        assert response.status_code == 200
        assert "/logout" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("statement", "needs"),
    [
        ("SELECT users.id FROM users WHERE users.id = %(id)s", False),
        ("\n  select 1", False),
        ("SELECT users.id FROM users FOR UPDATE", True),
        ("SELECT users.id FROM users FOR NO KEY UPDATE SKIP LOCKED", True),
        ("SELECT id FROM users FOR SHARE", True),
        ("SELECT pg_advisory_xact_lock(1)", True),
        ("SELECT * INTO scratch FROM users", True),
        ("SELECT set_config('work_mem', '1MB', true)", True),
        ("WITH moved AS (DELETE FROM t RETURNING id) SELECT id FROM moved", True),
        ("INSERT INTO users (email) VALUES (%(email)s)", True),
        ("UPDATE users SET active = false", True),
        ("SET LOCAL work_mem = '64MB'", True),
        ("SAVEPOINT sa_savepoint_1", True),
    ],
)
def test_which_statements_start_the_transaction(statement: str, needs: bool) -> None:
    assert needs_transaction(statement) is needs


def test_a_pooled_connection_closed_on_this_side_is_replaced_too(app, viewer_client):
    returned = []

    def keep(dbapi_connection, record) -> None:  # type: ignore[no-untyped-def]
        returned.append(dbapi_connection)

    db.session.remove()
    sa.event.listen(db.engine.pool, "checkin", keep)
    try:
        assert viewer_client.get("/films").status_code == 200
    finally:
        sa.event.remove(db.engine.pool, "checkin", keep)
    for connection in returned:  # idle in the pool, closed behind its back
        connection.close()
    # Take every idle connection out of the pool at once: each passes the checkout's look.
    held = [db.engine.connect() for _ in range(db.engine.pool.checkedin())]
    try:
        assert all(conn.scalar(sa.text("SELECT 1")) == 1 for conn in held)
    finally:
        for conn in held:
            conn.close()
    assert viewer_client.get("/films").status_code == 200
