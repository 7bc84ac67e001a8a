"""Viewer analytics for studios, checked against known heartbeats: plays, unique viewers,
minutes watched (seeks excluded), completion, the drop-off curve, countries and days; the
page and its CSV show aggregates only."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from storefront.extensions import db
from storefront.models import PlaybackHeartbeat, PlaySummary
from storefront.services.watching import analytics, playback

from .conftest import grant

DAY1 = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=1)
RUNTIME = 600  # a ten-minute film


def play(user, film, country: str, at: datetime, beats: list[tuple[int, int]]) -> None:
    """One play: heartbeats given as (seconds after the start, position)."""
    limits = playback.Limits()
    started = playback.start(user, film, country, at, limits)
    session_id = started.session.public_id
    for offset, position in beats:
        playback.heartbeat(
            session_id,
            user.id,
            film,
            country,
            at + timedelta(seconds=offset),
            limits,
            position=position,
            duration=RUNTIME,
        )
    last = at + timedelta(seconds=beats[-1][0] if beats else 0)
    playback.heartbeat(session_id, user.id, film, country, last, limits, stop=True)
    db.session.commit()


@pytest.fixture
def audience(film, make_user):  # type: ignore[no-untyped-def]
    """Two viewers, three plays over two days, with known heartbeats."""
    anna, ben = make_user("anna@example.org"), make_user("ben@example.org")
    grant(anna, film, at=DAY1 - timedelta(hours=1))
    grant(ben, film, at=DAY1 - timedelta(hours=1))
    # Anna watches the whole film in Norway, a heartbeat a minute.
    play(anna, film, "NO", DAY1, [(60 * m, 60 * m) for m in range(1, 11)])
    # Ben watches three minutes from France and stops.
    play(ben, film, "FR", DAY1 + timedelta(hours=1), [(60, 60), (120, 120), (180, 180)])
    # Next day Anna jumps to minute 9 (a seek: not minutes watched) and watches to the end.
    play(anna, film, "NO", DAY2, [(10, 540), (70, 600)])
    return anna, ben


def report(film, days: int = 7):  # type: ignore[no-untyped-def]
    return analytics.title_analytics(film, DAY1 - timedelta(days=1), DAY1 + timedelta(days=days))


def test_every_heartbeat_is_stored_and_summed_per_play(film, audience):
    assert db.session.scalar(db.select(db.func.count(PlaybackHeartbeat.id))) == 10 + 3 + 2
    watched = sorted(db.session.scalars(db.select(PlaySummary.watched_seconds)))
    assert watched == [60, 180, 600]


def test_the_figures_match_the_known_heartbeats(film, audience):
    figures = report(film)

    assert figures.plays == 3
    assert figures.unique_viewers == 2
    assert figures.minutes_watched == (600 + 180 + 60) // 60
    assert figures.completed == 2 and figures.completion_percent == 66
    assert figures.by_country == [("NO", 2), ("FR", 1)]
    assert [row for row in figures.by_day if row[1]] == [(DAY1.date(), 2, 13), (DAY2.date(), 1, 1)]


def test_the_dropoff_curve_shows_where_viewers_stop(film, audience):
    curve = dict(report(film).dropoff)

    assert [curve[m] for m in range(0, 4)] == [3, 3, 3, 3]  # everyone sees minute 3 begin
    assert [curve[m] for m in range(4, 11)] == [2] * 7  # Ben stopped during minute 3
    assert max(curve) == 10


def test_the_period_counts_only_plays_started_in_it(film, audience):
    only_first_day = analytics.title_analytics(film, DAY1, DAY1 + timedelta(days=1))
    assert only_first_day.plays == 2 and only_first_day.unique_viewers == 2
    assert (
        analytics.title_analytics(film, DAY2 + timedelta(days=1), DAY2 + timedelta(days=9)).plays
        == 0
    )


def test_the_studio_page_shows_aggregates_and_never_a_viewer(
    film, audience, client, auth, make_user
):
    from storefront.models import Studio, StudioMember, StudioRole

    studio = db.session.get(Studio, film.studio_id)
    owner = db.session.scalar(
        db.select(StudioMember).filter_by(studio_id=studio.id, role=StudioRole.OWNER)
    )
    auth.login(owner.user.email)
    url = f"/studio/{studio.slug}/titles/{film.id}/audience"

    page = client.get(url, query_string={"from": "2026-03-01", "to": "2026-03-05"})

    assert page.status_code == 200
    assert 'data-figure="plays">3<' in page.text
    assert 'data-figure="viewers">2<' in page.text
    assert 'data-figure="minutes">14<' in page.text
    assert "66 %" in page.text
    assert "anna@example.org" not in page.text and "ben@example.org" not in page.text

    exported = client.get(url + ".csv", query_string={"from": "2026-03-01", "to": "2026-03-05"})
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert exported.mimetype == "text/csv"
    assert ["total", "plays", "3", "14"] in rows
    assert ["country", "NO", "2", ""] in rows
    assert ["still_watching_at_minute", "4", "2", ""] in rows
    assert "anna" not in exported.text and "ben@" not in exported.text


def test_the_heartbeat_endpoint_stores_heartbeats(viewer_client, viewer, film):
    grant(viewer, film)
    info = viewer_client.post(f"/watch/{film.slug}/start", headers={"X-Test-Country": "SE"}).json
    viewer_client.post(
        info["heartbeat_url"], json={"position": 2, "duration": 6}, headers={"X-Test-Country": "SE"}
    )

    (beat,) = db.session.scalars(db.select(PlaybackHeartbeat))
    assert (beat.position_seconds, beat.duration_seconds, beat.country) == (2, 6, "SE")
    summary = db.session.scalar(db.select(PlaySummary))
    assert summary.max_position == 2 and summary.country == "SE"


def _owner_client(film, client, auth):  # type: ignore[no-untyped-def]
    from storefront.models import Studio, StudioMember, StudioRole

    studio = db.session.get(Studio, film.studio_id)
    owner = db.session.scalar(
        db.select(StudioMember).filter_by(studio_id=studio.id, role=StudioRole.OWNER)
    )
    auth.login(owner.user.email)
    return studio


def _choose_zone(client, studio, zone: str) -> None:  # type: ignore[no-untyped-def]
    """The studio picks its time zone on its profile form, as a person would."""
    form = client.get(f"/studio/{studio.slug}/edit").text
    assert 'name="timezone"' in form
    data = {
        "name": studio.name,
        "country": studio.country,
        "contact_email": studio.contact_email,
        "sale_alerts": "off",
        "timezone": zone,
    }
    assert client.post(f"/studio/{studio.slug}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert studio.timezone == zone


def _days(client, url: str, first: str, last: str) -> list[list[str]]:  # type: ignore[no-untyped-def]
    exported = client.get(url + ".csv", query_string={"from": first, "to": last})
    return [row for row in csv.reader(io.StringIO(exported.text)) if row[0] == "day"]


def test_evening_plays_in_los_angeles_count_on_the_studios_own_day_across_dst(
    film, make_user, client, auth
):
    viewer = make_user("night@example.org")
    grant(viewer, film, at=datetime(2026, 3, 1, tzinfo=UTC))
    # 22:30 on 7 March in Los Angeles (PST), and 23:30 on 8 March (PDT, after the change).
    play(viewer, film, "US", datetime(2026, 3, 8, 6, 30, tzinfo=UTC), [(60, 60)])
    play(viewer, film, "US", datetime(2026, 3, 9, 6, 30, tzinfo=UTC), [(60, 60), (120, 120)])
    studio = _owner_client(film, client, auth)
    url = f"/studio/{studio.slug}/titles/{film.id}/audience"
    assert _days(client, url, "2026-03-07", "2026-03-09") == [
        ["day", "2026-03-07", "0", "0"],
        ["day", "2026-03-08", "1", "1"],
        ["day", "2026-03-09", "1", "2"],
    ]  # UTC, the default for a studio that has not chosen

    _choose_zone(client, studio, "America/Los_Angeles")

    assert _days(client, url, "2026-03-07", "2026-03-09") == [
        ["day", "2026-03-07", "1", "1"],
        ["day", "2026-03-08", "1", "2"],
        ["day", "2026-03-09", "0", "0"],
    ]
    # The period itself is made of the studio's days: 8 March alone is the second play only.
    assert _days(client, url, "2026-03-08", "2026-03-08") == [["day", "2026-03-08", "1", "2"]]
    page = client.get(url, query_string={"from": "2026-03-07", "to": "2026-03-09"}).text
    assert "America/Los_Angeles" in page


def test_a_studio_in_tokyo_sees_its_early_morning_viewers_on_the_next_day(
    film, audience, client, auth
):
    studio = _owner_client(film, client, auth)
    _choose_zone(client, studio, "Asia/Tokyo")
    url = f"/studio/{studio.slug}/titles/{film.id}/audience"
    # 20:00 and 21:00 UTC on 2 March are 05:00 and 06:00 on 3 March in Tokyo.
    assert _days(client, url, "2026-03-01", "2026-03-05") == [
        ["day", "2026-03-01", "0", "0"],
        ["day", "2026-03-02", "0", "0"],
        ["day", "2026-03-03", "2", "13"],
        ["day", "2026-03-04", "1", "1"],
        ["day", "2026-03-05", "0", "0"],
    ]


def test_a_new_studio_starts_in_its_owners_time_zone_and_refuses_an_unknown_one(
    client, auth, make_user
):
    owner = make_user("owner@example.org")
    owner.timezone = "Asia/Tokyo"
    db.session.commit()
    auth.login(owner.email)
    form = client.get("/studio/new").text
    assert '<option selected value="Asia/Tokyo">' in form or 'value="Asia/Tokyo" selected' in form
    data = {"name": "Kaze", "country": "JP", "contact_email": "kaze@example.org"}
    refused = client.post("/studio/new", data={**data, "timezone": "Mars/Olympus"})
    assert refused.status_code == 400
    from storefront.models import Studio

    assert db.session.scalar(db.select(Studio).filter_by(name="Kaze")) is None
    assert client.post("/studio/new", data={**data, "timezone": "Asia/Tokyo"}).status_code == 302
    assert db.session.scalar(db.select(Studio).filter_by(name="Kaze")).timezone == "Asia/Tokyo"


@pytest.mark.parametrize(
    "period",
    [
        {"from": "0001-01-01", "to": "9999-12-31"},
        {"to": "9999-12-31"},
        {"from": "0001-01-01", "to": "0001-01-02"},
        {"from": "2026-02-30", "to": "yesterday"},
    ],
)
def test_odd_dates_in_the_address_show_a_page_not_an_error(film, client, auth, period):
    from storefront.models import Studio, StudioMember, StudioRole

    studio = db.session.get(Studio, film.studio_id)
    owner = db.session.scalar(
        db.select(StudioMember).filter_by(studio_id=studio.id, role=StudioRole.OWNER)
    )
    auth.login(owner.user.email)
    url = f"/studio/{studio.slug}/titles/{film.id}/audience"

    assert client.get(url, query_string=period).status_code == 200
    assert client.get(url + ".csv", query_string=period).status_code == 200


def test_days_without_plays_show_as_zero_so_the_chart_keeps_its_time_axis(film, make_user):
    viewer = make_user("weekend@example.org")
    grant(viewer, film, at=DAY1 - timedelta(days=1))
    play(viewer, film, "NO", DAY1, [(60, 60)])
    play(viewer, film, "NO", DAY1 + timedelta(days=3), [(60, 60)])
    start = datetime(2026, 3, 2, tzinfo=UTC)

    found = analytics.title_analytics(film, start, start + timedelta(days=5))

    assert [(d.isoformat(), p) for d, p, _minutes in found.by_day] == [
        ("2026-03-02", 1),
        ("2026-03-03", 0),
        ("2026-03-04", 0),
        ("2026-03-05", 1),
        ("2026-03-06", 0),
    ]
