"""A live server on loopback and Debian's Chromium driven by Playwright.

Chromium is never downloaded: the system binary is used. Without it these tests skip locally
and fail in CI (REQUIRE_BROWSER=1).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from ..services import chromium_path

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


BROWSER_GROUPS = 2


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    browser = [item for item in items if "/browser/" in str(item.fspath)]
    files = sorted({str(item.fspath) for item in browser})
    for item in browser:
        item.add_marker(pytest.mark.browser)
        # Each file's tests stay on one worker (one browser per worker process, started once);
        # the files are dealt into two groups so two browsers share the run's longest part.
        group = files.index(str(item.fspath)) % BROWSER_GROUPS
        item.add_marker(pytest.mark.xdist_group(f"browser-{group}"))


class LiveServer:
    def __init__(self, app: Flask) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    server = LiveServer(app)
    # Links that leave pages (payment redirects, mails) are built from PUBLIC_URL.
    app.config["PUBLIC_URL"] = server.url
    with server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    path = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server: LiveServer) -> Iterator[object]:
    # The tests' own page.evaluate/wait_for_function strings count as eval under the store's
    # Content-Security-Policy; test_content_security_policy.py checks pages with it enforced.
    context = browser.new_context(base_url=live_server.url, locale="en-GB", bypass_csp=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
