"""Viewer analytics for studios, from the stored heartbeats: plays started, unique viewers,
minutes watched, completion, where viewers stop, by country and by day.

Every heartbeat is stored (``PlaybackHeartbeat``) and folded at once into its play's
``PlaySummary``; the studio's page reads the summaries, one row per play. Figures are
aggregates only: nothing here names or lists a viewer.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from ...extensions import db
from ...models import PlaybackSession, Title
from ...models.audience import PlaybackHeartbeat, PlaySummary

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


def title_analytics(title: Title, start: datetime, end: datetime) -> TitleAnalytics:
    """The figures of plays of ``title`` started in [start, end)."""
    rows = db.session.execute(
        sa.select(
            PlaySummary.started_at,
            PlaySummary.user_id,
            PlaySummary.country,
            PlaySummary.max_position,
            PlaySummary.watched_seconds,
            PlaySummary.duration_seconds,
        ).where(
            PlaySummary.title_id == title.id,
            PlaySummary.started_at >= start,
            PlaySummary.started_at < end,
        )
    ).all()
    result = TitleAnalytics(title.id, start, end)
    viewers: set[int | None] = set()
    stops: Counter[int] = Counter()
    countries: Counter[str | None] = Counter()
    days: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    seconds = 0
    longest = 0
    for started_at, user_id, country, max_position, watched, duration in rows:
        result.plays += 1
        viewers.add(user_id)
        seconds += watched
        length = duration or title.runtime_seconds
        if length and max_position >= COMPLETE_SHARE * length:
            result.completed += 1
        stops[max_position // 60] += 1
        longest = max(longest, max_position // 60, (length or 0) // 60)
        countries[country] += 1
        day = days[started_at.date()]
        day[0] += 1
        day[1] += watched
    result.unique_viewers = len(viewers - {None}) + (1 if None in viewers else 0)
    result.minutes_watched = seconds // 60
    still = result.plays
    for minute in range(longest + 1) if rows else ():
        result.dropoff.append((minute, still))
        still -= stops.get(minute, 0)
    result.by_country = sorted(countries.items(), key=lambda kv: (-kv[1], kv[0] or ""))
    result.by_day = [(d, v[0], v[1] // 60) for d, v in sorted(days.items())]
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
