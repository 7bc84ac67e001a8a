"""The studio dashboard, statement and admin pages as people use them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from storefront.models import OfferKind, utcnow


def test_dashboard_shows_totals_per_currency_charts_and_downloads(filmmaker_client, ledger, studio):
    ledger.sale(1250, platform_fee=125, country="FR")
    ledger.sale(900, currency="JPY", kind=OfferKind.BUY, country="JP")
    ledger.refund(250, platform_fee=-25, country="FR")
    response = filmmaker_client.get(f"/studio/{studio.slug}/revenue")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Totals in EUR" in html and "Totals in JPY" in html
    assert "€12.50" in html and "¥900" in html  # each currency formatted with its own digits
    # Every chart has a canvas described as an image and a captioned table holding its figures.
    canvases = re.findall(r'<canvas role="img" aria-label="[^"]+"', html)
    assert len(canvases) == 8  # four charts for each of the two currencies
    assert html.count("<caption>") >= 8
    assert 'data-value="9.00"' in html  # EUR net: 12.50 - 1.25 - 2.50 + 0.25
    assert "vendor/chart.umd.min.js" in html and "js/revenue.js" in html
    assert f"/studio/{studio.slug}/revenue/export.csv?period=30d" in html
    assert f"/studio/{studio.slug}/revenue/export.xlsx?period=30d" in html
    assert "France" in html and "Japan" in html


def test_download_links_carry_the_filters(filmmaker_client, ledger, studio):
    ledger.sale(1000)
    title = ledger.title
    query = f"period=custom&start=2026-01-01&end=2026-01-31&title={title.id}&country=NO&kind=rent"
    html = filmmaker_client.get(f"/studio/{studio.slug}/revenue?{query}").get_data(as_text=True)
    for link in re.findall(r'href="(/studio/[^"]+/export\.(?:csv|xlsx)\?[^"]+)"', html):
        for part in query.split("&"):
            assert part in link.replace("&amp;", "&")


def test_empty_period_says_so(filmmaker_client, studio):
    html = filmmaker_client.get(f"/studio/{studio.slug}/revenue?period=today").get_data(
        as_text=True
    )
    assert "No sales, refunds or disputes in this period." in html


def test_bad_filters_are_explained_next_to_their_fields(filmmaker_client, studio):
    cases = {
        "period=custom": "Choose the first day.",
        "period=custom&start=2026-02-10&end=2026-02-01": "The last day cannot be before the first.",
        "period=custom&start=yesterday&end=2026-02-01": "Not a valid date value.",
        "period=forever": "Not a valid choice.",
        "country=XX": "Not a valid choice.",
        "kind=lease": "Not a valid choice.",
        "title=999999": "Not a valid choice.",
        "period=all&group=day&tz=Mars/Olympus": "Unknown time zone.",
        "period=custom&start=2020-01-01&end=2026-01-01&group=day": "choose a coarser grouping",
    }
    for query, message in cases.items():
        response = filmmaker_client.get(f"/studio/{studio.slug}/revenue?{query}")
        assert response.status_code == 400, query
        assert message in response.get_data(as_text=True), query
        export = filmmaker_client.get(f"/studio/{studio.slug}/revenue/export.csv?{query}")
        assert export.status_code == 400, query


def test_a_day_out_of_range_is_named_as_the_reader_writes_days(filmmaker_client, studio):
    """The refusal read "Choose a day between 2000-01-01 and 2027-12-01." in every language."""
    filmmaker_client.post("/account/language", data={"locale": "fr", "next": "/"})
    query = "period=custom&start=1999-12-31&end=2026-01-01"
    response = filmmaker_client.get(f"/studio/{studio.slug}/revenue?{query}")
    assert response.status_code == 400
    error = re.search(r'<p class="error" id="start-error">([^<]*)</p>', response.text)
    assert error and "1 janvier 2000" in error.group(1) and "2000-01-01" not in error.group(1)


def test_statement_totals_by_title_and_country_and_prints(filmmaker_client, ledger, studio):
    march = datetime(2026, 3, 15, 12, tzinfo=UTC)
    ledger.sale(1000, at=march, country="SE")
    ledger.sale(2000, at=march, country="NO", kind=OfferKind.BUY)
    ledger.sale(7000, at=datetime(2026, 4, 1, 0, 0, 1, tzinfo=UTC))  # April in UTC: not shown
    response = filmmaker_client.get(f"/studio/{studio.slug}/revenue/statements/2026-03")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Statement for March 2026" in html
    assert "€30.00" in html and "€70.00" not in html
    assert "Sweden" in html and "Norway" in html and ledger.title.name in html
    assert "data-print" in html
    assert "period=custom&amp;start=2026-03-01&amp;end=2026-03-31&amp;tz=UTC" in html
    assert (
        filmmaker_client.get(f"/studio/{studio.slug}/revenue/statements/2026-13").status_code == 404
    )


def test_statement_page_in_french(filmmaker_client, ledger, studio):
    ledger.sale(1999, at=datetime(2026, 3, 2, tzinfo=UTC))
    filmmaker_client.post("/account/language", data={"locale": "fr", "next": "/"})
    html = filmmaker_client.get(f"/studio/{studio.slug}/revenue/statements/2026-03").get_data(
        as_text=True
    )
    assert "mars 2026" in html and "19,99" in html


def test_admin_sees_platform_figures_per_currency_and_studio(
    admin_client, make_ledger, make_studio, make_title
):
    first = make_ledger(make_title("North", studio=make_studio(name="North Films")))
    second = make_ledger(make_title("South", studio=make_studio(name="South Films")))
    first.sale(1000, platform_fee=100)
    first.application_fee(100, processor_fee=59)
    second.sale(5000, currency="USD", platform_fee=500)
    second.application_fee(500, currency="USD", processor_fee=175)
    html = admin_client.get("/admin/revenue?period=all").get_data(as_text=True)
    assert "North Films" in html and "South Films" in html
    assert "€10.00" in html and "$50.00" in html  # sales volume
    assert "€0.41" in html and "$3.25" in html  # what the platform keeps of its fees
    assert "/admin/revenue/export.csv?period=all" in html


def test_dashboard_counts_days_in_the_studios_time_zone_for_every_member(
    filmmaker_client, filmmaker, ledger, studio
):
    from storefront.extensions import db

    # 13:00 UTC on 15 January is already 02:00 on the 16th in Auckland.
    studio.timezone = "Pacific/Auckland"
    filmmaker.timezone = "Europe/Oslo"
    db.session.commit()
    ledger.sale(1000, at=datetime(2026, 1, 15, 13, 0, tzinfo=UTC))
    the_16th = f"/studio/{studio.slug}/revenue?period=custom&start=2026-01-16&end=2026-01-16"

    html = filmmaker_client.get(the_16th).text
    assert "Days are counted in the time zone Pacific/Auckland." in html
    assert "€10.00" in html

    # The member may count in their own zone instead, and find their way back.
    own = re.search(r'<a href="([^"]+)">Count days in your own time zone \(Europe/Oslo\)', html)
    assert own
    mine = filmmaker_client.get(own.group(1).replace("&amp;", "&")).text
    assert "Days are counted in the time zone Europe/Oslo." in mine
    assert "€10.00" not in mine  # 14:00 on the 15th in Oslo
    assert "Count days in the studio&#39;s time zone (Pacific/Auckland)" in mine


def test_quiet_days_and_months_before_the_studio_are_left_out(filmmaker_client, ledger, studio):
    from datetime import timedelta

    from storefront.extensions import db

    studio.created_at = utcnow() - timedelta(days=40)
    db.session.commit()
    ledger.sale(1250, country="FR")
    html = filmmaker_client.get(f"/studio/{studio.slug}/revenue").text
    over_time = html[html.index("Revenue over time") :]
    over_time = over_time[: over_time.index("</figure>")]
    listed = re.findall(r"<tr>\s*<th scope=\"row\">", over_time)
    assert len(listed) == 1  # the one day with a sale; the other 29 are in the chart only
    assert "29 periods without activity are not listed." in over_time
    statements = re.findall(r"/revenue/statements/(\d{4}-\d{2})", html)
    first = (studio.created_at.year, studio.created_at.month)
    assert statements and all(tuple(map(int, m.split("-"))) >= first for m in statements)
    assert len(statements) in (2, 3)  # this month and back to the studio's first


def test_statement_arrows_point_the_way_the_page_reads_in_arabic(filmmaker_client, studio):
    """Right to left, the previous month sits at the right: its arrow points right."""
    from storefront.extensions import db

    studio.created_at = datetime(2025, 6, 1, tzinfo=UTC)  # February 2026 is in its life
    db.session.commit()
    filmmaker_client.post("/account/language", data={"locale": "ar", "next": "/"})
    html = filmmaker_client.get(f"/studio/{studio.slug}/revenue/statements/2026-03").text
    nav = html.split('class="statement-nav">', 1)[1]
    links = re.findall(r"<a href=\"[^\"]*statements/2026-0[24]\">([^<]*)</a>", nav)
    assert [link[0] for link in links[:1]] + [link[-1] for link in links[1:]] == ["→", "←"]
    filmmaker_client.post("/account/language", data={"locale": "en", "next": "/"})
    html = filmmaker_client.get(f"/studio/{studio.slug}/revenue/statements/2026-03").text
    assert "← February 2026" in html and "April 2026 →" in html


def test_statement_months_are_the_studios_months_like_its_dashboard(
    filmmaker_client, ledger, studio
):
    from storefront.extensions import db

    # 23:30 UTC on 31 January is already 00:30 on 1 February in Oslo, where the studio is.
    studio.timezone = "Europe/Oslo"
    db.session.commit()
    ledger.sale(1000, at=datetime(2026, 1, 31, 23, 30, tzinfo=UTC))
    dashboard = f"/studio/{studio.slug}/revenue?period=custom&start=2026-02-01&end=2026-02-28"
    assert "€10.00" in filmmaker_client.get(dashboard).text

    february = filmmaker_client.get(f"/studio/{studio.slug}/revenue/statements/2026-02").text
    january = filmmaker_client.get(f"/studio/{studio.slug}/revenue/statements/2026-01").text

    assert "€10.00" in february and "€10.00" not in january
    assert "Europe/Oslo" in february
    # Its downloads are cut the same way, so they hold the figures the page shows.
    assert "start=2026-02-01&amp;end=2026-02-28&amp;tz=Europe/Oslo" in february


def test_the_statement_mail_names_the_studios_month_once_it_is_over(ledger, studio):
    import sqlalchemy as sa

    from storefront.extensions import db
    from storefront.models import Notification
    from storefront.services.accounts.notifications import studio_mails

    studio.timezone = "Europe/Oslo"
    db.session.commit()
    ledger.sale(1000, at=datetime(2026, 1, 31, 23, 30, tzinfo=UTC))  # 1 February in Oslo

    def announced() -> list[str]:
        db.session.commit()
        rows = db.session.scalars(
            sa.select(Notification).where(Notification.event == "statement_ready")
        )
        return [n.context["month"] for n in rows]

    # January's statement in Oslo holds nothing: no mail sends the studio to an empty page.
    studio_mails.statements_ready(datetime(2026, 2, 1, 7, 15, tzinfo=UTC))
    assert announced() == []
    # Still February in Oslo at 23:30 UTC on the last day: not over yet.
    studio_mails.statements_ready(datetime(2026, 2, 28, 22, 30, tzinfo=UTC))
    assert announced() == []
    studio_mails.statements_ready(datetime(2026, 3, 1, 0, 15, tzinfo=UTC))
    studio_mails.statements_ready(datetime(2026, 3, 1, 1, 15, tzinfo=UTC))
    assert announced() == ["2026-02"]


def test_statement_arrows_stay_within_the_studios_months(filmmaker_client, studio):
    """The arrows led month by month into an empty future, or back before the studio
    existed, each way until the store refused the year with an error page."""
    from storefront.extensions import db

    today = utcnow().date()  # the test studio counts its days in UTC
    this_month = f"{today:%Y-%m}"
    last_month = f"{today.year - (today.month == 1)}-{(today.month - 2) % 12 + 1:02d}"
    studio.created_at = datetime(today.year - 1, today.month, 1, tzinfo=UTC)
    db.session.commit()

    def arrows(month: str) -> list[str]:
        html = filmmaker_client.get(f"/studio/{studio.slug}/revenue/statements/{month}").text
        nav = html.split('class="statement-nav">', 1)[1].split("</nav>", 1)[0]
        return re.findall(r"statements/(\d{4}-\d{2})", nav)

    assert arrows(this_month) == [last_month]
    assert this_month in arrows(last_month)
    opened = studio.created_at.date()
    after = (opened + timedelta(days=31)).replace(day=1)
    assert arrows(f"{opened:%Y-%m}") == [f"{after:%Y-%m}"]  # nothing earlier than the studio
