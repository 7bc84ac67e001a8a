"""Cutting time into local days, weeks and months, in SQL, on PostgreSQL and SQLite alike."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from ...models.base import UTCDateTime
from .filters import LEDGER, Granularity, is_time_zone


def truncate(day: date, granularity: Granularity) -> date:
    """The first day of the bucket holding `day` (weeks start on Monday)."""
    if granularity == Granularity.WEEK:
        return day - timedelta(days=day.weekday())
    if granularity == Granularity.MONTH:
        return day.replace(day=1)
    return day


def step(day: date, granularity: Granularity) -> date:
    if granularity == Granularity.DAY:
        return day + timedelta(days=1)
    if granularity == Granularity.WEEK:
        return day + timedelta(days=7)
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def bucket_days(start: datetime, end: datetime, tz: str, granularity: Granularity) -> list[date]:
    """Every bucket between two UTC instants (end exclusive), so charts show empty days too."""
    zone = zoneinfo.ZoneInfo(tz)
    first = truncate(start.astimezone(zone).date(), granularity)
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    days = []
    day = first
    while day <= last:
        days.append(day)
        day = step(day, granularity)
    return days


def as_date(value: object) -> date:
    """A bucket as the database returns it (datetime on PostgreSQL, text on SQLite)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def bucket_expression(
    dialect: str,
    tz: str,
    granularity: Granularity,
    start: datetime,
    end: datetime,
    column: sa.ColumnElement | None = None,
) -> sa.ColumnElement:
    """SQL for the local bucket start of each row's ``column`` (naive UTC in the table; the
    ledger's `occurred_at` unless another is given), for rows in [start, end)."""
    if not is_time_zone(tz):  # rendered literally below, so only known zone names get in
        raise ValueError(f"unknown time zone {tz!r}")
    if column is None:
        column = LEDGER.c.occurred_at
    if dialect == "postgresql":
        # Literal text, not bound parameters: the same expression appears in SELECT and in
        # GROUP BY, and PostgreSQL only matches them when they are textually identical.
        local = (
            column
            if tz == "UTC"
            else sa.func.timezone(
                sa.literal_column(f"'{tz}'"), sa.func.timezone(sa.literal_column("'UTC'"), column)
            )
        )
        return sa.func.date_trunc(sa.literal_column(f"'{granularity.value}'"), local)
    local = _sqlite_local_time(column, tz, start, end)
    if granularity == Granularity.WEEK:
        return sa.func.date(local, "weekday 0", "-6 days")
    if granularity == Granularity.MONTH:
        return sa.func.date(local, "start of month")
    return sa.func.date(local)


def _sqlite_local_time(
    column: sa.ColumnElement, tz: str, start: datetime, end: datetime
) -> sa.ColumnElement:
    """SQLite has no time zones: add each stretch's UTC offset, cut at the zone's transitions."""
    segments = offset_segments(tz, start, end)
    shifted = [
        (until, sa.func.datetime(column, f"{minutes:+d} minutes") if minutes else column)
        for until, minutes in segments
    ]
    if len(shifted) == 1:
        return shifted[0][1]
    whens = [(column < sa.literal(until, UTCDateTime()), expr) for until, expr in shifted[:-1]]
    return sa.case(*whens, else_=shifted[-1][1])


def offset_segments(tz: str, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """[(until, offset minutes)] over [start, end): the offset changes at each `until`."""
    zone = zoneinfo.ZoneInfo(tz)

    def offset(at: datetime) -> int:
        delta = at.astimezone(zone).utcoffset() or timedelta(0)
        return int(delta.total_seconds() // 60)

    segments: list[tuple[datetime, int]] = []
    current, at = offset(start), start
    while at < end:
        nxt = min(at + timedelta(days=1), end)
        if offset(nxt) != current:
            low, high = at, nxt  # the change happens in (low, high]: find it to the second
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                low, high = (low, middle) if offset(middle) != current else (middle, high)
            segments.append((high.replace(microsecond=0), current))
            current = offset(high)
            nxt = high
        at = nxt
    segments.append((end.astimezone(UTC), current))
    return segments
