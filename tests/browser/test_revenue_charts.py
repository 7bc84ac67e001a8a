"""A filmmaker reads their revenue in a real browser: charts drawn from the tables beside them."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from storefront.extensions import db
from storefront.models import OfferKind, utcnow

from ..revenue.conftest import Ledger
from .conftest import screenshot


def test_dashboard_draws_each_chart_from_its_table(page, filmmaker, studio, make_title):
    first = Ledger(make_title("The Long Winter", studio=studio))
    second = Ledger(make_title("Northern Lights", studio=studio))
    now = utcnow()
    studio.created_at = now - timedelta(days=40)  # a studio selling for weeks already
    db.session.commit()
    for day in range(12):
        first.sale(499 + day * 10, at=now - timedelta(days=day, hours=1), country="NO")
        at = now - timedelta(days=day * 2, hours=2)
        second.sale(1999, at=at, country="SE", kind=OfferKind.BUY)
    first.refund(499, at=now - timedelta(hours=1))
    second.dispute(1999, at=now - timedelta(hours=3), processor_fee=1500)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    page.goto("/login")
    page.get_by_label("Email").fill(filmmaker.email)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/studio/{studio.slug}/")
    page.get_by_role("navigation", name="Studio").get_by_role("link", name="Revenue").click()

    expect(page.get_by_role("heading", name="Totals in EUR")).to_be_visible()
    charts = page.locator("figure.chart")
    expect(charts).to_have_count(4)
    page.wait_for_function("() => window.Chart && document.querySelectorAll('canvas').length")
    page.wait_for_function(
        "() => [...document.querySelectorAll('figure.chart canvas')].every(c => Chart.getChart(c))"
    )
    for i in range(4):
        canvas = charts.nth(i).locator("canvas")
        expect(canvas).to_have_attribute("role", "img")
        # Chart.js took the canvas over and drew the table's rows on it.
        drawn = canvas.evaluate(
            "c => { const chart = Chart.getChart(c); return chart ? chart.data.labels.length : 0 }"
        )
        assert drawn == charts.nth(i).locator("tbody tr").count() > 0
    page.get_by_label("Period", exact=True).select_option(label="Last 7 days")
    page.get_by_label("Rent or buy").select_option(label="Buy")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"period=7d.*kind=buy"))
    download_link = page.get_by_role("link", name="Download CSV")
    expect(download_link).to_have_attribute("href", re.compile(r"export\.csv\?period=7d.*kind=buy"))
    screenshot(page, "revenue-dashboard")

    # The statement of the month of the newest sale of "Northern Lights" (on the first of a
    # month, last month's), as it prints: figures kept, navigation and buttons left out.
    newest = (now - timedelta(hours=2)).astimezone(ZoneInfo(studio.timezone))
    statements = page.get_by_role("region", name="Monthly statements")
    statements.locator(f'a[href$="/statements/{newest:%Y-%m}"]').click()
    expect(page.get_by_role("heading", name=re.compile("^Statement for "))).to_be_visible()
    expect(page.get_by_role("table", name="By title (EUR)")).to_contain_text("Northern Lights")
    page.emulate_media(media="print")
    expect(page.locator(".statement-nav")).to_be_hidden()
    expect(page.get_by_role("table", name="By country (EUR)")).to_be_visible()
    screenshot(page, "revenue-statement-print")
    assert errors == []


def test_chart_figures_are_written_in_the_store_language(
    browser, live_server, filmmaker, studio, make_title
):
    """A French studio on an English browser reads 1,5 on the axes, as in the tables."""
    ledger = Ledger(make_title("Le Long Hiver", studio=studio))
    ledger.sale(150, at=utcnow() - timedelta(hours=1), country="FR")
    ledger.sale(120, at=utcnow() - timedelta(days=1), country="FR")
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    try:
        page.goto("/login")
        page.get_by_label("Email").fill(filmmaker.email)
        page.get_by_label("Password").fill("correct horse battery")
        page.get_by_role("button", name="Log in").click()
        page.locator("#language-select").select_option("fr")
        with page.expect_navigation():
            page.locator(".language-form button[type=submit]").click()
        page.goto(f"/studio/{studio.slug}/revenue")
        page.wait_for_function(
            "() => window.Chart && [...document.querySelectorAll('figure.chart canvas')]"
            ".some(c => Chart.getChart(c) && Chart.getChart(c).scales.y)"
        )
        ticks = page.evaluate(
            "() => [...document.querySelectorAll('figure.chart canvas')]"
            ".map(c => Chart.getChart(c)).filter(c => c && c.scales.y)"
            ".flatMap(c => c.scales.y.ticks.map(t => t.label))"
        )
        decimals = [t for t in ticks if re.search(r"\d[.,]\d", str(t))]
        assert decimals and all("," in str(t) for t in decimals), ticks
    finally:
        context.close()
