"""The sweep of every page (test_every_page.py) sees every page: each route it visits answers
a page of its own, and every page template is shown by a visit or said to be checked
elsewhere. A route or template added later cannot drop out of the sweep without a name.

These run without a browser, so a missing Chromium does not hide a page that slipped out.
"""

from __future__ import annotations

from pathlib import Path

from flask import template_rendered

from ..conftest import PASSWORD
from .pages import NOT_PAGES, UNSWEPT_TEMPLATES, VISITORS, store_pages

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def page_templates() -> set[str]:
    """Templates that are pages: not partials (``_name``) and not mails."""
    return {
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if not path.name.startswith("_") and path.parts[len(TEMPLATES.parts)] != "mail"
    }


def test_every_swept_route_answers_a_page_and_every_page_template_is_seen(
    app, make_user, make_studio, make_title
):
    pages = store_pages(app, make_user, make_studio, make_title)
    seen: set[str] = set()

    def record(sender, template, context, **extra) -> None:
        seen.add(template.name)

    not_pages = []
    with template_rendered.connected_to(record, app):
        for visitor in VISITORS:
            client = app.test_client()
            if visitor != "anonymous":
                login = {"email": f"{visitor}@example.org", "password": PASSWORD}
                client.post("/login", data=login)
            for item in (p for p in pages if p.visitor == visitor):
                response = client.get(item.path, headers={"X-Test-Country": "NO"})
                if response.status_code != item.status or response.mimetype != "text/html":
                    not_pages.append(
                        f"{item.endpoint} {item.path} as {visitor}: {response.status_code} "
                        f"{response.mimetype} {response.headers.get('Location', '')}"
                    )
    assert not not_pages, (
        "the sweep cannot lay these out; list them in NOT_PAGES (tests/browser/pages.py) if "
        "they are not pages, or give the world what makes them one:\n" + "\n".join(not_pages)
    )
    unseen = page_templates() - seen - set(UNSWEPT_TEMPLATES)
    assert not unseen, (
        "page templates no visit of the sweep shows; add a visit to STATE_PAGES, or say in "
        f"UNSWEPT_TEMPLATES where they are checked: {sorted(unseen)}"
    )
    stale = set(UNSWEPT_TEMPLATES) - page_templates()
    assert not stale, f"UNSWEPT_TEMPLATES names templates that no longer exist: {stale}"
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints >= NOT_PAGES, f"NOT_PAGES names no route: {NOT_PAGES - endpoints}"
