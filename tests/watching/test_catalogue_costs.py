"""What a freshly rendered catalogue page costs the database, per request."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event

from storefront.extensions import db

from .conftest import WORLDWIDE


@pytest.fixture
def statements(app) -> Iterator[list[str]]:
    """SQL statements the app sends while the test runs."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    engine = db.engines[None] if hasattr(db, "engines") else db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def counts(statements: list[str]) -> int:
    return sum("count(" in s.lower() for s in statements)


def test_signed_in_viewers_share_the_result_count_not_the_page(
    app, make_title, viewer_client, statements
):
    for n in range(3):
        make_title(f"Film {n}", offers=WORLDWIDE)

    first = viewer_client.get("/films")
    assert first.status_code == 200 and "3 films" in first.get_data(as_text=True)
    assert counts(statements) == 1
    statements.clear()

    # The next signed-in request renders the page afresh (titles, offers, ownership read
    # again) but does not scan every matching title to count them again.
    second = viewer_client.get("/films")
    assert "3 films" in second.get_data(as_text=True)
    assert counts(statements) == 0
    assert any("FROM titles" in s for s in statements)
    assert any("FROM entitlements" in s for s in statements)

    # Other filters have counts of their own.
    statements.clear()
    viewer_client.get("/films?genre=drama")
    assert counts(statements) == 1
