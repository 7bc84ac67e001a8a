"""Picking several of a list on a phone: a film's spoken languages and countries of
production are typed and kept as removable chips, as the offers editor's countries are, not
chosen with Ctrl/⌘-click in a multiple select (which a phone cannot do)."""

from __future__ import annotations

from playwright.sync_api import expect

from .test_offers_editor import fits, phone  # noqa: F401


def test_a_filmmaker_picks_a_films_languages_and_countries_as_chips_on_a_phone(
    phone,  # noqa: F811
    studio,
    make_title,
):
    title = make_title("Fjord Nights", studio=studio)
    page = phone()
    page.goto(f"/studio/{studio.slug}/titles/{title.id}/")
    assert page.locator("select[multiple]").count() == 0

    languages = page.get_by_role("combobox", name="Spoken languages")
    languages.fill("norwegian bok")
    expect(
        page.get_by_role("listbox", name="Spoken languages").get_by_role("option").first
    ).to_have_text("Norwegian Bokmål")
    languages.press("Enter")
    countries = page.get_by_role("combobox", name="Countries of production")
    for typed in ("norw", "swed"):
        countries.fill(typed)
        countries.press("Enter")
    chosen = page.get_by_role("list", name="Chosen countries")
    expect(chosen).to_contain_text("Norway")
    expect(chosen).to_contain_text("Sweden")
    page.get_by_role("button", name="Remove Sweden").click()
    expect(chosen).not_to_contain_text("Sweden")
    assert fits(page)

    page.get_by_role("button", name="Save the details").click()
    expect(page.locator(".flash")).to_be_visible()
    expect(page.get_by_role("list", name="Chosen languages")).to_contain_text("Norwegian Bokmål")
    expect(chosen.locator(".chip")).to_have_count(1)
    expect(chosen).to_contain_text("Norway")
