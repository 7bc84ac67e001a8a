"""The new pages at 390 px wide: no horizontal overflow, charts drawn from their tables,
under the store's enforced Content-Security-Policy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from storefront.models import utcnow
from tests.conftest import PASSWORD
from tests.watching.test_analytics import play

from ..watching.conftest import film, grant, hls_package  # noqa: F401 - fixtures

FITS = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"


@pytest.fixture
def phone(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", viewport={"width": 390, "height": 844}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.refused = refused
    yield page
    context.close()


def log_in(page, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def test_the_audience_page_fits_a_phone_and_draws_its_charts(
    phone,
    live_server,
    filmmaker,
    film,  # noqa: F811
    make_user,
):
    viewer = make_user("anna@example.org")
    grant(viewer, film, at=utcnow() - timedelta(days=3))
    play(viewer, film, "NO", utcnow() - timedelta(days=2), [(60, 60), (120, 120)])
    log_in(phone, filmmaker.email)

    phone.goto(f"/studio/{film.studio.slug}/titles/{film.id}/audience")

    expect(phone.locator("[data-figure=plays]")).to_have_text("1")
    phone.wait_for_function(
        "() => [...document.querySelectorAll('figure.chart canvas')]"
        ".every(c => c.width > 0 && c.closest('.chart-canvas').hidden === false)"
    )
    assert phone.evaluate(FITS), "the audience page overflows 390 px"
    phone.goto(f"/studio/{film.studio.slug}/titles/{film.id}/")
    snippet = phone.get_by_label("Embed snippet")
    expect(snippet).to_be_visible()
    assert f'src="{live_server.url}/embed/{film.slug}"' in snippet.input_value()
    assert phone.evaluate(FITS), "the title page with its embed snippet overflows 390 px"
    assert phone.refused == []


def test_the_account_data_and_delete_pages_fit_a_phone(phone, viewer):
    log_in(phone, viewer.email)
    phone.goto("/account/")
    expect(phone.get_by_role("link", name="Download as JSON")).to_be_visible()
    assert phone.evaluate(FITS)
    phone.get_by_role("link", name="Delete your account…").click()
    expect(phone.get_by_role("heading", name="Delete your account")).to_be_visible()
    assert phone.evaluate(FITS)
    assert phone.refused == []
