"""The offers editor on a phone: countries and groups found by typing and kept as removable
chips, rows that fit 390 px, a summary in plain words that follows the typing, and the same
form working without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from storefront.extensions import db
from storefront.models import Offer, OfferKind
from storefront.regions import NORDICS

from ..conftest import PASSWORD

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, live_server, filmmaker):
    def open_page(javascript: bool = True):
        context = browser.new_context(
            base_url=live_server.url,
            locale="en-GB",
            viewport=PHONE,
            java_script_enabled=javascript,
            timezone_id="UTC",
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("Email").fill(filmmaker.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()
        contexts.append(context)
        return page

    contexts: list = []
    yield open_page
    for context in contexts:
        context.close()


def offers_of(title) -> dict:
    db.session.expire_all()
    return {o.kind: o for o in db.session.scalars(db.select(Offer).filter_by(title_id=title.id))}


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_filmmaker_sets_offers_on_a_phone_with_chips_and_a_live_summary(
    phone, studio, make_title
):
    title = make_title("Fjord", studio=studio, offers=[])
    page = phone()
    page.goto(f"/studio/{studio.slug}/titles/{title.id}/offers")
    rent = page.locator("fieldset.offer-fieldset[data-kind=rent]")
    rent.get_by_label("Offer this").check()
    page.locator("#rent-price").fill("4.99")
    page.locator("#rent-currency").select_option("EUR")
    rent.get_by_label("Worldwide except these countries").check()

    search = rent.get_by_role("combobox", name="Countries")
    search.fill("germ")
    results = rent.get_by_role("listbox", name="Countries")
    expect(results.get_by_role("option").first).to_have_text("Germany")
    search.press("Enter")
    chips = rent.locator(".chips")
    expect(chips).to_contain_text("Germany")
    search.fill("nordic")
    results.get_by_role("option", name="Nordic countries").click()
    expect(chips).to_contain_text("Nordic countries")
    rent.get_by_role("button", name="Remove Nordic countries").click()
    expect(chips).not_to_contain_text("Nordic countries")

    row = rent.locator(".rule-row").first
    row.get_by_label("Country").select_option("NO")
    row.get_by_label("Price").fill("49")
    row.get_by_label("Currency").select_option("NOK")
    row.get_by_label("From").fill("2027-03-01T00:00")
    expect(rent.locator(".offer-live-summary")).to_have_text(
        "Rent: NOK 49 in Norway from March 1, 2027; €4.99 everywhere else except Germany."
    )
    assert fits(page)

    page.get_by_role("button", name="Save offers").click()
    expect(page.locator(".flash")).to_be_visible()
    offer = offers_of(title)[OfferKind.RENT]
    assert (offer.amount, offer.currency, offer.territory_mode.value) == (499, "EUR", "deny")
    rows = {t.country: t for t in offer.territories}
    assert rows["DE"].blocked and not rows["NO"].blocked
    assert (rows["NO"].amount, rows["NO"].currency) == (4900, "NOK")

    # Saved groups come back as one chip, not as their countries one by one.
    rent.get_by_label("Only in these countries").check()
    search.fill("nordic")
    search.press("Enter")
    page.get_by_role("button", name="Save offers").click()
    expect(page.locator(".flash")).to_be_visible()
    assert {t.country for t in offers_of(title)[OfferKind.RENT].territories} >= set(NORDICS)
    expect(chips).to_contain_text("Nordic countries")
    expect(chips.locator(".chip")).to_have_count(2)  # the group and Germany
    assert fits(page)


def test_the_editor_works_without_javascript(phone, studio, make_title):
    title = make_title("Fjord", studio=studio, offers=[])
    page = phone(javascript=False)
    page.goto(f"/studio/{studio.slug}/titles/{title.id}/offers")
    rent = page.locator("fieldset.offer-fieldset[data-kind=rent]")
    rent.get_by_label("Offer this").check()
    page.locator("#rent-price").fill("3")
    page.locator("#rent-currency").select_option("EUR")
    rent.get_by_label("Only in these countries").check()
    rent.locator("summary").click()
    rent.get_by_label("Sweden", exact=True).check()
    rent.get_by_label("Nordic countries").check()
    assert fits(page)
    page.get_by_role("button", name="Save offers").click()
    offer = offers_of(title)[OfferKind.RENT]
    assert {t.country for t in offer.territories} == set(NORDICS) | {"SE"}


def test_the_summary_joins_its_parts_as_arabic_does(
    browser, live_server, filmmaker, studio, make_title
):
    """Built in the browser, the summary is still written in the page's language: its parts
    are joined with the Arabic semicolon, not the Latin one."""
    title = make_title("Fjord", studio=studio, offers=[])
    context = browser.new_context(base_url=live_server.url, locale="ar", viewport=PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto("/login")
        page.fill("input[name=email]", filmmaker.email)
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        page.goto(f"/studio/{studio.slug}/titles/{title.id}/offers")
        rent = page.locator("fieldset.offer-fieldset[data-kind=rent]")
        rent.locator("input[name$=-enabled]").check()
        page.locator("#rent-price").fill("4.99")
        page.locator("#rent-currency").select_option("EUR")
        row = rent.locator(".rule-row").first
        row.locator("select[name$=-country]").select_option("NO")
        row.locator("input[name$=-price]").fill("49")
        row.locator("select[name$=-currency]").select_option("NOK")
        summary = rent.locator(".offer-live-summary")
        expect(summary).to_contain_text("النرويج")
        assert "؛" in summary.text_content() and ";" not in summary.text_content()
        assert fits(page)
    finally:
        context.close()
