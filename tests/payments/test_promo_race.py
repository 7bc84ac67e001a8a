"""Viewers racing for the last use of a code, over HTTP to a live multi-threaded server:
exactly one gets it, the others are told it is used up (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import requests

from storefront.extensions import db
from storefront.models import Order, PromoRedemption, RedemptionStatus
from tests.browser.conftest import LiveServer
from tests.conftest import PASSWORD

from .promo import make_promotion

RACERS = 6


@pytest.fixture
def settings(settings: dict) -> dict:
    # Under load the processor may answer slowly; a timeout would send the viewer to the
    # "could not start the payment" page (also a 303) without taking the code's use.
    settings["STRIPE_TIMEOUT_SECONDS"] = 60
    return settings


def _racer(base: str, email: str) -> requests.Session:
    session = requests.Session()
    response = session.post(
        f"{base}/login", data={"email": email, "password": PASSWORD}, allow_redirects=False
    )
    assert response.status_code in (302, 303)
    return session


def race(base: str, sessions: list[requests.Session], path: str, data: dict) -> list[int]:
    """Each session POSTs at once; 303 to the processor's page counts as "paid", 303 to the
    store itself (a comp's order page) as "comp", anything else by its status."""
    barrier = threading.Barrier(len(sessions))
    results: list[int] = [0] * len(sessions)

    def go(i: int) -> None:
        barrier.wait()
        response = sessions[i].post(base + path, data=data, allow_redirects=False, timeout=120)
        location = response.headers.get("Location", "")
        assert "/problem" not in location, "the processor could not be reached"
        results[i] = response.status_code

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(sessions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    return results


def test_two_viewers_cannot_both_take_the_last_use(app, studio, film, emu, make_user):
    make_promotion(studio, percent_off=50, code="LASTONE", max_uses=1)
    users = [make_user(f"racer{i}@example.org") for i in range(RACERS)]
    with LiveServer(app) as server:
        sessions = [_racer(server.url, u.email) for u in users]
        results = race(
            server.url, sessions, f"/buy/{film.slug}", {"kind": "rent", "code": "LASTONE"}
        )
    assert Counter(results) == Counter({303: 1, 409: RACERS - 1}), results
    db.session.expire_all()
    held = db.session.scalars(db.select(PromoRedemption)).all()
    assert [r.status for r in held] == [RedemptionStatus.RESERVED]
    # The losers' sessions were closed at the processor: only the winner's can be paid.
    # (A loser's pending order may remain on SQLite, its session closed; it expires later.)
    open_sessions = [s for s in emu.objects("checkout.session") if s["status"] == "open"]
    assert len(open_sessions) == 1
    winner = db.session.get(Order, held[0].order_id)
    assert open_sessions[0]["metadata"]["order_id"] == winner.public_id


def test_racing_comps_grant_exactly_the_limit(app, studio, film, emu, make_user):
    make_promotion(studio, percent_off=100, code="TWOCOMPS", max_uses=2)
    users = [make_user(f"comp{i}@example.org") for i in range(RACERS)]
    with LiveServer(app) as server:
        sessions = [_racer(server.url, u.email) for u in users]
        results = race(
            server.url, sessions, f"/buy/{film.slug}", {"kind": "buy", "code": "TWOCOMPS"}
        )
    assert Counter(results) == Counter({303: 2, 409: RACERS - 2}), results
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(Order)) == 2


def test_a_use_given_back_by_a_refund_goes_to_one_racer_only(
    app, studio, film, emu, webhooks, make_user, filmmaker_client
):
    from .conftest import latest_order, order_url, session_id_from
    from .promo import buy_with_code, logged_in

    make_promotion(studio, percent_off=50, code="BACKAGAIN", max_uses=1)
    first = make_user("first@example.org")
    emu.pay(session_id_from(buy_with_code(logged_in(app, first.email), film, "BACKAGAIN").location))
    refunded = filmmaker_client.post(
        order_url(latest_order(first)), data={"refund_all": "y", "confirm_all": "yes"}
    )
    assert refunded.status_code == 303
    emu.hold_webhooks = True  # as in the races above: only the checkouts run at once
    users = [make_user(f"again{i}@example.org") for i in range(RACERS)]
    with LiveServer(app) as server:
        sessions = [_racer(server.url, u.email) for u in users]
        results = race(
            server.url, sessions, f"/buy/{film.slug}", {"kind": "rent", "code": "BACKAGAIN"}
        )
    assert Counter(results) == Counter({303: 1, 409: RACERS - 1}), results
