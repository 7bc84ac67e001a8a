"""Studio totals, breakdowns and series from hand-made ledger rows, through the real service."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from storefront.models import OfferKind
from storefront.services import reports
from storefront.services.reports import Granularity, Period, ReportFilter
from storefront.services.reports.buckets import offset_segments


def _totals(studio, **kw):
    return {
        c.totals.currency: c.totals
        for c in reports.dashboard(ReportFilter(studio_id=studio.id, **kw)).currencies
    }


def test_totals_per_currency_follow_the_ledger_conventions(ledger, studio):
    # EUR, Connect mode: the platform fee is the studio's cost; Stripe's fee is the platform's.
    ledger.sale(1000, tax=200, platform_fee=100)
    ledger.sale(1500, kind=OfferKind.BUY, platform_fee=150)
    ledger.refund(500, tax=-100, platform_fee=-50)  # half of the first sale back
    ledger.dispute(1500, kind=OfferKind.BUY, processor_fee=1500)  # chargeback and its fee
    ledger.dispute_won(1500, kind=OfferKind.BUY)
    ledger.application_fee(100, processor_fee=59)  # the platform's income, not the studio's
    # JPY, zero-decimal, single-account mode: Stripe's fee is the studio's cost.
    ledger.sale(800, currency="JPY", processor_fee=29)
    ledger.sale(800, currency="JPY", processor_fee=29, kind=OfferKind.BUY)

    totals = _totals(studio)
    eur, jpy = totals["EUR"], totals["JPY"]
    assert (eur.gross, eur.refunds, eur.disputes, eur.tax) == (2500, 500, 0, 100)
    assert (eur.processor_fees, eur.platform_fees, eur.fees) == (1500, 200, 1700)
    assert eur.net == 2500 - 500 - 0 - 100 - 1700 == 200
    assert (eur.rentals, eur.purchases, eur.refund_count, eur.dispute_count) == (1, 1, 1, 1)
    assert (jpy.gross, jpy.fees, jpy.net, jpy.rentals, jpy.purchases) == (1600, 58, 1542, 1, 1)
    assert set(totals) == {"EUR", "JPY"}  # no conversion, no invented total across currencies


def test_only_the_studios_own_rows_count(ledger, studio, make_ledger, make_studio):
    other = make_ledger(studio=make_studio(name="Elsewhere"))
    ledger.sale(1000)
    other.sale(9000)
    other.sale(9000, currency="USD")
    assert set(_totals(studio)) == {"EUR"}
    assert _totals(studio)["EUR"].gross == 1000


def test_filters_by_title_country_kind_and_period(ledger, studio, make_title):
    second = make_title("Second Film", studio=studio)
    now = datetime.now(UTC)
    ledger.sale(100, country="NO", at=now - timedelta(hours=1))
    ledger.sale(200, country="SE", kind=OfferKind.BUY, at=now - timedelta(hours=1))
    ledger.sale(400, title=second, country="NO", at=now - timedelta(days=3))
    ledger.sale(800, country="NO", at=now - timedelta(days=20))
    ledger.sale(1600, country="NO", at=now - timedelta(days=40))

    def gross(**kw):
        return _totals(studio, **kw).get("EUR", reports.Totals("EUR")).gross

    assert gross() == 3100
    assert gross(title_id=second.id) == 400
    assert gross(country="SE") == 200
    assert gross(kind=OfferKind.BUY) == 200
    assert gross(country="NO", kind=OfferKind.RENT, title_id=ledger.title.id) == 2500
    for period, expected in [(Period.DAYS_7, 700), (Period.DAYS_30, 1500), (Period.ALL, 3100)]:
        start, end = reports.period_bounds(period, "UTC", now)
        assert gross(start=start, end=end) == expected, period


def test_periods_are_cut_in_the_readers_time_zone():
    now = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)  # already 11 March in Oslo, 12 in Auckland
    start, end = reports.period_bounds(Period.TODAY, "Europe/Oslo", now)
    assert (start, end) == (
        datetime(2026, 3, 10, 23, tzinfo=UTC),
        datetime(2026, 3, 11, 23, tzinfo=UTC),
    )
    start, _ = reports.period_bounds(Period.MONTH, "Pacific/Auckland", now)
    assert start == datetime(2026, 2, 28, 11, tzinfo=UTC)  # 1 March 00:00 NZDT
    start, end = reports.period_bounds(
        Period.CUSTOM, "America/New_York", now, date(2026, 3, 1), date(2026, 3, 31)
    )
    assert start == datetime(2026, 3, 1, 5, tzinfo=UTC)  # EST
    assert end == datetime(2026, 4, 1, 4, tzinfo=UTC)  # EDT after 8 March
    start, end = reports.period_bounds(Period.DAYS_7, "UTC", now)
    assert (end - start).days == 7


def test_a_sale_late_in_the_evening_belongs_to_the_local_day(ledger, studio):
    at = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)  # 11 March in Oslo
    ledger.sale(100, at=at)
    for tz, day in [("UTC", 10), ("Europe/Oslo", 11), ("America/Los_Angeles", 10)]:
        start, end = reports.period_bounds(Period.TODAY, tz, at)
        report = reports.dashboard(ReportFilter(studio_id=studio.id, start=start, end=end, tz=tz))
        [point] = [s for s in report.currencies[0].series if s.gross]
        assert point.key == date(2026, 3, day), tz


@pytest.mark.parametrize(
    "granularity, expected",
    [
        (Granularity.DAY, {date(2026, 3, 28): 1, date(2026, 3, 30): 110}),
        (Granularity.WEEK, {date(2026, 3, 23): 1, date(2026, 3, 30): 110}),
        (Granularity.MONTH, {date(2026, 3, 1): 111}),
    ],
)
def test_series_buckets_across_a_daylight_saving_change(ledger, studio, granularity, expected):
    # Oslo moves from UTC+1 to UTC+2 at 01:00 UTC on Sunday 29 March 2026.
    ledger.sale(1, at=datetime(2026, 3, 28, 22, 59, tzinfo=UTC))  # 23:59 on Saturday 28
    # 00:30 on Monday 30 in summer time; a fixed winter offset would put it on Sunday 29.
    ledger.sale(10, at=datetime(2026, 3, 29, 22, 30, tzinfo=UTC))
    ledger.sale(100, at=datetime(2026, 3, 29, 23, 30, tzinfo=UTC))  # 01:30 on Monday 30
    start = datetime(2026, 3, 1, tzinfo=UTC) - timedelta(hours=1)
    end = datetime(2026, 4, 1, tzinfo=UTC) - timedelta(hours=2)
    report = reports.dashboard(
        ReportFilter(
            studio_id=studio.id, start=start, end=end, tz="Europe/Oslo", granularity=granularity
        )
    )
    series = report.currencies[0].series
    assert {s.key: s.gross for s in series if s.gross} == expected
    assert [s.key for s in series] == report.buckets  # empty buckets are there too, in order
    assert (
        report.buckets[0]
        == {
            Granularity.DAY: date(2026, 3, 1),
            Granularity.WEEK: date(2026, 2, 23),
            Granularity.MONTH: date(2026, 3, 1),
        }[granularity]
    )


def test_offset_segments_find_each_transition_to_the_second():
    segments = offset_segments(
        "Europe/Oslo", datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    )
    assert segments == [
        (datetime(2026, 3, 29, 1, tzinfo=UTC), 60),
        (datetime(2026, 10, 25, 1, tzinfo=UTC), 120),
        (datetime(2027, 1, 1, tzinfo=UTC), 60),
    ]
    assert offset_segments(
        "Asia/Kathmandu", datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    ) == [(datetime(2026, 2, 1, tzinfo=UTC), 345)]


def test_breakdowns_by_title_country_and_kind(ledger, studio, make_title):
    second = make_title("Second Film", studio=studio)
    ledger.sale(1000, country="NO", platform_fee=100)
    ledger.sale(3000, title=second, country="SE", kind=OfferKind.BUY, platform_fee=300)
    ledger.refund(1000, country="NO", platform_fee=-100)
    [eur] = reports.dashboard(ReportFilter(studio_id=studio.id)).currencies
    assert [(s.label, s.sales, s.gross, s.net) for s in eur.by_title] == [
        ("Second Film", 1, 3000, 2700),
        (ledger.title.name, 1, 1000, 0),
    ]
    assert [(s.key, s.sales, s.gross, s.net) for s in eur.by_country] == [
        ("SE", 1, 3000, 2700),
        ("NO", 1, 1000, 0),
    ]
    assert [(s.key, s.sales, s.net) for s in eur.by_kind] == [
        (OfferKind.RENT, 1, 0),
        (OfferKind.BUY, 1, 2700),
    ]
    assert eur.top_titles[0].label == "Second Film"


def test_settlement_totals_come_from_the_balance_transactions(ledger, studio):
    ledger.sale(1000, settlement_currency="NOK", settlement_net=11500)
    ledger.sale(2000, settlement_currency="NOK", settlement_net=23000)
    ledger.refund(1000, settlement_currency="NOK", settlement_net=-11600)
    report = reports.dashboard(ReportFilter(studio_id=studio.id))
    assert report.settlement == {"NOK": 22900}


def test_recent_sales_and_movements_newest_first(ledger, studio):
    now = datetime.now(UTC)
    for n in range(12):
        ledger.sale(100 + n, at=now - timedelta(minutes=60 - n))
    ledger.refund(100, at=now - timedelta(minutes=5))
    ledger.dispute(101, at=now - timedelta(minutes=4))
    ledger.application_fee(10, at=now - timedelta(minutes=3))
    f = ReportFilter(studio_id=studio.id)
    sales = reports.recent_sales(f)
    assert [e.gross for e in sales] == [111 - n for n in range(10)]
    assert [e.entry_type.value for e in reports.recent_refunds_and_disputes(f)] == [
        "dispute",
        "refund",
    ]


def test_a_deleted_title_keeps_its_rows_in_the_totals(ledger, studio):
    from storefront.extensions import db

    entry = ledger.sale(1000)
    db.session.delete(ledger.title)
    db.session.commit()
    db.session.refresh(entry)
    assert entry.title_id is None and entry.title_name == "The Long Winter"
    [eur] = reports.dashboard(ReportFilter(studio_id=studio.id)).currencies
    assert eur.totals.gross == 1000
    assert [(s.key, s.gross) for s in eur.by_title] == [(None, 1000)]
