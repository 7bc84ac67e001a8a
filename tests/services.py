"""Reaching the real peers tests talk to (Redis, Chromium); skip locally, fail in CI."""

from __future__ import annotations

import os
import shutil

import pytest


def require(condition: bool, reason: str, env_flag: str = "REQUIRE_SERVICES") -> None:
    """Skip when a peer is missing, unless CI says it must be there."""
    if condition:
        return
    if os.environ.get(env_flag):
        pytest.fail(f"{reason} (required: {env_flag} is set)")
    pytest.skip(reason)


# A database number of the suite's own: tests never touch another program's keys in db 0.
DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379/13"


def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL") or DEFAULT_TEST_REDIS_URL
    import redis

    if redis.connection.parse_url(url).get("db", 0) == 0:
        pytest.fail(f"TEST_REDIS_URL must name a database other than 0: {url}")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:  # any connection problem means: no usable Redis here
        require(False, f"Redis not reachable at {url}")
    return url


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    require(os.path.exists(path), "Chromium not installed", env_flag="REQUIRE_BROWSER")
    return path
