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
