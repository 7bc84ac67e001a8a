"""What a freshly rendered catalogue page costs the database, per request."""

from __future__ import annotations

from .conftest import WORLDWIDE, grant


def counts(statements: list[str]) -> int:
    return sum("count(" in s.lower() for s in statements)


def test_signed_in_viewers_share_the_listing_not_what_is_their_own(
    app, make_title, viewer, viewer_client, statements
):
    films = [make_title(f"Film {n}", offers=WORLDWIDE) for n in range(3)]
    statements.clear()  # what setting up the store asked is not the page's

    first = viewer_client.get("/films")
    assert first.status_code == 200 and "3 films" in first.get_data(as_text=True)
    assert counts(statements) == 1
    statements.clear()

    # The next request reads only what is the viewer's own (session, films they hold):
    # not every matching title again to count them, nor the page's titles and offers.
    second = viewer_client.get("/films")
    assert "3 films" in second.get_data(as_text=True)
    assert counts(statements) == 0
    assert not any("FROM titles" in s or "FROM offers" in s for s in statements)
    assert any("FROM entitlements" in s for s in statements)

    # What the viewer holds is never shared or stale: a purchase shows at once.
    assert "In your library" not in second.get_data(as_text=True)
    grant(viewer, films[1])
    assert "In your library" in viewer_client.get("/films").get_data(as_text=True)

    # Other filters have listings and counts of their own.
    statements.clear()
    viewer_client.get("/films?genre=drama")
    assert counts(statements) == 1


def test_signed_in_viewers_share_the_rendering_too(app, make_title, make_user, auth, client):
    from flask import template_rendered

    from ..conftest import PASSWORD
    from ..helpers import AuthActions

    film = make_title("Film", offers=WORLDWIDE)
    first, second = make_user("first@example.org"), make_user("second@example.org")
    grant(second, film)
    rendered: list[str] = []

    def record(sender, template, context, **extra) -> None:  # type: ignore[no-untyped-def]
        rendered.append(template.name)

    other = app.test_client()
    auth.login(first.email)
    AuthActions(other, PASSWORD).login(second.email)
    for browser in (client, other):  # each shows its welcome message, rendered in full
        browser.get("/account/settings")
    template_rendered.connect(record, app)
    try:
        assert client.get("/films").status_code == 200
        assert "store/_catalogue.html" in rendered
        rendered.clear()
        page = other.get("/films").get_data(as_text=True)
    finally:
        template_rendered.disconnect(record, app)
    # The second viewer's page comes from the first one's rendering, with their own film
    # marked in it: nothing was rendered again for them.
    assert rendered == []
    assert page.count("In your library") == 1


def test_which_films_a_viewer_holds_is_one_statement_whatever_the_page(
    app, make_title, viewer, viewer_client, statements
):
    """On PostgreSQL the page's ids go as one array: the same text for every page, which the
    driver prepares once per connection, and no list to expand per request."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return  # SQLite gets an IN list
    films = [make_title(f"Film {n}", offers=WORLDWIDE) for n in range(3)]
    grant(viewer, films[0])
    whole = viewer_client.get("/films").get_data(as_text=True)
    one = viewer_client.get("/films?q=Film+0").get_data(as_text=True)
    assert whole.count("In your library") == 1 and one.count("In your library") == 1
    asked = {s for s in statements if "FROM entitlements" in s}
    assert len(asked) == 1, asked
