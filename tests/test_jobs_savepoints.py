"""Jobs asked for in a transaction run after its outermost commit, not when a savepoint inside
it is released (the work they need is not committed yet: on SQLite the job would even find the
database locked by the transaction that asked for it)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from storefront.extensions import db
from storefront.jobs import defer
from storefront.models import User


def test_a_released_savepoint_does_not_run_the_jobs_asked_for_before_it(app, make_user):
    ran: list[int] = []
    app.extensions["tasks"]["record"] = ran.append
    user = make_user()

    user.display_name = "Changed"
    defer(db.session, "record", 1)
    with db.session.begin_nested():
        db.session.flush()
    assert ran == []

    db.session.commit()
    assert ran == [1]


def test_a_rolled_back_savepoint_keeps_the_jobs_of_the_outer_transaction(app, make_user):
    ran: list[int] = []
    app.extensions["tasks"]["record"] = ran.append
    user = make_user()

    defer(db.session, "record", 2)
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(User(email=user.email, password_hash="x", security_stamp="s"))
        db.session.flush()  # the address is taken: the savepoint rolls back
    db.session.commit()

    assert ran == [2]
