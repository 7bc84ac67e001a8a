"""A catalogue page shared by many viewers is, for each of them, the page a full rendering
would give them: the same bytes, with their own films marked, their menu and their token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from babel.dates import format_date
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf.csrf import validate_csrf
from sqlalchemy import event

from storefront.extensions import db
from storefront.models import OfferKind, User, utcnow

from ..conftest import PASSWORD
from ..helpers import AuthActions
from .conftest import WORLDWIDE, grant

TOKEN = re.compile(r'(name="csrf_token" value=")([^"]+)(")')
NORDIC = [  # for sale in Norway and Sweden only, in kroner
    {
        "kind": OfferKind.RENT,
        "amount": 4900,
        "currency": "NOK",
        "territory_mode": "allow",
        "territories": [{"country": "NO"}, {"country": "SE"}],
    }
]


@pytest.fixture
def statements(app: Flask) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


def signed_in(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    response = AuthActions(client, PASSWORD).login(user.email)
    assert response.status_code in (302, 303)
    client.get("/account/settings")  # shows (and so clears) the welcome message
    return client


def tokens_checked(app: Flask, client: FlaskClient, html: str) -> str:
    """The page with its CSRF tokens (signed with the time, so they differ from one second
    to the next) replaced by a placeholder, once each is shown valid for this browser."""
    found = set(TOKEN.findall(html))
    assert found, "the page has no CSRF token"
    session_cookie = client.get_cookie("session")
    for _, token, _ in found:
        headers = {"Cookie": f"session={session_cookie.value}"} if session_cookie else {}
        with app.test_request_context(headers=headers):
            validate_csrf(token)
    return TOKEN.sub(r"\1TOKEN\3", html)


def shared_and_full(
    app: Flask, client: FlaskClient, path: str, country: str, statements: list[str]
) -> tuple[str, str]:
    """The page from the shared rendering, then the same page rendered whole."""
    headers = {"X-Test-Country": country}
    statements.clear()
    shared = client.get(path, headers=headers)
    assert shared.status_code == 200
    # Served from the shared rendering: no title, offer or count was read for it.
    read = [s for s in statements if "FROM titles" in s or "FROM offers" in s]
    assert not read, read
    app.config["CATALOGUE_CACHE_SECONDS"] = 0
    try:
        full = client.get(path, headers=headers)
    finally:
        app.config["CATALOGUE_CACHE_SECONDS"] = 30
    assert full.status_code == 200
    return (
        tokens_checked(app, client, shared.get_data(as_text=True)),
        tokens_checked(app, client, full.get_data(as_text=True)),
    )


def twin(make_user, make_studio, user: User) -> User:  # type: ignore[no-untyped-def]
    other = make_user(admin=user.is_admin)
    other.locale = user.locale
    if user.memberships:
        make_studio(other, name=f"Studio of {other.email}")
    db.session.commit()
    return other


@pytest.mark.parametrize("path", ["/films", "/", "/films?sort=az&genre="])
def test_each_viewer_gets_the_page_a_full_rendering_gives_them(
    app, make_user, make_title, make_studio, admin, statements, path
):
    films = [make_title(f"Film {n}", offers=WORLDWIDE) for n in range(4)]
    films += [make_title(f"Nordic {n}", offers=NORDIC) for n in range(2)]
    films.append(make_title("Not for sale", offers=[]))
    owner = make_user("owner@example.org")
    grant(owner, films[1])
    grant(owner, films[4], OfferKind.RENT)
    german = make_user("leser@example.org")
    german.locale = "de"
    grant(german, films[2])
    arabic = make_user("qari@example.org")
    arabic.locale = "ar"
    member = make_user("member@example.org")
    make_studio(member, name="Member Films")
    db.session.commit()

    cases = [
        ("anonymous", None, "NO", 0),
        ("owner", owner, "NO", 2),
        ("owner abroad", owner, "JP", 2),
        ("German reader", german, "JP", 1),
        ("Arabic reader", arabic, "NO", 0),
        ("studio member", member, "NO", 0),
        ("admin", admin, "SE", 0),
    ]
    for label, user, country, held in cases:
        # Someone else with the same language and menu, holding nothing, comes first and
        # fills the shared rendering.
        if user is None:
            first, client = app.test_client(), app.test_client()
        else:
            first, client = signed_in(app, twin(make_user, make_studio, user)), signed_in(app, user)
        assert first.get(path, headers={"X-Test-Country": country}).status_code == 200
        shared, full = shared_and_full(app, client, path, country, statements)
        assert shared == full, label
        assert shared.count('class="badge badge-ok"') == held, label


def test_viewers_in_other_time_zones_read_dates_in_their_own(app, make_user, make_title):
    """A window opening at 20:00 UTC opens on the next day in Tokyo: a viewer there must not
    be shown the date a viewer in Honolulu's rendering put on the shared page."""
    opens = (utcnow() + timedelta(days=3)).replace(hour=20, minute=0, second=0, microsecond=0)
    soon = [{"kind": OfferKind.RENT, "amount": 499, "currency": "EUR", "available_from": opens}]
    make_title("Soon", offers=soon)
    honolulu, tokyo = make_user("hawaii@example.org"), make_user("tokyo@example.org")
    honolulu.timezone, tokyo.timezone = "Pacific/Honolulu", "Asia/Tokyo"
    db.session.commit()

    pages = {}
    for user in (honolulu, tokyo):
        client = signed_in(app, user)
        pages[user.timezone] = client.get("/films", headers={"X-Test-Country": "US"}).text

    assert f"from {format_date(opens, 'MMMM d')}," in pages["Pacific/Honolulu"]
    next_day = opens + timedelta(days=1)
    assert f"from {format_date(next_day, 'MMMM d')}," in pages["Asia/Tokyo"]


def test_a_viewers_films_are_read_with_their_login_and_new_cards_after_it(
    app, make_user, make_title, statements
):
    """On PostgreSQL a signed-in page costs one round trip: which of the cards the viewer
    holds is read in the statement that checks their login, for the cards this URL showed
    last. Cards the page shows that were not among those are still read, and marked."""
    films = [make_title(f"Film {n}", offers=WORLDWIDE) for n in range(3)]
    viewer, other = make_user("holder@example.org"), make_user("other@example.org")
    grant(viewer, films[0])
    grant(other, films[1])
    db.session.commit()
    client, neighbour = signed_in(app, viewer), signed_in(app, other)
    headers = {"X-Test-Country": "NO"}
    assert neighbour.get("/films", headers=headers).status_code == 200  # the node sees the URL

    statements.clear()
    page = client.get("/films", headers=headers).get_data(as_text=True)
    assert page.count('class="badge badge-ok"') == 1
    if db.engine.dialect.name == "postgresql":
        assert len(statements) == 1, statements
        assert "entitlements" in statements[0] and "user_logins" in statements[0]

    # A film the viewer buys shows on their next page; a new card, not among those the
    # URL showed before, is read after the login and marked too.
    grant(viewer, films[2])
    newer = make_title("Film new", offers=WORLDWIDE)
    grant(viewer, newer)
    db.session.commit()
    app.extensions.pop("page_cache", None)  # the shared listing's ten seconds have passed
    page = client.get("/films", headers=headers).get_data(as_text=True)
    assert page.count('class="badge badge-ok"') == 3
    other_page = neighbour.get("/films", headers=headers).get_data(as_text=True)
    assert other_page.count('class="badge badge-ok"') == 1
