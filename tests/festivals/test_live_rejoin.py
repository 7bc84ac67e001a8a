"""A ticket holder who joined a live screening and comes back after the film has ended (their
hours to watch still running) is told the live screening is over: the player never opens at
a position past the end of the film."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storefront.extensions import db
from storefront.models import utcnow
from storefront.services.catalog.availability import Reason
from storefront.services.promotion.screenings import screening_availability
from storefront.services.watching import library, playback
from storefront.services.watching.access import PlaybackRefused, Refusal

from .test_windows import ticket_for


@pytest.fixture
def joined_live(viewer, film, make_screening):  # type: ignore[no-untyped-def]
    """A 90-minute film shown live from 100 minutes ago; the viewer joined 10 minutes in."""
    film.runtime_seconds = 90 * 60
    db.session.commit()
    now = utcnow()
    live = now - timedelta(minutes=100)
    screening = make_screening(now - timedelta(hours=3), now + timedelta(hours=3), live_local=live)
    ticket_for(viewer, screening)
    playback.start(viewer, film, "NO", live + timedelta(minutes=10), playback.Limits())
    db.session.commit()
    return screening


def test_a_viewer_back_after_the_live_film_ended_is_told_it_has_ended(viewer, film, joined_live):
    now = utcnow()

    with pytest.raises(PlaybackRefused) as refused:
        playback.start(viewer, film, "NO", now, playback.Limits())

    assert refused.value.code == Refusal.LIVE_ENDED
    assert "live screening has ended" in refused.value.message


def test_the_watch_page_says_so_instead_of_opening_a_player(client, auth, viewer, joined_live):
    auth.login(viewer.email)

    page = client.get(f"/watch/{joined_live.title.slug}", headers={"X-Test-Country": "NO"})

    assert page.status_code == 403
    assert "live screening has ended" in page.text
    assert "Rent again" not in page.text and "<video" not in page.text


def test_a_viewer_back_before_the_end_rejoins_where_everyone_is(viewer, film, joined_live):
    # 85 minutes into the live showing, from its own start: a clock read here would drift
    # from the fixture's by however long a busy machine took in between.
    at = joined_live.live_start_at + timedelta(minutes=85)

    started = playback.start(viewer, film, "NO", at, playback.Limits())

    assert 85 * 60 - 1 <= started.position <= 85 * 60 + 1


def test_the_real_length_of_the_film_ends_it_when_none_was_given(viewer, film, make_screening):  # type: ignore[no-untyped-def]
    film.runtime_seconds = None
    now = utcnow()
    live = now - timedelta(minutes=100)
    screening = make_screening(now - timedelta(hours=3), now + timedelta(hours=3), live_local=live)
    ticket_for(viewer, screening)
    asset = playback.ready_asset(film.id)
    assert asset is not None
    asset.duration_ms = 90 * 60 * 1000  # what probing the upload found
    db.session.commit()

    with pytest.raises(PlaybackRefused) as refused:
        playback.start(viewer, film, "NO", now, playback.Limits())

    assert refused.value.code == Refusal.LIVE_ENDED


def test_the_library_says_the_live_film_has_ended_instead_of_offering_to_watch(
    client, auth, viewer, joined_live
):
    [item] = library.items(viewer.id, utcnow())
    auth.login(viewer.email)

    shelf = client.get("/library").text

    assert item.state == library.ItemState.LIVE_ENDED and not item.watchable
    assert "Live screening over" in shelf
    assert "Continue watching" not in shelf and ">Watch<" not in shelf


def test_no_ticket_is_sold_once_the_uploaded_film_has_ended_live(viewer, film, make_screening):  # type: ignore[no-untyped-def]
    """The filmmaker gave no runtime but the uploaded film is 90 minutes long: a live
    screening stops selling when that film ends, not at the window's close, so nobody buys a
    ticket they could no longer watch."""
    film.runtime_seconds = None
    now = utcnow()
    live = now - timedelta(minutes=100)
    screening = make_screening(now - timedelta(hours=3), now + timedelta(hours=3), live_local=live)
    ticket_for(viewer, screening)  # adds the film's ready file
    asset = playback.ready_asset(film.id)
    assert asset is not None
    asset.duration_ms = 90 * 60 * 1000
    db.session.commit()

    assert screening_availability(screening, "NO", now).reason == Reason.ENDED
    assert screening_availability(screening, "NO", live + timedelta(minutes=89)).is_available
