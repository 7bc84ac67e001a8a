"""Every page of the store, for sweeps that must cover pages added later.

The list is built from ``app.url_map``: every GET route, with sample arguments from the
authorization matrix's world (tests/test_authorization.py: real objects of every kind), seen
by the first visitor the matrix lets in (anonymous, then a buyer, a studio owner, an admin).
Routes that are not pages (files, playlists, JSON, downloads, redirects) are listed in
NOT_PAGES: every other route must answer a page of its own, or test_page_sweep.py names it, so
a route cannot drop out of the sweep by answering something else. Pages that no route shows
by itself (an error, a refusal) are visited through STATE_PAGES, and every page template must
be seen by a visit or named in UNSWEPT_TEMPLATES with where else it is checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..test_authorization import EXPECTED, NOT_CHECKED, OK, build_world, url_values

# Visitors tried in this order: the first one the matrix says gets the page sees it.
VISITORS = ("anonymous", "buyer", "owner", "admin")
# Routes that answer with something other than a page, or end the visit; no need to open.
NOT_PAGES = {
    "media_files.image",
    "media_files.festival_artwork",
    "media_files.media_object",
    "store.healthz",
    "watch.master",
    "watch.variant",
    "watch.subtitles",
    "watch.subtitle_file",
    "studio_media.media_status",
    "studio_uploads.show_upload",
    "studio_revenue.export_csv",
    "studio_revenue.export_xlsx",
    "admin_revenue.export_csv",
    "admin_revenue.export_xlsx",
    # Files to download (CSV, JSON): a browser saves them, there is no page to look at.
    "rights.holdings_csv",
    "rights.holdings_xlsx",
    "studio_analytics.audience_csv",
    "studio_analytics.buyers_csv",
    "account.export_json",
    "account.export_csv",
    "watch.audio",  # an HLS playlist
    "studio_promotions.codes_csv",
    "studio_festivals.attendance_csv",
    "auth.session_check",
    "checkout.status",
    # Answers that are not pages: plain text, XML, an icon, oEmbed's JSON.
    "sharing.robots",
    "sharing.sitemap",
    "sharing.oembed",
    "site.favicon",
    # End on another page (the login form; the order's page), which is swept on its own.
    "auth.verify_email",
    "checkout.cancel",
    "test_checkout.page",  # needs an open checkout session: opened by the checkout tests
    "studio_payments.onboarding_refresh",  # Stripe Connect's onboarding: off in tests
    "studio_payments.onboarding_return",
}
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@dataclass(frozen=True)
class Page:
    endpoint: str
    path: str
    visitor: str
    status: int = 200


# Pages a state shows rather than a route of their own, reached with a plain GET.
STATE_PAGES = [
    Page("errors/error.html", "/films/no-such-film", "anonymous", 404),
    Page("auth/verify_invalid.html", "/verify/not-a-token", "anonymous", 400),
    Page("auth/reset_invalid.html", "/password/reset/not-a-token", "anonymous", 400),
]
# Page templates no GET shows in the sweep's world, and where they are checked instead.
UNSWEPT_TEMPLATES = {
    "base.html": "the layout of every page",
    "store/home.html": "the layout of store/index.html",
    "auth/check_inbox.html": "after signing up (test_account_journeys.py)",
    "checkout/test_page.html": "the offline payment page (test_checkout.py)",
    "checkout/refused.html": "answers a refused POST",
    "festivals/refused.html": "answers a refused POST",
    "studio/festivals/refused.html": "answers a refused POST",
    "studio/needs_verified_email.html": "only accounts whose address is unconfirmed see it",
}


def store_pages(app, make_user, make_studio, make_title) -> list[Page]:
    """One page per GET route, with the visitor who may see it."""
    world = build_world(app, make_user, make_studio, make_title)
    adapter = app.url_map.bind("localhost")
    pages = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if "GET" not in rule.methods or rule.endpoint in NOT_CHECKED | NOT_PAGES:
            continue
        outcomes = EXPECTED[(rule.endpoint, "GET")]
        visitor = next((v for v in VISITORS if outcomes[v] == OK), None)
        assert visitor, f"{rule.endpoint}: nobody may see it; list it in NOT_PAGES"
        path = adapter.build(rule.endpoint, url_values(rule.endpoint, rule, world))
        pages.append(Page(rule.endpoint, path, visitor))
    return pages + STATE_PAGES


OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const element of document.body.querySelectorAll('*')) {
    const box = element.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0) {
      const style = getComputedStyle(element);
      if (style.position === 'fixed' || style.visibility === 'hidden') continue;
      if (element.parentElement.closest('.table-scroll, .chart-table')) continue;  // scrolls itself
      const classes = String(element.className || '').trim().split(/\\s+/).filter(Boolean);
      const name = [element.tagName.toLowerCase(), ...classes].join('.');
      wide.push(`${name} (${Math.round(box.right)}px)`);
    }
  }
  return { scrollWidth: document.documentElement.scrollWidth, width, wide: wide.slice(0, 6) };
}"""

# What axe-core leaves out or only flags for review: ids must be unique (a label's ``for`` and
# aria references name one element), and every reference must name an element that exists.
BROKEN_REFERENCES = """() => {
  const problems = [];
  const seen = new Map();
  for (const element of document.querySelectorAll('[id]')) {
    seen.set(element.id, (seen.get(element.id) || 0) + 1);
  }
  for (const [id, count] of seen) if (count > 1) problems.push(`id="${id}" is used ${count} times`);
  for (const attr of ['for', 'aria-describedby', 'aria-labelledby', 'aria-controls']) {
    for (const element of document.querySelectorAll(`[${attr}]`)) {
      for (const id of element.getAttribute(attr).split(/\\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) problems.push(`${attr}="${id}" names no element`);
      }
    }
  }
  return problems;
}"""

# Words split across lines inside a table cell ("Kristoffer|sen", "1 299,|00 kr"): a wide table
# scrolls in its region (scroll_table) instead, so each cell keeps its words whole. A word is
# what lies between spaces, hyphens and slashes, where a line may break. Not for Japanese,
# which breaks lines between characters.
BROKEN_WORDS = """(root) => {
  const broken = [];
  const scope = root ? document.querySelector(root) : document;
  for (const cell of scope.querySelectorAll('.table th, .table td')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/[^\\s\\-\u2010-\u2014\\/·]+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0);
        const lines = new Set(rects.map((r) => Math.round(r.top)));
        if (lines.size > 1) broken.push(`"${match[0]}" in ${cell.tagName.toLowerCase()}`);
      }
    }
  }
  return broken.slice(0, 6);
}"""

SERIOUS = ("serious", "critical")


def axe_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => (await axe.run(document, { resultTypes: ['violations'] })).violations"
    )
    lines = []
    for violation in result:
        if violation["impact"] in SERIOUS:
            targets = ", ".join(str(node["target"]) for node in violation["nodes"][:3])
            lines.append(f"{violation['id']} ({violation['impact']}): {targets}")
    return lines
