"""Every page of the store (viewer, studio, admin), at 390 px wide and through axe-core.

Pages come from ``app.url_map`` (see pages.py): a route added later is opened too, so it
must fit a phone and pass axe like the rest. A page fails when anything on it reaches past
the right edge (the page would scroll sideways), or when axe-core finds a serious or
critical violation.
"""

from __future__ import annotations

import pytest

from ..conftest import PASSWORD
from .pages import BROKEN_REFERENCES, BROKEN_WORDS, OVERFLOW, axe_violations, store_pages

PHONE = {"width": 390, "height": 844}


def open_as(browser, live_server, visitor: str, locale: str):
    context = browser.new_context(
        base_url=live_server.url,
        locale=locale,
        viewport=PHONE,
        bypass_csp=True,
        extra_http_headers={"X-Test-Country": "NO"},
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    if visitor != "anonymous":
        page.goto("/login")
        page.fill("input[name=email]", f"{visitor}@example.org")
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
    return context, page


@pytest.mark.parametrize("locale", ["en-GB", "fr-FR", "ar", "ja"])
def test_every_page_fits_a_phone_and_passes_axe(  # noqa: PLR0913
    browser, live_server, app, make_user, make_studio, make_title, locale
):
    pages = store_pages(app, make_user, make_studio, make_title)
    assert len(pages) > 30  # the sweep sees the whole store, not a corner of it
    problems: list[str] = []
    opened = 0
    for visitor in ("anonymous", "buyer", "owner", "admin"):
        mine = [p for p in pages if p.visitor == visitor]
        context, page = open_as(browser, live_server, visitor, locale)
        try:
            for item in mine:
                response = page.goto(item.path)
                where = f"{item.endpoint} {item.path} as {visitor} ({locale})"
                # Anything but this page, here, is a page the sweep would not see: say so.
                kind = response.headers.get("content-type", "") if response else ""
                if "text/html" not in kind or response.status != item.status:
                    problems.append(f"{where}: {response and response.status} {kind}")
                    continue
                if response.request.redirected_from is not None:
                    problems.append(f"{where}: ended on {page.url}")
                    continue
                page.wait_for_load_state("load")
                opened += 1
                box = page.evaluate(OVERFLOW)
                if box["scrollWidth"] > box["width"]:
                    problems.append(
                        f"{where}: {box['scrollWidth']} px wide; too wide: {box['wide']}"
                    )
                if locale == "en-GB":
                    problems.extend(f"{where}: {line}" for line in axe_violations(page))
                    problems.extend(f"{where}: {line}" for line in page.evaluate(BROKEN_REFERENCES))
                    if page.locator("select[multiple]").count():  # Ctrl-click: not on a phone
                        problems.append(f"{where}: a multiple select; use choice_picker")
                if locale != "ja":  # Japanese lines break between characters
                    broken = page.evaluate(BROKEN_WORDS, None)
                    problems.extend(f"{where}: a word split across lines: {w}" for w in broken)
        finally:
            context.close()
    assert opened > 30
    assert not problems, "\n".join(problems)
