"""What a report covers: a period in the reader's time zone, and optional title, country, kind."""

from __future__ import annotations

import enum
import zoneinfo
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

import pytz
import sqlalchemy as sa
from babel.dates import get_timezone

from ...models import LedgerEntry, OfferKind
from ...models.ledger import NOT_PLATFORM_SQL

LEDGER = LedgerEntry.__table__
# Written literally (not as a bound parameter) so PostgreSQL can prove that studio queries
# match the partial index ix_ledger_studio_report, which leaves the platform's rows out.
NOT_PLATFORM = sa.text("ledger_entries." + NOT_PLATFORM_SQL)
# Buckets beyond this make a chart unreadable; the form asks for a coarser grouping.
MAX_BUCKETS = 400
# Reports cover days between these: no sale predates the store, and a range reaching the
# year 9999 would cost minutes of work (and overflow the calendar) for nothing.
FIRST_REPORT_DAY = date(2000, 1, 1)
DAYS_AHEAD = 366


def report_days(today: date) -> tuple[date, date]:
    """The first and last day a report (or a statement) may name."""
    return FIRST_REPORT_DAY, today + timedelta(days=DAYS_AHEAD)


class Period(enum.StrEnum):
    TODAY = "today"
    DAYS_7 = "7d"
    DAYS_30 = "30d"
    MONTH = "month"
    CUSTOM = "custom"
    ALL = "all"


class Granularity(enum.StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@cache
def time_zones() -> frozenset[str]:
    """The zones a person or studio may choose: known to the system and to Babel, which
    shows dates (the system also lists "Factory" and "localtime", which Babel does not)."""
    return frozenset(z for z in zoneinfo.available_timezones() if _babel_knows(z))


def _babel_knows(name: str) -> bool:
    try:
        get_timezone(name)
    except LookupError:
        return False
    return True


def is_time_zone(name: str | None) -> bool:
    return bool(name) and name in time_zones()


@cache
def canonical_time_zones() -> tuple[str, ...]:
    """The zones a picker offers, sorted: UTC and each country's zones as the tz database's
    zone.tab names them (pytz ships it), so the backward-compatible aliases the system also
    knows ("US/Eastern", "Asia/Calcutta", "Europe/Kiev") do not crowd the list. A zone
    saved earlier under an alias is still read (``is_time_zone``)."""
    listed = {zone for zones in pytz.country_timezones.values() for zone in zones}
    return tuple(sorted((listed | {"UTC"}) & time_zones()))


def zone_choices(current: str | None) -> list[str]:
    """``canonical_time_zones`` for a picker showing ``current``: an alias saved earlier
    stays on it, selected, so a form saved unchanged keeps it."""
    zones = canonical_time_zones()
    if current and is_time_zone(current) and current not in zones:
        return sorted([*zones, current])
    return list(zones)


def studio_zone(studio: object) -> str:
    """Where a studio counts its days and months (its profile's zone; UTC if unknown)."""
    name = getattr(studio, "timezone", None)
    return name if is_time_zone(name) else "UTC"


@dataclass(frozen=True)
class ReportFilter:
    """Which ledger rows a report reads. `studio_id=None` means the whole platform (admins).

    `start`/`end` are aware UTC instants (end exclusive); None leaves that side open.
    `tz` is the zone in which days, weeks and months are cut for the charts.
    """

    studio_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    title_id: int | None = None
    country: str | None = None
    kind: OfferKind | None = None
    tz: str = "UTC"
    granularity: Granularity = Granularity.DAY

    def with_(self, **changes: object) -> ReportFilter:
        return replace(self, **changes)  # type: ignore[arg-type]


def local_midnight(day: date, tz: str) -> datetime:
    """The first instant of a local calendar day, as aware UTC."""
    return datetime.combine(day, time(0), tzinfo=zoneinfo.ZoneInfo(tz)).astimezone(UTC)


def period_bounds(
    period: Period,
    tz: str,
    now: datetime,
    first_day: date | None = None,
    last_day: date | None = None,
) -> tuple[datetime | None, datetime | None]:
    """UTC bounds [start, end) of a period preset, counted in calendar days of `tz`.

    "7 days" and "30 days" include today; a custom range includes both of its days.
    """
    today = now.astimezone(zoneinfo.ZoneInfo(tz)).date()
    tomorrow = local_midnight(today + timedelta(days=1), tz)
    if period == Period.TODAY:
        return local_midnight(today, tz), tomorrow
    if period == Period.DAYS_7:
        return local_midnight(today - timedelta(days=6), tz), tomorrow
    if period == Period.DAYS_30:
        return local_midnight(today - timedelta(days=29), tz), tomorrow
    if period == Period.MONTH:
        return local_midnight(today.replace(day=1), tz), tomorrow
    if period == Period.CUSTOM:
        if first_day is None or last_day is None:
            raise ValueError("a custom period needs both days")
        return local_midnight(first_day, tz), local_midnight(last_day + timedelta(days=1), tz)
    return None, None


def month_bounds(year: int, month: int, tz: str = "UTC") -> tuple[datetime, datetime]:
    """A calendar month in zone ``tz`` (a statement's: the studio's), as aware UTC."""
    start = local_midnight(date(year, month, 1), tz)
    end = local_midnight(date(year + (month == 12), month % 12 + 1, 1), tz)
    return start, end


def auto_granularity(start: datetime, end: datetime) -> Granularity:
    days = (end - start).days
    if days <= 62:
        return Granularity.DAY
    if days <= 400:
        return Granularity.WEEK
    return Granularity.MONTH


def conditions(f: ReportFilter) -> list[sa.ColumnElement[bool]]:
    """WHERE terms for a filter. A studio's reports never include the platform's own rows."""
    terms: list[sa.ColumnElement[bool]] = []
    if f.studio_id is not None:
        terms += [LEDGER.c.studio_id == f.studio_id, NOT_PLATFORM]  # type: ignore[list-item]
    if f.start is not None:
        terms.append(LEDGER.c.occurred_at >= f.start)
    if f.end is not None:
        terms.append(LEDGER.c.occurred_at < f.end)
    if f.title_id is not None:
        terms.append(LEDGER.c.title_id == f.title_id)
    if f.country:
        terms.append(LEDGER.c.country == f.country)
    if f.kind is not None:
        terms.append(LEDGER.c.kind == f.kind)
    return terms
