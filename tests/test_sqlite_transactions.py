"""On SQLite a request's transaction is one unit whatever savepoints it takes, and a write
after reads waits for the write lock instead of failing with "database is locked"
(SQLite only: the store begins SQLite's transactions itself, see ``storefront.db``)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.pool import NullPool

from storefront.extensions import db
from storefront.models import User


@pytest.fixture
def other(app: Flask) -> Iterator[sa.Engine]:
    """A second, independent client of the same database (another request, the worker)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only: PostgreSQL begins its own transactions")
    engine = sa.create_engine(db.engine.url, poolclass=NullPool)
    yield engine
    engine.dispose()


def display_name(user_id: int) -> str:
    with db.engine.connect() as conn:
        return conn.scalar(sa.select(User.display_name).where(User.id == user_id))


def rename(user_id: int, name: str) -> sa.Update:
    return sa.update(User).where(User.id == user_id).values(display_name=name)


def test_a_savepoint_taken_before_the_first_write_does_not_commit_the_request(
    app, make_user, other
):
    """A checkout guards its order's insert with a savepoint; when the request then fails,
    what the savepoint wrote goes with everything else instead of staying committed."""
    viewer = make_user("viewer@example.org").id
    db.session.remove()
    db.session.get(User, viewer)  # the request reads first, as every request does
    with db.session.begin_nested():
        db.session.execute(rename(viewer, "Half"))
    db.session.rollback()  # the request failed after the savepoint
    assert display_name(viewer) != "Half"


def test_a_write_after_reads_waits_for_others_commits_instead_of_failing(app, make_user, other):
    """A job reads in a savepoint, another process writes meanwhile, then the job writes: it
    gets the write lock (the other writer waits for it), instead of being refused at once
    with "database is locked" (a transaction that has read cannot become the writer once a
    newer commit exists, and SQLite does not wait then)."""
    viewer = make_user("viewer@example.org").id
    db.session.remove()
    failures: list[BaseException] = []

    def other_process_writes() -> None:
        try:
            with other.begin() as conn:
                conn.execute(rename(viewer, "Other"))
        except BaseException as error:  # noqa: BLE001 - reported by the test
            failures.append(error)

    with db.session.begin_nested():
        db.session.get(User, viewer)
        writer = threading.Thread(target=other_process_writes)
        writer.start()
        writer.join(timeout=1)  # done at once unless it waits for this transaction's lock
        db.session.execute(sa.update(User).where(User.id == viewer).values(is_admin=True))
    db.session.commit()
    writer.join(timeout=30)
    assert not failures
    stored = db.session.get(User, viewer, populate_existing=True)
    assert (stored.display_name, stored.is_admin) == ("Other", True)


def test_work_after_the_commit_runs_with_the_lock_free_and_only_if_the_writes_stand(
    app, make_user, other
):
    """A call to another service queued behind a write (closing a replaced checkout) runs once
    the transaction has ended, when others can write again, and not at all if the writes were
    rolled back."""
    from storefront.db import after_commit

    user = make_user()
    db.session.commit()
    seen: list[str] = []

    def another_writer() -> None:  # what the processor's webhook does meanwhile
        with other.begin() as conn:
            conn.execute(rename(user.id, "written by the webhook"))
        seen.append("written")

    db.session.execute(rename(user.id, "by the request"))
    with db.session.begin_nested():
        after_commit(db.session(), another_writer)
    assert seen == []  # a savepoint's release is not the end of the transaction
    db.session.commit()
    assert seen == ["written"]
    assert display_name(user.id) == "written by the webhook"

    db.session.execute(rename(user.id, "undone"))
    after_commit(db.session(), another_writer)
    db.session.rollback()
    assert seen == ["written"]
    assert display_name(user.id) == "written by the webhook"
