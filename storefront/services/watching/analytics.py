"""Viewer analytics for studios, from the stored heartbeats: plays started, unique viewers,
minutes watched, completion, where viewers stop, by country and by day.

Every heartbeat is stored (``PlaybackHeartbeat``) and folded at once into its play's
``PlaySummary``; the studio's page reads the summaries, one row per play. Figures are
aggregates only: nothing here names or lists a viewer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from ...extensions import db
from ...models import PlaybackSession, Title
from ...models.audience import PlaybackHeartbeat, PlaySummary
from ..reports.buckets import as_date, bucket_days, bucket_expression
from ..reports.filters import Granularity

COMPLETE_SHARE = 0.9  # a play "completes" past 90 % of the film
# How far a player may run ahead of the wall clock between two heartbeats (buffering,
# a late heartbeat) and still count as watching rather than seeking.
SLACK_SECONDS = 5


def record_heartbeat(
    session: PlaybackSession,
    country: str | None,
    position: int,
    duration: int | None,
    at: datetime,
) -> None:
    """Store one heartbeat and fold it into its play's summary.

    Watched time grows by how far the position moved forward, if no faster than the clock
    (plus a little slack): a seek forward or a resumed film does not count as minutes watched.
    """
    db.session.add(
        PlaybackHeartbeat(
            session_id=session.id,
            title_id=session.title_id,
            user_id=session.user_id,
            country=country,
            position_seconds=position,
            duration_seconds=duration,
            at=at,
        )
    )
    summary = db.session.get(PlaySummary, session.id)
    if summary is None:
        summary = PlaySummary(
            session_id=session.id,
            title_id=session.title_id,
            user_id=session.user_id,
            country=country,
            started_at=session.started_at,
            last_at=session.started_at,
            last_position=0,
            max_position=0,
            watched_seconds=0,
        )
        db.session.add(summary)
    elapsed = max(0.0, (at - summary.last_at).total_seconds())
    advanced = position - summary.last_position
    if 0 < advanced <= elapsed + SLACK_SECONDS:
        summary.watched_seconds += advanced
    summary.last_position = position
    summary.max_position = max(summary.max_position, position)
    summary.last_at = max(summary.last_at, at)
    if duration:
        summary.duration_seconds = duration
    summary.country = summary.country or country


@dataclass
class TitleAnalytics:
    title_id: int
    start: datetime
    end: datetime
    plays: int = 0
    unique_viewers: int = 0
    minutes_watched: int = 0
    completed: int = 0
    # (minute, plays still watching at that minute): the drop-off curve.
    dropoff: list[tuple[int, int]] = field(default_factory=list)
    by_country: list[tuple[str | None, int]] = field(default_factory=list)
    # (day, plays started, minutes watched)
    by_day: list[tuple[date, int, int]] = field(default_factory=list)

    @property
    def completion_percent(self) -> int:
        """Share of plays past 90 %, in whole percent (rounded down)."""
        return self.completed * 100 // self.plays if self.plays else 0


def title_analytics(
    title: Title, start: datetime, end: datetime, tz: str = "UTC"
) -> TitleAnalytics:
    """The figures of plays of ``title`` started in [start, end), aggregated in SQL; plays
    are counted by day in the time zone ``tz`` (the studio's), as the revenue charts cut days."""
    where = (
        PlaySummary.title_id == title.id,
        PlaySummary.started_at >= start,
        PlaySummary.started_at < end,
    )
    length = sa.func.coalesce(PlaySummary.duration_seconds, title.runtime_seconds)
    # Integers only: past 90 % means 10 * position >= 9 * length.
    complete = sa.case((PlaySummary.max_position * 10 >= length * 9, 1), else_=0)
    plays, viewers, seconds, completed, longest = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count(sa.distinct(PlaySummary.user_id)),
            sa.func.coalesce(sa.func.sum(PlaySummary.watched_seconds), 0),
            sa.func.coalesce(sa.func.sum(complete), 0),
            sa.func.coalesce(sa.func.max(PlaySummary.max_position), 0),
        ).where(*where)
    ).one()
    result = TitleAnalytics(title.id, start, end)
    result.plays, result.unique_viewers = int(plays), int(viewers)
    result.minutes_watched, result.completed = int(seconds) // 60, int(completed)
    if not plays:
        return result
    minute = PlaySummary.max_position // 60
    stops = dict(
        db.session.execute(sa.select(minute, sa.func.count()).where(*where).group_by(minute)).all()
    )
    last_minute = max(int(longest), title.runtime_seconds or 0) // 60
    still = result.plays
    for m in range(last_minute + 1):
        result.dropoff.append((m, still))
        still -= stops.get(m, 0)
    country_rows = db.session.execute(
        sa.select(PlaySummary.country, sa.func.count()).where(*where).group_by(PlaySummary.country)
    ).all()
    result.by_country = sorted(
        ((c, int(n)) for c, n in country_rows), key=lambda kv: (-kv[1], kv[0] or "")
    )
    dialect = db.session.get_bind().dialect.name
    day = bucket_expression(dialect, tz, Granularity.DAY, start, end, PlaySummary.started_at)
    day_rows = db.session.execute(
        sa.select(day, sa.func.count(), sa.func.sum(PlaySummary.watched_seconds))
        .where(*where)
        .group_by(day)
        .order_by(day)
    ).all()
    counted = {as_date(d): (int(n), int(w or 0) // 60) for d, n, w in day_rows}
    # Every day of the period, as the revenue charts cut them: a day without plays is a zero
    # on the chart's time axis, not a missing bar.
    result.by_day = [
        (d, *counted.get(d, (0, 0))) for d in bucket_days(start, end, tz, Granularity.DAY)
    ]
    return result


def csv_rows(report: TitleAnalytics) -> list[list[str]]:
    """The report as CSV rows: a header line per section, figures only, no viewer."""
    rows: list[list[str]] = [
        ["section", "key", "plays", "minutes_watched"],
        ["total", "plays", str(report.plays), str(report.minutes_watched)],
        ["total", "unique_viewers", str(report.unique_viewers), ""],
        ["total", "completion_percent", str(report.completion_percent), ""],
    ]
    rows += [["day", d.isoformat(), str(p), str(m)] for d, p, m in report.by_day]
    rows += [["country", c or "", str(p), ""] for c, p in report.by_country]
    rows += [["still_watching_at_minute", str(m), str(p), ""] for m, p in report.dropoff]
    return rows
