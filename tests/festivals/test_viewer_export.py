"""A viewer's data export names their festival tickets and passes, the screeners sent to
them, and the plays the store keeps about them, not only shop orders and progress."""

from __future__ import annotations

import json
from datetime import timedelta

from storefront.extensions import db
from storefront.models import PlaybackSession, Screener, utcnow
from storefront.models.audience import PlaySummary

from .conftest import buy_ticket, session_id_from
from .test_passes import paid_pass


def test_the_export_names_tickets_passes_screeners_and_plays(
    viewer_client, viewer, make_pass, screening, festival, film, studio, emu, webhooks
):
    emu.pay(session_id_from(buy_ticket(viewer_client, screening).location))
    paid_pass(viewer_client, viewer, make_pass(films=2), emu)
    now = utcnow()
    db.session.add(
        Screener(
            token_hash="f" * 64,
            studio_id=studio.id,
            title_id=film.id,
            recipient_name="Vera Viewer",
            recipient_email=viewer.email,
            note="press",
            created_at=now,
            expires_at=now + timedelta(days=7),
            views=1,
            furthest_seconds=600,
        )
    )
    play = PlaybackSession(
        public_id="p-1", user_id=viewer.id, title_id=film.id, started_at=now, last_seen_at=now
    )
    db.session.add(play)
    db.session.flush()
    db.session.add(
        PlaySummary(
            session_id=play.id,
            title_id=film.id,
            user_id=viewer.id,
            country="NO",
            started_at=now,
            last_at=now,
            watched_seconds=420,
            max_position=480,
        )
    )
    db.session.commit()

    content = json.loads(viewer_client.get("/account/data.json").data)

    ticket = next(o for o in content["orders"] if o["kind"] == "ticket")
    assert ticket["festival"] == festival.name
    assert ticket["screening_opens_at"] == screening.opens_at.isoformat()
    (held,) = content["passes"]
    assert (held["festival"], held["pass"], held["films_allowed"], held["films_used"]) == (
        festival.name,
        "Two-film pass",
        2,
        0,
    )
    (screener,) = content["screeners"]
    assert (screener["title"], screener["studio"], screener["views"]) == (
        film.name,
        studio.name,
        1,
    )
    assert screener["furthest_seconds"] == 600
    (watched,) = content["plays"]
    assert (watched["title"], watched["country"], watched["watched_seconds"]) == (
        film.name,
        "NO",
        420,
    )
