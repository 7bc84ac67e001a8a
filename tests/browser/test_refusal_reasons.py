"""Why a film cannot be bought here is hard to miss: high-contrast text, a marked box, not
small olive print, on the title page and in the catalogue."""

from __future__ import annotations

from playwright.sync_api import expect

from .pages import axe_violations

# The WCAG contrast ratio of the element's text on its own (or nearest painted) background.
CONTRAST = """(element) => {
  const rgb = (text) => text.match(/[\\d.]+/g).slice(0, 4).map(Number);
  const lum = ([r, g, b]) => {
    const linear = (v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    const c = [r, g, b].map((v) => linear(v / 255));
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  let node = element, background = null;
  while (node && !background) {
    const value = rgb(getComputedStyle(node).backgroundColor);
    if (value.length < 4 || value[3] > 0) background = value;
    node = node.parentElement;
  }
  const style = getComputedStyle(element);
  const [a, b] = [lum(rgb(style.color)), lum(background || [255, 255, 255])].sort((x, y) => y - x);
  return { ratio: (a + 0.05) / (b + 0.05), size: parseFloat(style.fontSize),
           weight: Number(style.fontWeight), border: parseFloat(style.borderLeftWidth) };
}"""


def test_a_refusal_reason_stands_out(page, make_title):
    title = make_title(
        "Only in Sweden",
        offers=[
            {
                "kind": "rent",
                "amount": 499,
                "currency": "SEK",
                "territory_mode": "allow",
                "territories": [{"country": "SE"}],
            }
        ],
    )
    page.set_extra_http_headers({"X-Test-Country": "NO"})
    for path in (f"/films/{title.slug}", "/films"):
        page.goto(path)
        reason = page.locator(".unavailable, .availability-notice .reason").first
        expect(reason).to_contain_text("Not available in Norway")
        looks = reason.evaluate(CONTRAST)
        assert looks["ratio"] >= 7, looks  # WCAG AAA, not merely readable
        assert looks["size"] >= 15 and looks["weight"] >= 600, looks
        assert looks["border"] >= 3, looks  # set apart by a marked edge
        assert axe_violations(page) == []


def test_in_arabic_the_marked_edge_is_where_the_line_starts(browser, live_server, make_title):
    title = make_title(
        "Only in Sweden",
        offers=[
            {
                "kind": "rent",
                "amount": 499,
                "currency": "SEK",
                "territory_mode": "allow",
                "territories": [{"country": "SE"}],
            }
        ],
    )
    context = browser.new_context(
        base_url=live_server.url, locale="ar", extra_http_headers={"X-Test-Country": "NO"}
    )
    page = context.new_page()
    try:
        for path in (f"/films/{title.slug}", "/films"):
            page.goto(path)
            reason = page.locator(".unavailable, .availability-notice .reason").first
            edges = reason.evaluate(
                "e => [getComputedStyle(e).borderRightWidth, getComputedStyle(e).borderLeftWidth]"
            )
            assert edges == ["4px", "0px"], (path, edges)  # right to left: the start is the right
    finally:
        context.close()
