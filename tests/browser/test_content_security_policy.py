"""Pages run under the store's Content-Security-Policy with nothing refused, and a crafted
``next`` never leads Chromium off the site."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from ..conftest import PASSWORD


@pytest.fixture
def strict_page(browser, live_server):
    """A browser tab that enforces the policy (the shared fixture bypasses it)."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.refused = refused
    yield page
    context.close()


def log_in(page, email: str, next_url: str = "") -> None:
    page.goto("/login" + (f"?next={next_url}" if next_url else ""))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def test_pages_with_scripts_run_without_policy_violations(
    strict_page, live_server, filmmaker, studio, make_title
):
    title = make_title("Night Train", studio=studio)
    log_in(strict_page, filmmaker.email)
    for path in (
        "/",
        f"/films/{title.slug}",
        "/account/",
        f"/studio/{studio.slug}/",
        f"/studio/{studio.slug}/titles/{title.id}/media",
        f"/studio/{studio.slug}/titles/{title.id}/offers",
        f"/studio/{studio.slug}/revenue?period=all",
        "/library",
    ):
        response = strict_page.goto(path)
        assert response.ok, path
        strict_page.wait_for_load_state("networkidle")
        assert "default-src 'self'" in response.headers["content-security-policy"]
    assert strict_page.refused == []


@pytest.mark.parametrize(
    "target", ["http:/evil.example/", "http:evil.example/", "http:///evil.example/"]
)
def test_a_crafted_next_keeps_chromium_on_the_site(strict_page, live_server, viewer, target):
    strict_page.route("**/*evil.example*", lambda route: route.fulfill(status=200, body="evil"))
    log_in(strict_page, viewer.email, next_url=target)
    assert urlsplit(strict_page.url).netloc == urlsplit(live_server.url).netloc
