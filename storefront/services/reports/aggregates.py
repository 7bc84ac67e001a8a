"""A studio's dashboard and monthly statement: sums per currency, computed in SQL."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa

from ...extensions import db
from ...models import EntryType, LedgerEntry, OfferKind, Title, utcnow
from .buckets import as_date, bucket_days, bucket_expression
from .filters import LEDGER, ReportFilter, conditions
from .totals import CurrencyReport, Dashboard, Slice, Totals

# Which grouping set a result row belongs to (PostgreSQL's GROUPING() bitmask over
# settlement_currency, title_id, country; SQLite's UNION ALL emits the same numbers).
BY_TIME, BY_TITLE, BY_COUNTRY = 0b011, 0b101, 0b110
MOVEMENTS = (
    EntryType.REFUND,
    EntryType.DISPUTE,
    EntryType.DISPUTE_WON,
    EntryType.HOLDER_REFUND,
    EntryType.HOLDER_DISPUTE,
    EntryType.HOLDER_DISPUTE_WON,
)


def _sums() -> list[sa.ColumnElement]:
    c = LEDGER.c
    return [
        # SUM(bigint) is numeric on PostgreSQL: cast back so amounts stay Python ints.
        sa.cast(sa.func.coalesce(sa.func.sum(col), 0), sa.BigInteger).label(col.name)
        for col in (c.gross, c.tax, c.processor_fee, c.platform_fee, c.net, c.settlement_net)
    ] + [sa.func.count().label("rows")]


def grouped_rows(f: ReportFilter, start: datetime, end: datetime) -> list[sa.Row]:
    """One pass over the rows: sums by time, kind and entry type; by title; by country."""
    c = LEDGER.c
    dialect = db.session.get_bind().dialect.name
    bucket = bucket_expression(dialect, f.tz, f.granularity, start, end)
    where = conditions(f)
    if dialect == "postgresql":
        # Three grouping sets in one scan of the studio's index. The planner guesses one group
        # per row for the time buckets and, with the default 4 MB, sorts the rows twice instead
        # of hashing; the real groups are few (buckets x currencies x types), so allow the hash
        # tables, for this transaction only.
        db.session.execute(sa.text("SET LOCAL work_mem = '64MB'"))
        stmt = (
            sa.select(
                c.currency,
                c.settlement_currency,
                bucket.label("bucket"),
                c.entry_type,
                c.kind,
                c.title_id,
                c.country,
                sa.func.grouping(c.settlement_currency, c.title_id, c.country).label("grouping"),
                *_sums(),
            )
            .where(*where)
            .group_by(
                sa.func.grouping_sets(
                    sa.tuple_(c.currency, c.settlement_currency, bucket, c.entry_type, c.kind),
                    sa.tuple_(c.currency, c.title_id, c.entry_type),
                    sa.tuple_(c.currency, c.country, c.entry_type),
                )
            )
        )
        return list(db.session.execute(stmt))
    none = sa.null()
    by_time = (
        sa.select(
            c.currency,
            c.settlement_currency,
            bucket.label("bucket"),
            c.entry_type,
            c.kind,
            none.label("title_id"),
            none.label("country"),
            sa.literal(BY_TIME).label("grouping"),
            *_sums(),
        )
        .where(*where)
        .group_by(
            c.currency, c.settlement_currency, sa.literal_column("bucket"), c.entry_type, c.kind
        )
    )
    by_title = (
        sa.select(
            c.currency,
            none,
            none,
            c.entry_type,
            none,
            c.title_id,
            none,
            sa.literal(BY_TITLE),
            *_sums(),
        )
        .where(*where)
        .group_by(c.currency, c.title_id, c.entry_type)
    )
    by_country = (
        sa.select(
            c.currency,
            none,
            none,
            c.entry_type,
            none,
            none,
            c.country,
            sa.literal(BY_COUNTRY),
            *_sums(),
        )
        .where(*where)
        .group_by(c.currency, c.country, c.entry_type)
    )
    return list(db.session.execute(sa.union_all(by_time, by_title, by_country)))


def first_entry_at(f: ReportFilter) -> datetime | None:
    return db.session.scalar(sa.select(sa.func.min(LedgerEntry.occurred_at)).where(*conditions(f)))


def resolved_range(f: ReportFilter, now: datetime | None = None) -> tuple[datetime, datetime]:
    """The filter's bounds, with open ends closed at the first entry and at now."""
    now = now or utcnow()
    start = f.start or first_entry_at(f) or now
    end = f.end or now
    return start, max(end, start)


def dashboard(f: ReportFilter, now: datetime | None = None) -> Dashboard:
    """Totals, chart series and breakdowns for each currency with rows under the filter."""
    start, end = resolved_range(f, now)
    buckets = bucket_days(start, end, f.tz, f.granularity)
    reports: dict[str, CurrencyReport] = {}
    series: dict[str, dict] = defaultdict(dict)
    titles: dict[str, dict] = defaultdict(dict)
    countries: dict[str, dict] = defaultdict(dict)
    kinds: dict[str, dict] = defaultdict(dict)
    settlement: dict[str, int] = defaultdict(int)

    for row in grouped_rows(f, start, end):
        currency = row.currency
        report = reports.get(currency) or reports.setdefault(
            currency, CurrencyReport(Totals(currency))
        )
        entry_type = EntryType(row.entry_type)
        if row.grouping == BY_TIME:
            kind = OfferKind(row.kind)
            report.totals.add(
                entry_type, kind, row.gross, row.tax, row.processor_fee, row.platform_fee,
                row.net, row.rows,
            )  # fmt: skip
            day = as_date(row.bucket)
            _slice(series[currency], day).add(entry_type, row.gross, row.net, row.rows)
            _slice(kinds[currency], kind).add(entry_type, row.gross, row.net, row.rows)
            if row.settlement_currency is not None:
                settlement[row.settlement_currency] += row.settlement_net or 0
        elif row.grouping == BY_TITLE:
            _slice(titles[currency], row.title_id).add(entry_type, row.gross, row.net, row.rows)
        elif row.grouping == BY_COUNTRY:
            _slice(countries[currency], row.country).add(entry_type, row.gross, row.net, row.rows)

    names = _title_names({key for per in titles.values() for key in per if key is not None})
    for currency, report in reports.items():
        report.series = [series[currency].get(day) or Slice(day) for day in buckets]
        for key, item in titles[currency].items():
            item.label = names.get(key, "")
        report.by_title = sorted(titles[currency].values(), key=lambda s: (-s.net, s.label))
        report.by_country = sorted(
            countries[currency].values(), key=lambda s: (-s.gross, str(s.key or ""))
        )
        report.by_kind = [kinds[currency][k] for k in OfferKind if k in kinds[currency]]
    ordered = sorted(reports.values(), key=lambda r: (-r.totals.sales, r.totals.currency))
    return Dashboard(ordered, dict(sorted(settlement.items())), buckets, f.granularity.value)


def _slice(store: dict, key: object) -> Slice:
    item = store.get(key)
    if item is None:
        item = store[key] = Slice(key)
    return item


def _title_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(Title.id, Title.name).where(Title.id.in_(ids))).all())


def recent(
    f: ReportFilter, entry_types: tuple[EntryType, ...], limit: int = 10
) -> list[LedgerEntry]:
    """The newest rows of some types under the filter, newest first."""
    stmt = (
        sa.select(LedgerEntry)
        .where(*conditions(f), LedgerEntry.entry_type.in_(entry_types))
        .order_by(LedgerEntry.occurred_at.desc(), LedgerEntry.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def recent_sales(f: ReportFilter, limit: int = 10) -> list[LedgerEntry]:
    return recent(f, (EntryType.SALE, EntryType.HOLDER_SHARE), limit)


def recent_refunds_and_disputes(f: ReportFilter, limit: int = 10) -> list[LedgerEntry]:
    return recent(f, MOVEMENTS, limit)
