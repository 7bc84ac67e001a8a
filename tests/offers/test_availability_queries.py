"""The rule on real rows: a catalogue page costs a fixed number of queries, and the compact
per-viewer query gives the same answers as reading every territory row."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from storefront.extensions import db
from storefront.models import Title, TitleStatus
from storefront.services.catalog.availability import (
    availability_for,
    availability_for_titles,
    evaluate,
    rules_for,
)

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)
COUNTRIES = ["NO", "SE", "DK", "FI", "DE", "FR", "JP", "US", "BR", "KW"]


@contextmanager
def counted_statements():
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _offers(i: int) -> list[dict]:
    picks = [COUNTRIES[(i + k) % len(COUNTRIES)] for k in range(5)]
    return [
        {
            "kind": "rent",
            "amount": 499,
            "currency": "EUR",
            "territory_mode": "deny",
            "territories": [
                {"country": picks[0], "blocked": True},
                {"country": picks[1], "amount": 4900, "currency": "NOK"},
                {"country": picks[2], "available_from": NOW + timedelta(days=3)},
                {"country": picks[3], "available_until": NOW - timedelta(days=3)},
                {"country": picks[4], "amount": 600, "currency": "JPY"},
            ],
        },
        {
            "kind": "buy",
            "amount": 1299,
            "currency": "EUR",
            "territory_mode": "allow",
            "territories": [{"country": c} for c in picks[:4]]
            + [{"country": picks[4], "blocked": True}],
        },
    ]


@pytest.fixture
def page(make_title, studio):
    def make(n: int) -> list[Title]:
        titles = [make_title(f"Film {i}", studio=studio, offers=_offers(i)) for i in range(n)]
        db.session.expire_all()
        return list(
            db.session.scalars(db.select(Title).where(Title.id.in_([t.id for t in titles])))
        )

    return make


def test_a_catalogue_page_costs_one_query_whatever_its_size(page):
    titles = page(48)
    counts = {}
    for size in (1, 12, 48):
        for country in ("NO", None):
            with counted_statements() as statements:
                result = availability_for_titles(titles[:size], country, NOW)
            assert len(result) == size
            counts[(size, country)] = len(statements)
    assert set(counts.values()) == {1}, counts


def test_the_per_viewer_query_agrees_with_the_full_rules(page):
    titles = page(10)
    titles[3].status = TitleStatus.DRAFT
    db.session.commit()
    for country in [*COUNTRIES, "GB", None]:
        batch = availability_for_titles(titles, country, NOW)
        for title in titles:
            full = evaluate(
                title.id,
                rules_for(title),
                country,
                NOW,
                sellable=title.status in (TitleStatus.PUBLISHED, TitleStatus.UNLISTED),
            )
            assert batch[title.id] == full, (title.name, country)
            assert availability_for(title, country, NOW) == full


def test_rental_terms_come_from_the_title(make_title, studio):
    title = make_title(
        studio=studio,
        rental_start_days=7,
        rental_watch_hours=72,
        offers=[{"kind": "rent", "amount": 499, "currency": "EUR"}],
    )
    option = availability_for(title, "NO", NOW).option("rent")
    assert (option.rental_start_days, option.rental_watch_hours) == (7, 72)
