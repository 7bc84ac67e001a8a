"""Error pages in the site's style, JSON bodies for JSON clients, no stack traces."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import abort

from storefront.extensions import db


@pytest.fixture
def failing_routes(app):
    @app.route("/_test/boom")
    def boom():
        raise RuntimeError("kaboom")

    @app.route("/_test/abort/<int:code>")
    def aborting(code: int):
        abort(code)

    @app.route("/_test/db-boom")
    def db_boom():
        # PostgreSQL aborts the transaction: nothing more can be read on it until a rollback,
        # and the error page needs the signed-in viewer for its header.
        db.session.execute(sa.text("SELECT * FROM no_such_table"))

    return app


@pytest.mark.parametrize("code", [400, 403, 404, 405, 413, 429, 500])
def test_error_pages_are_styled(client, failing_routes, code):
    response = client.get(f"/_test/abort/{code}")
    assert response.status_code == code
    assert response.mimetype == "text/html"
    assert b'class="error-page"' in response.data and b"site-header" in response.data


@pytest.mark.parametrize("code", [400, 404, 405, 429])
def test_json_clients_get_json_errors(client, failing_routes, code):
    response = client.get(f"/_test/abort/{code}", headers={"Accept": "application/json"})
    assert response.status_code == code
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"]


def test_unhandled_exception_is_a_500_page_without_details(client, failing_routes):
    response = client.get("/_test/boom")
    assert response.status_code == 500
    assert b"kaboom" not in response.data and b"Traceback" not in response.data
    assert b"Something went wrong" in response.data


def test_unknown_page_and_wrong_method(client):
    assert client.get("/no/such/page").status_code == 404
    assert client.get("/logout").status_code == 405


def test_oversized_request_is_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/login", data={"email": "a@example.org", "password": "x" * 5000})
    assert response.status_code == 413


def test_missing_csrf_token_is_refused_with_a_clear_message(settings, migrated):
    from storefront import create_app

    settings["WTF_CSRF_ENABLED"] = True
    app = create_app(settings)
    client = app.test_client()
    response = client.post("/signup", data={"email": "a@example.org", "password": "long enough pw"})
    assert response.status_code == 400
    assert b"This form has expired" in response.data


def test_a_database_error_still_gets_the_styled_page_for_a_signed_in_viewer(
    failing_routes, viewer_client
):
    response = viewer_client.get("/_test/db-boom")

    assert response.status_code == 500
    assert b"Something went wrong" in response.data and b"site-header" in response.data
    assert b"no_such_table" not in response.data


@pytest.mark.parametrize("page", ["99999999999999999999", "-3", "two"])
def test_a_page_number_no_list_can_reach_shows_a_page_not_an_error(admin_client, studio, page):
    lists = ("/admin/outbox", f"/studio/{studio.slug}/orders", "/admin/users", "/admin/studios")
    for path in (*lists, "/admin/audit", "/admin/users?q=" + "x" * 5000):
        joiner = "&" if "?" in path else "?"
        assert admin_client.get(f"{path}{joiner}page={page}").status_code == 200, path
