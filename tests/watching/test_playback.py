"""Playback start, the rental clock, stream limits, revocation and playlist links."""

from __future__ import annotations

import gc
import re
import time
import warnings
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from werkzeug.test import EnvironBuilder

from storefront.extensions import db
from storefront.models import (
    EntitlementStatus,
    OfferKind,
    PlaybackSession,
    WatchProgress,
    utcnow,
)
from storefront.services.watching import playback, stream_tokens

from .conftest import grant


def start(client, slug: str, country: str | None = None):
    headers = {"X-Test-Country": country} if country else {}
    return client.post(f"/watch/{slug}/start", json={}, headers=headers)


def fetch(client, url: str):
    """GET and close (file responses hold their file open until closed)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def uris(playlist: str) -> list[str]:
    return [line for line in playlist.splitlines() if line and not line.startswith("#")]


def test_purchase_plays_master_variants_and_signed_segments(viewer_client, viewer, film):
    grant(viewer, film)
    response = start(viewer_client, film.slug)
    assert response.status_code == 200, response.json
    info = response.json
    master = viewer_client.get(info["master_url"])
    assert master.status_code == 200
    assert master.mimetype == "application/vnd.apple.mpegurl"
    text = master.get_data(as_text=True)
    assert 'TYPE=SUBTITLES,GROUP-ID="subs",NAME="French",LANGUAGE="fr"' in text
    assert text.count("#EXT-X-STREAM-INF") == 2 and 'SUBTITLES="subs"' in text
    variants = uris(text)
    assert all(v.startswith("/watch/play/") for v in variants)

    playlist = viewer_client.get(variants[0]).get_data(as_text=True)
    segments = uris(playlist)
    assert len(segments) == 3 and "#EXT-X-ENDLIST" in playlist
    assert all(s.startswith("/media/objects/") for s in segments)
    # Each link is a token naming exactly one stored segment, valid for a few minutes.
    storage = viewer_client.application.extensions["storage"]
    claims = storage.verify_token(segments[0].rsplit("/", 1)[1], "object")
    assert claims.key.endswith("/180p/seg_00000.ts")
    assert 0 < claims.expires - time.time() <= 300
    segment = fetch(viewer_client, segments[0])
    assert segment.status_code == 200 and segment.data[:1] == b"\x47"  # MPEG-TS sync byte

    track_url = [m for m in re.findall(r'URI="([^"]+)"', text) if "/s/" in m][0]
    vtt_list = viewer_client.get(track_url).get_data(as_text=True)
    assert "#EXTINF:6.000," in vtt_list
    assert fetch(viewer_client, uris(vtt_list)[0]).get_data(as_text=True).startswith("WEBVTT")


def test_segment_links_expire(viewer_client, viewer, film, app):
    app.config["SEGMENT_URL_SECONDS"] = 1
    storage = app.extensions["storage"]
    signed_at = float(int(time.time()))
    storage.clock = lambda: signed_at  # the storage's own clock signs and checks its links
    grant(viewer, film)
    info = start(viewer_client, film.slug).json
    variant = uris(viewer_client.get(info["master_url"]).get_data(as_text=True))[0]
    segment = uris(viewer_client.get(variant).get_data(as_text=True))[0]
    storage.clock = lambda: signed_at + 0.9
    assert fetch(viewer_client, segment).status_code == 200
    storage.clock = lambda: signed_at + 1.1  # the link's second has passed
    assert fetch(viewer_client, segment).status_code == 403


@pytest.mark.parametrize("headers", [{}, {"Range": "bytes=1000-"}], ids=["whole", "range"])
def test_a_dropped_segment_download_leaves_no_file_open(app, headers):
    # Werkzeug's server skips the response's close() when the client resets the connection
    # while it drains the request: the file must not depend on close() to be closed.
    storage = app.extensions["storage"]
    storage.put("titles/1/renditions/1/180p/seg_00000.ts", bytes(300_000), "video/mp2t")
    url = storage.signed_get_url("titles/1/renditions/1/180p/seg_00000.ts", 60)
    environ = EnvironBuilder(path=urlsplit(url).path, headers=headers).get_environ()
    statuses = []
    body = app.wsgi_app(environ, lambda status, response_headers: statuses.append(status))
    assert next(iter(body))  # the first bytes are on their way when the client goes
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del body
        gc.collect()
    assert statuses[0][:3] in ("200", "206")
    assert [str(w.message) for w in caught if w.category is ResourceWarning] == []


def test_nobody_without_an_entitlement_plays(viewer_client, film, client):
    response = start(viewer_client, film.slug)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "not_entitled"
    assert "rent_again_url" in response.json["error"]
    assert db.session.scalar(db.select(db.func.count()).select_from(PlaybackSession)) == 0


def test_a_viewer_who_never_paid_is_not_asked_to_rent_again(viewer_client, film):
    page = viewer_client.get(f"/watch/{film.slug}").get_data(as_text=True)
    assert "You have not rented or bought this film." in page
    assert "Rent again</a>" not in page
    assert f'href="/films/{film.slug}">Rent or buy this film</a>' in page


def test_rental_clock_starts_at_first_play_and_expires(viewer_client, viewer, film, app):
    rental = grant(viewer, film, OfferKind.RENT, watch_hours=48).entitlement
    assert rental.started_at is None
    page = viewer_client.get(f"/watch/{film.slug}")
    assert page.status_code == 200  # showing the player does not start the clock
    db.session.refresh(rental)
    assert rental.started_at is None

    before = utcnow()
    assert start(viewer_client, film.slug).status_code == 200
    db.session.refresh(rental)
    assert before <= rental.started_at <= utcnow()
    assert rental.expires_at == rental.started_at + timedelta(hours=48)
    first_start = rental.started_at
    assert start(viewer_client, film.slug).status_code == 200
    db.session.refresh(rental)
    assert rental.started_at == first_start  # a second play does not restart the clock

    # 48 hours later the server refuses, with a way to rent again.
    rental.started_at = utcnow() - timedelta(hours=48, seconds=1)
    rental.expires_at = rental.started_at + timedelta(hours=48)
    db.session.commit()
    response = start(viewer_client, film.slug)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "expired"
    assert response.json["error"]["rent_again_url"].endswith(f"/films/{film.slug}")
    page = viewer_client.get(f"/watch/{film.slug}")
    assert page.status_code == 403
    assert "Your rental has expired" in page.get_data(as_text=True)
    assert "Rent again" in page.get_data(as_text=True)


def test_rental_not_started_in_time_is_refused(viewer_client, viewer, film):
    rental = grant(viewer, film, OfferKind.RENT, at=utcnow() - timedelta(days=31)).entitlement
    response = start(viewer_client, film.slug)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "start_by_passed"
    db.session.refresh(rental)
    assert rental.started_at is None


def test_expiry_stops_a_running_stream(viewer_client, viewer, film):
    rental = grant(viewer, film, OfferKind.RENT).entitlement
    info = start(viewer_client, film.slug).json
    variant = uris(viewer_client.get(info["master_url"]).get_data(as_text=True))[0]
    db.session.refresh(rental)
    rental.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    refused = viewer_client.get(variant)
    assert refused.status_code == 403
    assert refused.headers["X-Playback-Refusal"] == "expired"
    beat = viewer_client.post(info["heartbeat_url"], json={"position": 3})
    assert beat.status_code == 403 and beat.json["error"]["code"] == "expired"


@pytest.mark.parametrize(
    ("status", "code"),
    [(EntitlementStatus.REVOKED, "refunded"), (EntitlementStatus.SUSPENDED, "suspended")],
)
def test_refund_or_dispute_stops_playback(viewer_client, viewer, film, status, code):
    bought = grant(viewer, film).entitlement
    info = start(viewer_client, film.slug).json
    variant = uris(viewer_client.get(info["master_url"]).get_data(as_text=True))[0]
    assert viewer_client.get(variant).status_code == 200
    bought.status = status  # what the refund or dispute webhook does
    db.session.commit()
    for url in (info["master_url"], variant):
        response = viewer_client.get(url)
        assert response.status_code == 403
        assert response.headers["X-Playback-Refusal"] == code
    assert start(viewer_client, film.slug).json["error"]["code"] == code
    assert viewer_client.post(info["heartbeat_url"], json={}).status_code == 403


def test_blocked_territory_is_refused(viewer_client, viewer, make_title, hls_package):
    from .conftest import store_hls

    offers = [
        {
            "kind": OfferKind.BUY,
            "amount": 1000,
            "currency": "EUR",
            "territories": [{"country": "IT", "blocked": True}],
        }
    ]
    title = make_title("Rights Elsewhere", offers=offers)
    store_hls(title, hls_package)
    grant(viewer, title, country="FR")
    assert start(viewer_client, title.slug, "FR").status_code == 200
    response = start(viewer_client, title.slug, "IT")
    assert response.status_code == 403
    assert response.json["error"]["code"] == "blocked"
    page = viewer_client.get(f"/watch/{title.slug}", headers={"X-Test-Country": "IT"})
    assert "cannot be watched in the country you are in" in page.get_data(as_text=True)


def test_purchase_keeps_playing_where_bought_after_the_window_ends(
    viewer_client, viewer, make_title, hls_package
):
    from .conftest import store_hls

    ended = utcnow() - timedelta(days=1)
    offers = [{"kind": OfferKind.BUY, "amount": 1000, "currency": "EUR", "available_until": ended}]
    title = make_title("Window Closed", offers=offers)
    store_hls(title, hls_package)
    grant(viewer, title, country="FR", at=ended - timedelta(days=10))
    assert start(viewer_client, title.slug, "FR").status_code == 200
    assert start(viewer_client, title.slug, "DE").json["error"]["code"] == "blocked"


def test_concurrent_stream_limit(app, login_client, viewer, film):
    grant(viewer, film)
    client = login_client(viewer.email)
    others = [login_client(viewer.email) for _ in range(3)]
    sessions = [start(c, film.slug) for c in others]
    assert all(r.status_code == 200 for r in sessions)
    fourth = start(client, film.slug)
    assert fourth.status_code == 403
    assert fourth.json["error"]["code"] == "stream_limit"
    assert "3 screens" in fourth.json["error"]["message"]

    # Stopping one stream frees its slot...
    assert others[0].post(sessions[0].json["heartbeat_url"], json={"stop": True}).status_code == 200
    assert start(client, film.slug).status_code == 200
    # ...and a stream silent for longer than the idle timeout stops counting.
    stale = db.session.scalar(
        db.select(PlaybackSession).filter_by(public_id=sessions[1].json["session"])
    )
    stale.last_seen_at = utcnow() - timedelta(seconds=app.config["STREAM_IDLE_SECONDS"] + 1)
    db.session.commit()
    assert start(login_client(viewer.email), film.slug).status_code == 200


def test_a_one_screen_limit_is_told_in_the_singular(app, login_client, viewer, film):
    app.config["MAX_CONCURRENT_STREAMS"] = 1
    grant(viewer, film)
    assert start(login_client(viewer.email), film.slug).status_code == 200
    second = start(login_client(viewer.email), film.slug)
    assert second.json["error"]["code"] == "stream_limit"
    assert "1 screens" not in second.json["error"]["message"]
    assert "You are already watching on 1 screen." in second.json["error"]["message"]


def test_a_reload_replaces_its_own_stream(app, viewer_client, viewer, film):
    app.config["MAX_CONCURRENT_STREAMS"] = 1
    grant(viewer, film)
    for _ in range(3):
        assert start(viewer_client, film.slug).status_code == 200


def test_another_accounts_playlist_url_is_refused(
    app, login_client, viewer_client, viewer, film, make_user
):
    grant(viewer, film)
    info = start(viewer_client, film.slug).json
    variant = uris(viewer_client.get(info["master_url"]).get_data(as_text=True))[0]
    intruder = make_user("intruder@example.org")
    grant(intruder, film)  # even a paying account cannot use someone else's link
    other = login_client(intruder.email)
    for url in (info["master_url"], variant):
        response = other.get(url)
        assert response.status_code == 403
        assert response.headers["X-Playback-Refusal"] == "invalid_link"
    assert app.test_client().get(info["master_url"]).status_code == 403  # logged out
    assert other.post(info["heartbeat_url"], json={}).status_code == 403


def test_expired_or_forged_tokens_are_refused(app, viewer_client, viewer, film):
    grant(viewer, film)
    info = start(viewer_client, film.slug).json
    claims = stream_tokens.read_token(app.config["SECRET_KEY"], info["token"], time.time())
    old = stream_tokens.StreamClaims(
        claims.kind, claims.title_id, claims.asset_id, claims.user_id, claims.session_id,
        int(time.time()) - 1,
    )  # fmt: skip
    expired = stream_tokens.issue_token(app.config["SECRET_KEY"], old)
    response = viewer_client.get(f"/watch/play/{expired}/master.m3u8")
    assert response.status_code == 403
    assert response.headers["X-Playback-Refusal"] == "link_expired"
    forged = stream_tokens.issue_token("not-the-secret", claims)
    response = viewer_client.get(f"/watch/play/{forged}/master.m3u8")
    assert response.headers["X-Playback-Refusal"] == "invalid_link"


def test_position_is_saved_and_restored(viewer_client, viewer, film):
    grant(viewer, film)
    info = start(viewer_client, film.slug).json
    assert info["position"] == 0
    beat = viewer_client.post(info["heartbeat_url"], json={"position": 4, "duration": 6000})
    assert beat.status_code == 200 and beat.json["token"]
    saved = db.session.scalar(db.select(WatchProgress).filter_by(user_id=viewer.id))
    assert (saved.position_seconds, saved.duration_seconds) == (4, 6000)
    assert start(viewer_client, film.slug).json["position"] == 4


@pytest.mark.parametrize(
    "body", [{"position": "abc"}, {"position": -5}, {"duration": True}, ["not", "an", "object"]]
)
def test_heartbeat_rejects_bad_input(viewer_client, viewer, film, body):
    grant(viewer, film)
    info = start(viewer_client, film.slug).json
    response = viewer_client.post(info["heartbeat_url"], json=body)
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(WatchProgress)) == 0


def test_trailer_is_public_and_short_lived(client, film, hls_package):
    from storefront.models import AssetKind

    from .conftest import store_hls

    store_hls(film, hls_package, kind=AssetKind.TRAILER)
    page = client.get(f"/films/{film.slug}").get_data(as_text=True)
    url = re.search(r'data-hls-src="([^"]+)"', page).group(1)
    master = client.get(url).get_data(as_text=True)
    assert "SUBTITLES" not in master  # the film's subtitles are for paying viewers
    variant = client.get(uris(master)[0]).get_data(as_text=True)
    assert "/trailers/" in str(
        client.application.extensions["storage"].verify_token(
            uris(variant)[0].rsplit("/", 1)[1], "object"
        )
    )


def test_a_stopped_stream_keeps_its_slot_while_its_segment_links_work(
    app, login_client, viewer, film
):
    """Start, fetch the playlists, send "stop", start elsewhere: the first stream's segment
    links still play, so the second is refused until they expire."""
    app.config["MAX_CONCURRENT_STREAMS"] = 1
    grant(viewer, film)
    first, second = login_client(viewer.email), login_client(viewer.email)
    info = start(first, film.slug).json
    variant = uris(fetch(first, info["master_url"]).get_data(as_text=True))[0]
    assert fetch(first, variant).status_code == 200
    assert first.post(info["heartbeat_url"], json={"stop": True}).status_code == 200
    assert fetch(first, variant).status_code == 403  # the playlist itself stops at once

    refused = start(second, film.slug)
    assert refused.status_code == 403 and refused.json["error"]["code"] == "stream_limit"

    row = db.session.scalar(db.select(PlaybackSession).filter_by(public_id=info["session"]))
    seconds = app.config["SEGMENT_URL_SECONDS"]
    assert row.links_until >= row.ended_at + timedelta(seconds=seconds - 5)
    row.links_until = utcnow() - timedelta(seconds=1)  # as when its links have expired
    db.session.commit()
    assert start(second, film.slug).status_code == 200


def test_the_slot_is_counted_from_the_links_not_the_heartbeat(app, viewer, film):
    limits = playback.Limits(max_streams=1, idle_seconds=60, token_seconds=900)
    grant(viewer, film)
    at = utcnow()
    started = playback.start(viewer, film, None, at, limits)
    playback.record_links(started.session, at, 300)
    started.session.ended_at = at
    db.session.commit()
    for later in (60, 299):
        with pytest.raises(playback.PlaybackRefused):
            playback.start(viewer, film, None, at + timedelta(seconds=later), limits)
        db.session.rollback()
    assert playback.start(viewer, film, None, at + timedelta(seconds=301), limits)
