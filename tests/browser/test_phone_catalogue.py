"""On a phone the catalogue shows films first: the filters fold behind a Filter button."""

from __future__ import annotations

from playwright.sync_api import expect


def test_filters_fold_behind_a_button_on_a_phone(browser, live_server, make_title):
    make_title("Northern Lights")
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    try:
        page.goto("/")
        toggle = page.get_by_role("button", name="Filter")
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(page.get_by_label("Genre")).to_be_hidden()
        expect(page.get_by_label("Search")).to_be_visible()
        first_film = page.locator(".cards .card").first
        assert first_film.bounding_box()["y"] < 844  # on the first screen
        toggle.click()
        expect(page.get_by_label("Genre")).to_be_visible()

        page.goto("/films?available=1")  # a filter in use stays in view
        expect(page.get_by_label("Available to me")).to_be_visible()

        page.set_viewport_size({"width": 1200, "height": 800})
        page.goto("/")
        expect(page.get_by_role("button", name="Filter")).to_be_hidden()
        expect(page.get_by_label("Genre")).to_be_visible()
    finally:
        context.close()
