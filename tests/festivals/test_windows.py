"""Screening windows are typed in the festival's time zone, stored in UTC, and shown in the
viewer's own; the festival page says what is on now and next, and why a screening cannot be
booked (sold out, geo-blocked); tickets play only in their window and territories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storefront.extensions import db
from storefront.models import (
    AssetKind,
    AssetStatus,
    Entitlement,
    MediaAsset,
    OfferKind,
    Order,
    OrderStatus,
    utcnow,
)
from storefront.services.catalog.availability import Reason
from storefront.services.promotion import festival_sales
from storefront.services.promotion.screenings import screening_availability
from storefront.services.watching import playback
from storefront.services.watching.access import PlaybackRefused, Refusal


@pytest.mark.parametrize(
    ("local", "utc"),
    [
        (datetime(2027, 2, 12, 20, 0), datetime(2027, 2, 12, 19, 0, tzinfo=UTC)),  # CET
        (datetime(2027, 7, 12, 20, 0), datetime(2027, 7, 12, 18, 0, tzinfo=UTC)),  # CEST
        (datetime(2027, 3, 28, 3, 30), datetime(2027, 3, 28, 1, 30, tzinfo=UTC)),  # after the jump
    ],
)
def test_windows_are_typed_in_the_festival_time_zone(make_screening, local, utc):
    screening = make_screening(local, local + timedelta(hours=26))

    assert screening.opens_at == utc
    assert screening.closes_at == utc + timedelta(hours=26)
    last_minute = screening_availability(screening, "NO", utc + timedelta(hours=26, seconds=-1))
    after = screening_availability(screening, "NO", utc + timedelta(hours=26))
    assert last_minute.option(OfferKind.TICKET).amount == 800
    assert after.reason == Reason.ENDED and after.ended_at == utc + timedelta(hours=26)


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        ("America/New_York", "Feb 12, 2027, 2:00\u202fPM"),
        ("Asia/Tokyo", "Feb 13, 2027, 4:00\u202fAM"),
        ("Europe/Oslo", "Feb 12, 2027, 8:00\u202fPM"),
    ],
)
def test_the_page_shows_each_viewer_the_window_in_their_own_time_zone(
    client, auth, make_user, make_screening, festival, zone, shown
):
    make_screening(datetime(2027, 2, 12, 20, 0), datetime(2027, 2, 13, 20, 0))
    viewer = make_user()
    viewer.timezone = zone
    db.session.commit()
    auth.login(viewer.email)

    page = client.get(f"/festivals/{festival.slug}", headers={"X-Test-Country": "NO"})

    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert shown in text
    assert (
        "Festival time: Feb 12, 2027, 8:00\u202fPM – Feb 13, 2027, 8:00\u202fPM (Europe/Oslo)"
        in text
    )


def test_the_page_says_what_is_on_now_and_next_and_why_not(client, make_screening, festival):
    now = utcnow()
    on_now = make_screening(now - timedelta(hours=1), now + timedelta(hours=5), capacity=2)
    on_now.seats_taken = 2
    coming = make_screening(now + timedelta(hours=3), now + timedelta(hours=9))
    norway_only = make_screening(
        now - timedelta(hours=1),
        now + timedelta(hours=9),
        territory_mode="allow",
        territories=[{"country": "NO"}],
    )
    db.session.commit()

    page = client.get(f"/festivals/{festival.slug}", headers={"X-Test-Country": "FR"})

    text = page.get_data(as_text=True)
    now_part = text.split('id="now-next"')[1].split('id="passes"')[0]
    assert now_part.index("On now") < now_part.index(f'data-testid="screening-{on_now.id}"')
    assert now_part.index("Next") < now_part.index(f'data-testid="screening-{coming.id}"')
    assert f'data-testid="reason-{on_now.id}">Sold out.' in text
    assert f'data-testid="reason-{norway_only.id}">Not available in France' in text
    assert "geo-blocked" in text


def ticket_for(viewer, screening) -> Entitlement:  # type: ignore[no-untyped-def]
    """A paid ticket, granted the way fulfilment grants it."""
    order = Order(
        public_id=f"o-{screening.id}",
        user_id=viewer.id,
        title_id=screening.title_id,
        studio_id=screening.title.studio_id,
        kind=OfferKind.TICKET,
        amount=800,
        currency="EUR",
        country="NO",
        title_name=screening.title.name,
        studio_name="",
        status=OrderStatus.PAID,
        provider="stripe",
        festival_id=screening.festival_id,
        screening_id=screening.id,
    )
    db.session.add(order)
    db.session.flush()
    festival_sales.grant_for(order, utcnow())
    asset = MediaAsset(
        title_id=screening.title_id,
        kind=AssetKind.FEATURE,
        status=AssetStatus.READY,
        original_filename="f.mp4",
        size_bytes=1,
        source_key="x",
    )
    db.session.add(asset)
    db.session.commit()
    return db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id))


def test_a_ticket_plays_only_in_its_window_and_territories(viewer, make_screening):
    now = utcnow()
    screening = make_screening(
        now + timedelta(hours=1),
        now + timedelta(hours=5),
        territory_mode="allow",
        territories=[{"country": "NO"}],
    )
    ticket_for(viewer, screening)
    film = screening.title

    with pytest.raises(PlaybackRefused) as early:
        playback.check(viewer, film, "NO", now)
    started = playback.start(viewer, film, "NO", now + timedelta(hours=2), playback.Limits())
    with pytest.raises(PlaybackRefused) as abroad:
        playback.check(viewer, film, "FR", now + timedelta(hours=2))
    with pytest.raises(PlaybackRefused) as over:
        playback.check(viewer, film, "NO", now + timedelta(hours=2 + 24))

    assert early.value.code == Refusal.NOT_OPEN
    assert started.entitlement.expires_at == now + timedelta(hours=2 + 24)
    assert abroad.value.code == Refusal.BLOCKED
    assert over.value.code == Refusal.EXPIRED


def test_late_viewers_of_a_live_screening_join_at_the_current_position(viewer, make_screening):
    now = utcnow().replace(microsecond=0)
    screening = make_screening(
        now - timedelta(hours=1), now + timedelta(hours=3), live_local=now - timedelta(minutes=7)
    )
    ticket_for(viewer, screening)

    started = playback.start(viewer, screening.title, "NO", now, playback.Limits())

    assert started.position == 7 * 60


def test_one_hour_to_watch_reads_in_the_singular(client, festival, make_screening):
    make_screening(watch_hours=1)
    page = client.get(f"/festivals/{festival.slug}").get_data(as_text=True)
    assert "1 hour to watch once started." in page


def test_times_on_the_festival_page_are_to_the_minute(client, festival, make_screening):
    """The browser shows the window to the minute: the festival's clock beside it too, with
    no seconds that nobody set."""
    import re

    make_screening()
    page = client.get(f"/festivals/{festival.slug}").get_data(as_text=True)
    (said,) = set(re.findall(r"Festival time: ([^<]*)</span>", page))
    assert re.search(r"\d:\d\d(\s|\u202f)?[AP]M \(Europe/Oslo\)$", said), said
    assert not re.search(r"\d:\d\d:\d\d", said), said
