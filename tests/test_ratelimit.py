"""Login, sign-up and reset are rate limited, in memory by default and in Redis when set."""

from __future__ import annotations

import uuid

import pytest

from storefront import create_app

from .services import redis_url


def limited_app(settings, storage_uri):
    settings.update(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=storage_uri,
        AUTH_RATE_LIMIT="3 per minute",
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
    )
    return create_app(settings)


@pytest.mark.parametrize("path", ["/login", "/signup", "/password/forgot"])
def test_auth_posts_are_limited_in_memory(settings, path):
    client = limited_app(settings, "memory://").test_client()
    statuses = [
        client.post(path, data={"email": "x@example.org", "password": "x"}).status_code
        for _ in range(4)
    ]
    assert 429 not in statuses[:3]
    assert statuses[3] == 429


def test_limit_is_shared_between_app_processes_through_redis(settings):
    url = redis_url()
    first = limited_app(settings, url)
    second = create_app({**first.config})  # another "web node" with the same settings
    statuses = [
        first.test_client()
        .post("/login", data={"email": "x@example.org", "password": "x"})
        .status_code
        for _ in range(2)
    ]
    statuses += [
        second.test_client()
        .post("/login", data={"email": "x@example.org", "password": "x"})
        .status_code
        for _ in range(2)
    ]
    assert statuses[-1] == 429 and 429 not in statuses[:3]


def test_reading_the_login_page_is_not_limited(settings):
    client = limited_app(settings, "memory://").test_client()
    assert all(client.get("/login").status_code == 200 for _ in range(6))


def test_behind_a_trusted_proxy_limits_and_geolocation_see_the_same_client(settings, tmp_path):
    """The limiter keys on the address geolocation places: the client's, not the proxy's."""
    from storefront.extensions import client_address
    from storefront.web.viewer import viewer_country

    from .offers.test_geo import mmdb_database

    settings.update(
        GEOIP_BACKEND="maxmind",
        GEOIP_DB_PATH=mmdb_database(tmp_path),
        GEO_COUNTRY_HEADER=None,
        GEO_TRUSTED_PROXIES=["10.0.0.0/8"],
    )
    app = limited_app(settings, "memory://")
    client = app.test_client()

    def login(peer: str, forwarded: str) -> int:
        return client.post(
            "/login",
            data={"email": "x@example.org", "password": "x"},
            environ_base={"REMOTE_ADDR": peer},
            headers={"X-Forwarded-For": forwarded},
        ).status_code

    norwegian = [login("10.0.0.2", "81.0.7.7") for _ in range(4)]
    french = login("10.0.0.2", "2a00:1450::7")  # same proxy, another client
    assert norwegian[3] == 429 and 429 not in norwegian[:3]
    assert french != 429
    # An untrusted peer cannot pick its bucket (or country) with a forged header.
    assert [login("81.0.9.9", f"2a00:1450::{i}") for i in range(4)][3] == 429

    for peer, forwarded, country in (
        ("10.0.0.2", "81.0.7.7", "NO"),
        ("10.0.0.2", "192.0.2.1, 2a00:1450::7", "FR"),
        ("81.0.9.9", "2a00:1450::7", "NO"),
    ):
        environ = {"REMOTE_ADDR": peer}
        with app.test_request_context(environ_base=environ, headers={"X-Forwarded-For": forwarded}):
            assert viewer_country() == country
            assert app.extensions["geo"].country_of(client_address()) == country


def test_guessing_the_current_password_on_the_account_page_is_limited(settings, make_user):
    from .conftest import PASSWORD

    user = make_user("guessed@example.org")
    app = limited_app(settings, "memory://")
    client = app.test_client()
    client.post("/login", data={"email": user.email, "password": PASSWORD})

    def guess(n: int) -> int:
        return client.post(
            "/account/",
            data={
                "action": "password",
                "pw-current_password": f"guess number {n}!",
                "pw-password": "a new passphrase here",
            },
            environ_base={"REMOTE_ADDR": f"127.0.0.{n + 2}"},  # from anywhere: per account
        ).status_code

    statuses = [guess(n) for n in range(4)]
    assert statuses[:3] == [400, 400, 400] and statuses[3] == 429


@pytest.mark.parametrize("path", ["/login", "/signup", "/password/forgot"])
def test_behind_a_proxy_one_client_cannot_lock_out_the_others(settings, path):
    settings.update(GEO_TRUSTED_PROXIES=["10.0.0.0/8"])
    client = limited_app(settings, "memory://").test_client()

    def post(forwarded: str) -> int:
        return client.post(
            path,
            data={"email": "x@example.org", "password": "x"},
            environ_base={"REMOTE_ADDR": "10.0.0.2"},
            headers={"X-Forwarded-For": forwarded},
        ).status_code

    attacker = [post("198.51.100.7") for _ in range(4)]
    assert attacker[3] == 429
    assert post("203.0.113.9") != 429


def test_address_changes_that_send_mail_are_limited_per_account(settings, make_user):
    """Only refused tries were counted: with its own password an account could ask for
    one new address after another, each a mail to any address the sender chose."""
    from .conftest import PASSWORD

    user = make_user("mailer@example.org")
    app = limited_app(settings, "memory://")
    client = app.test_client()
    client.post("/login", data={"email": user.email, "password": PASSWORD})

    def change(n: int) -> int:
        return client.post(
            "/account/",
            data={
                "action": "email",
                "email-email": f"target{n}@example.org",
                "email-current_password": PASSWORD,
            },
        ).status_code

    # Saving preferences sends nothing and is not counted.
    prefs = {"action": "preferences", "prefs-display_name": "Me", "prefs-locale": "en"}
    prefs["prefs-timezone"] = "UTC"
    assert [client.post("/account/", data=prefs).status_code for _ in range(4)] == [302] * 4
    assert [change(n) for n in range(4)] == [302, 302, 302, 429]
