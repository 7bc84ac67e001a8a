"""Every response carries the security headers; only views marked allow_framing may be framed.

(The authorization matrix in test_authorization.py checks the same headers on every route.)
"""

from __future__ import annotations

import pytest

from storefront import create_app
from storefront.web.headers import allow_framing


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {d.split()[0]: " ".join(d.split()[1:]) for d in policy.split(";") if d.strip()}


def assert_hardened(response) -> None:
    csp = directives(response)
    assert csp["default-src"] == "'self'"
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    assert csp["script-src"].startswith("'self' 'nonce-")
    assert csp["object-src"] == "'none'" and csp["base-uri"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize(
    ("path", "status"),
    [("/", 200), ("/login", 200), ("/no/such/page", 404), ("/account/", 302), ("/logout", 405)],
)
def test_pages_redirects_and_errors_are_hardened(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert_hardened(response)


def test_json_errors_and_logged_in_pages_are_hardened(viewer_client):
    assert_hardened(viewer_client.get("/library"))
    response = viewer_client.post("/watch/session/x/heartbeat", json=[])
    assert response.status_code == 400 and response.is_json
    assert_hardened(response)


def test_the_nonce_changes_with_every_response_and_reaches_templates(app, client):
    first, second = (
        directives(client.get("/"))["script-src"],
        directives(client.get("/"))["script-src"],
    )
    assert first != second
    with app.test_request_context("/"):
        from flask import render_template_string

        from storefront.web.headers import csp_nonce

        assert render_template_string("{{ csp_nonce() }}") == csp_nonce()


def test_only_views_marked_allow_framing_can_be_framed(app, client):
    @app.get("/_test/widget")
    @allow_framing
    def widget():
        return "widget"

    response = client.get("/_test/widget")
    assert directives(response)["frame-ancestors"] == "*"
    assert "X-Frame-Options" not in response.headers
    assert directives(client.get("/"))["frame-ancestors"] == "'none'"


def test_hsts_only_in_production(app, client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    app.config["PRODUCTION"] = True
    assert client.get("/").headers["Strict-Transport-Security"].startswith("max-age=")


def test_storage_and_payment_origins_are_allowed_where_pages_use_them(settings):
    settings.update(
        STORAGE_BACKEND="s3",
        S3_BUCKET="films",
        S3_ENDPOINT_URL="http://127.0.0.1:9000",
        S3_ADDRESSING_STYLE="path",
        S3_ACCESS_KEY_ID="test",
        S3_SECRET_ACCESS_KEY="test",
        PAYMENTS_BACKEND="stripe",
        STRIPE_SECRET_KEY="sk_test_x",
        STRIPE_WEBHOOK_SECRET="whsec_x",
    )
    csp = directives(create_app(settings).test_client().get("/login"))
    for directive in ("img-src", "media-src", "connect-src"):
        assert "http://127.0.0.1:9000" in csp[directive]
    assert "https://checkout.stripe.com" in csp["form-action"]
    assert "http://127.0.0.1:9000" not in csp["script-src"]


def test_stored_files_served_by_the_store_cannot_run_as_pages(app, client):
    storage = app.extensions["storage"]
    storage.put("titles/1/posters/x.html", b"<script>alert(1)</script>", "text/html")
    url = storage.signed_get_url("titles/1/posters/x.html", 60)
    response = client.get(url)
    assert response.status_code == 200
    assert "sandbox" in directives(response)
    assert directives(response)["default-src"] == "'none'"
