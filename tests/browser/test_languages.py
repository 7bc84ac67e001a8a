"""The store in each of its seven interface languages, in Chromium: every main page renders
with no English left over, Arabic is laid out right to left and mirrored, and a first visit
speaks the browser's language."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import expect

from storefront.extensions import db
from storefront.models import FacetKind, TitleFacet

from ..conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("en", "fr", "es", "de", "nb", "ja", "ar")

# Every visible text node and the text of labelling attributes, outside scripts.
COLLECT_TEXT = r"""() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const parent = node.parentElement;
    if (!parent || parent.closest('script, style')) continue;
    const text = node.textContent.replace(/\s+/g, ' ').trim();
    if (!text) continue;
    out.push(text);
    // Lists joined into one text node ("Drama, Documentary"; "2024 · 95 min").
    for (const part of text.split(/\s*[,·]\s+/)) if (part && part !== text) out.push(part);
  }
  for (const el of document.querySelectorAll('[aria-label], [placeholder], [title], [alt]')) {
    for (const name of ['aria-label', 'placeholder', 'title', 'alt']) {
      const value = el.getAttribute(name);
      if (value) out.push(value.trim());
    }
  }
  return out;
}"""


def english_left_over(locale: str) -> dict[str, str]:
    """English messages whose translation in ``locale`` differs: seeing one means a miss."""
    if locale == "en":
        return {}
    path = ROOT / f"storefront/translations/{locale}/LC_MESSAGES/messages.po"
    with open(path, "rb") as handle:
        catalog = read_po(handle, locale=locale)
    return {
        m.id: m.string
        for m in catalog
        if isinstance(m.id, str) and m.id and m.string and m.string != m.id and "%(" not in m.id
    }


def untranslated(page, locale: str) -> list[str]:
    left_over = english_left_over(locale)
    return sorted({text for text in page.evaluate(COLLECT_TEXT) if text in left_over})


@pytest.fixture
def shop(filmmaker, studio, make_title):
    title = make_title(
        "Night Train",
        studio=studio,
        offers=[{"kind": "buy", "amount": 900, "currency": "EUR"}],
    )
    for kind, value in ((FacetKind.GENRE, "drama"), (FacetKind.GENRE, "documentary")):
        db.session.add(TitleFacet(title_id=title.id, kind=kind, value=value))
    db.session.commit()
    return title


def choose_language(page, code: str) -> None:
    page.locator("#language-select").select_option(code)
    with page.expect_navigation():
        page.locator(".language-form button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", code)


def test_every_main_page_speaks_each_language(browser, live_server, filmmaker, studio, shop):
    visitor_pages = ["/", f"/films/{shop.slug}", "/login", "/signup", "/password/forgot"]
    member_pages = [
        "/",
        f"/films/{shop.slug}",
        "/library",
        "/account/",
        f"/studio/{studio.slug}/",
        f"/studio/{studio.slug}/titles/{shop.id}/",
        f"/studio/{studio.slug}/titles/{shop.id}/media",
        f"/studio/{studio.slug}/titles/{shop.id}/offers",
        f"/studio/{studio.slug}/revenue?period=all",
    ]
    misses: dict[str, list[str]] = {}
    for code in LANGUAGES:
        context = browser.new_context(base_url=live_server.url, locale=code, bypass_csp=True)
        context.set_default_timeout(15_000)
        page = context.new_page()
        for path in visitor_pages:
            response = page.goto(path)
            if response.status == 404:
                continue
            assert response.ok, (code, path)
            expect(page.locator("html")).to_have_attribute("lang", code)
            misses.update(
                {f"{code} {path}": found for found in [untranslated(page, code)] if found}
            )
        page.goto("/login")
        page.locator("input[name=email]").fill(filmmaker.email)
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        choose_language(page, code)
        for path in member_pages:
            response = page.goto(path)
            assert response.ok, (code, path)
            page.wait_for_load_state("networkidle")
            expected_direction = "rtl" if code == "ar" else "ltr"
            expect(page.locator("html")).to_have_attribute("dir", expected_direction)
            misses.update(
                {f"{code} {path}": found for found in [untranslated(page, code)] if found}
            )
        context.close()
    assert not misses, misses


def test_arabic_is_right_to_left_mirrored_and_fits_a_phone(browser, live_server, shop):
    context = browser.new_context(
        base_url=live_server.url, locale="ar", viewport={"width": 390, "height": 844}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    for path in ("/", f"/films/{shop.slug}", "/login"):
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, (path, overflow)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/")
    brand = page.locator(".brand").bounding_box()
    nav = page.get_by_role("navigation").first.bounding_box()
    # Mirrored: the brand, first in reading order, sits at the right edge.
    assert brand["x"] > nav["x"]
    assert page.get_by_role("link", name="الأفلام").first.is_visible()
    context.close()

    english = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = english.new_page()
    page.goto("/")
    assert (
        page.locator(".brand").bounding_box()["x"]
        < page.get_by_role("navigation").first.bounding_box()["x"]
    )
    english.close()
