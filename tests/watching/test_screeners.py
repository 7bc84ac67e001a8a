"""Screeners: a studio mails a personal link; the recipient watches without an account, with
their name over the picture, within the plays, days, screens and countries allowed; the
studio sees each one's state and revokes it, which stops playback at the next fetch."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storefront.extensions import db
from storefront.models import OutboxMessage, Screener, utcnow
from tests.helpers import last_link

from .test_playback import fetch, uris


def send(client, studio, film, **fields):  # type: ignore[no-untyped-def]
    data = {
        "title_id": str(film.id),
        "recipient_name": "Rita Critic",
        "recipient_email": "rita@press.example",
        "note": "press",
        "days": "14",
        "max_views": "3",
        "mode": "worldwide",
    }
    data.update(fields)
    return client.post(f"/studio/{studio.slug}/screeners", data=data)


@pytest.fixture
def link(filmmaker_client, studio, film) -> str:  # type: ignore[no-untyped-def]
    assert send(filmmaker_client, studio, film).status_code == 303
    (mail,) = db.session.scalars(db.select(OutboxMessage).filter_by(to="rita@press.example")).all()
    return "/" + last_link(mail.body).split("/", 3)[3]


def screener() -> Screener:
    db.session.expire_all()
    return db.session.scalar(db.select(Screener))


def start(client, link: str, country: str = "FR"):  # type: ignore[no-untyped-def]
    return client.post(f"{link}/start", json={}, headers={"X-Test-Country": country})


def test_the_recipient_watches_without_an_account_with_their_name_on_the_picture(
    app, link, filmmaker_client, studio
):
    recipient = app.test_client()
    assert recipient.post(f"{link}/open", headers={"X-Test-Country": "FR"}).status_code == 303
    page = recipient.get(link, headers={"X-Test-Country": "FR"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "data-watermark" in text and "Rita Critic · rita@press.example" in text
    assert page.headers["Cache-Control"] == "private, no-store"
    assert screener().opened_at is not None

    info = start(recipient, link).json
    master = fetch(recipient, info["master_url"])
    assert master.status_code == 200
    variant = fetch(recipient, uris(master.get_data(as_text=True))[0])
    assert variant.status_code == 200 and uris(variant.get_data(as_text=True))
    beat = recipient.post(info["heartbeat_url"], json={"position": 3, "duration": 6})
    assert beat.status_code == 200

    listing = filmmaker_client.get(f"/studio/{studio.slug}/screeners").get_data(as_text=True)
    assert 'data-state="watched"' in listing and "50 %" in listing and "1 / 3" in listing


def test_revoking_stops_playback_at_the_next_fetch(app, link, filmmaker_client, studio):
    recipient = app.test_client()
    info = start(recipient, link).json
    assert fetch(recipient, info["master_url"]).status_code == 200
    s = screener()
    revoked = filmmaker_client.post(f"/studio/{studio.slug}/screeners/{s.id}/revoke")
    assert revoked.status_code == 303
    refused = fetch(recipient, info["master_url"])
    assert refused.status_code == 403
    assert refused.headers["X-Playback-Refusal"] == "screener_revoked"
    assert recipient.post(info["heartbeat_url"], json={}).status_code == 403
    assert "withdrawn this screener" in recipient.get(link).get_data(as_text=True)


def test_an_expired_screener_is_refused(app, link):
    s = screener()
    s.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    page = app.test_client().get(link)
    assert page.status_code == 403 and "This screener has expired" in page.get_data(as_text=True)


def test_one_screen_at_a_time_and_a_limited_number_of_plays(app, filmmaker_client, studio, film):
    assert send(filmmaker_client, studio, film, max_views="2").status_code == 303
    (mail,) = db.session.scalars(db.select(OutboxMessage)).all()
    link = "/" + last_link(mail.body).split("/", 3)[3]
    laptop, phone = app.test_client(), app.test_client()
    first = start(laptop, link).json
    busy = start(phone, link)
    assert busy.status_code == 403 and busy.json["error"]["code"] == "screener_one_stream"
    # A reload of the same browser replaces its own stream and is not a new play.
    again = start(laptop, link)
    assert again.status_code == 200 and screener().views == 1
    laptop.post(again.json["heartbeat_url"], json={"stop": True})
    assert start(phone, link).status_code == 200
    assert screener().views == 2
    phone_stream = phone.post(f"{link}/start", json={})  # reload on the phone: same play
    phone.post(phone_stream.json["heartbeat_url"], json={"stop": True})
    used = start(app.test_client(), link)
    assert used.status_code == 403 and used.json["error"]["code"] == "screener_views_used"
    assert first["session"] != again.json["session"]


def test_a_studio_may_restrict_the_countries(app, filmmaker_client, studio, film):
    response = send(filmmaker_client, studio, film, mode="allow", countries=["NO"])
    assert response.status_code == 303
    (mail,) = db.session.scalars(db.select(OutboxMessage)).all()
    link = "/" + last_link(mail.body).split("/", 3)[3]
    recipient = app.test_client()
    assert start(recipient, link, country="NO").status_code == 200
    blocked = start(app.test_client(), link, country="US")
    assert blocked.status_code == 403 and blocked.json["error"]["code"] == "blocked"


def test_signed_in_recipients_are_linked_to_their_account(app, link, viewer):
    from tests.payments.promo import logged_in

    assert logged_in(app, viewer.email).post(f"{link}/open").status_code == 303
    assert screener().user_id == viewer.id


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"days": "0"}, "A screener lasts from 1 to 90 days."),
        ({"days": "91"}, "A screener lasts from 1 to 90 days."),
        ({"max_views": "0"}, "Allow from 1 to 50 views."),
        # An id past the id column (PostgreSQL's INTEGER) names no film: not a 500.
        ({"title_id": "99999999999999999999"}, "Choose a film of this studio."),
        ({"title_id": "2147483648"}, "Choose a film of this studio."),
        ({"recipient_email": "not-an-address"}, "Enter a valid email address."),
        ({"recipient_name": " "}, "Enter the recipient&#39;s name."),
        ({"mode": "allow"}, "Choose the countries where the screener can be watched."),
    ],
)
def test_bad_screeners_are_refused_with_a_reason(filmmaker_client, studio, film, fields, message):
    response = send(filmmaker_client, studio, film, **fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Screener)) == 0


def test_unknown_links_are_not_found(client):
    assert client.get("/screeners/not-a-real-token").status_code == 404
    assert client.post("/screeners/not-a-real-token/start", json={}).status_code == 404


def test_a_single_play_screener_says_one_time_in_its_mail(filmmaker_client, studio, film):
    assert send(filmmaker_client, studio, film, max_views="1").status_code == 303
    (mail,) = db.session.scalars(db.select(OutboxMessage).filter_by(to="rita@press.example")).all()
    assert "It can be played 1 time, on one screen at a time," in mail.body


def test_a_screener_whose_mail_cannot_go_now_is_not_said_to_be_on_its_way(
    app, filmmaker_client, studio, film
):
    """Past the studio's daily mail limit (or the address's hourly one) the mail was kept
    back, yet the studio read "A screener is on its way" and saw it as sent: its link exists
    only in that mail, so nobody could ever watch it."""
    app.config["MAIL_PER_STUDIO_PER_DAY"] = 1
    assert send(filmmaker_client, studio, film).status_code == 303
    filmmaker_client.get(f"/studio/{studio.slug}/screeners")  # reads its notice

    refused = send(filmmaker_client, studio, film, recipient_email="juror@fest.example")

    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "is on its way" not in page
    assert "Your studio has sent as many mails as it may today" in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Screener)) == 1

    app.config["MAIL_PER_STUDIO_PER_DAY"] = 500
    app.config["MAIL_PER_ACCOUNT_PER_HOUR"] = 1
    again = send(filmmaker_client, studio, film)  # rita@press.example had one this hour
    assert again.status_code == 400
    assert "This address has been sent as many mails as it may this hour" in again.text


def test_a_note_too_long_to_keep_is_refused_not_cut(filmmaker_client, studio, film):
    """The studio's note was cut to 200 characters without a word: what was typed after
    them was lost."""
    refused = send(filmmaker_client, studio, film, note="Jury of the shorts section. " * 10)
    assert refused.status_code == 400
    assert "Keep the note to 200 characters." in refused.text
    assert db.session.scalar(db.select(db.func.count()).select_from(Screener)) == 0


def studio_state(filmmaker_client, studio) -> str:  # type: ignore[no-untyped-def]
    listing = filmmaker_client.get(f"/studio/{studio.slug}/screeners").get_data(as_text=True)
    return listing.split('data-state="', 1)[1].split('"', 1)[0]


def test_a_mail_scanner_fetching_the_link_changes_nothing_the_studio_sees(
    app, link, filmmaker_client, studio, viewer
):
    """Mail scanners (Safe Links, link checkers) fetch every link of a mail before the person
    clicks: the studio read "Opened" though the critic had not seen the mail yet."""
    from tests.payments.promo import logged_in

    before = screener()
    seen = (before.opened_at, before.user_id, before.views, before.expires_at)
    scanner = app.test_client()  # no cookies, no account
    page = scanner.get(link, headers={"X-Test-Country": "FR"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Northern Lights" in text and "Start watching" in text
    assert "3 plays" in text  # the terms, before anything starts
    assert "data-player" not in text  # nothing plays from a GET
    assert scanner.head(link).status_code == 200
    # A signed-in browser's GET (a preview pane) does not claim the screener either.
    assert logged_in(app, viewer.email).get(link).status_code == 200

    after = screener()
    assert (after.opened_at, after.user_id, after.views, after.expires_at) == seen
    assert studio_state(filmmaker_client, studio) == "sent"


def test_start_watching_is_a_post_that_marks_the_screener_opened(
    app, link, filmmaker_client, studio
):
    recipient = app.test_client()
    opened = recipient.post(f"{link}/open", headers={"X-Test-Country": "FR"})
    assert opened.status_code == 303 and opened.location.endswith(link)
    assert screener().opened_at is not None and screener().views == 0
    assert studio_state(filmmaker_client, studio) == "opened"
    # Back on the link, the recipient has the player (a play is spent only on Play).
    page = recipient.get(opened.location, headers={"X-Test-Country": "FR"}).get_data(as_text=True)
    assert "data-player" in page and "data-watermark" in page


def test_start_watching_works_without_an_account_with_forgery_protection_on(
    settings, link, filmmaker_client, studio
):
    from storefront import create_app
    from tests.helpers import csrf_token

    settings["WTF_CSRF_ENABLED"] = True
    recipient = create_app(settings).test_client()
    assert recipient.post(f"{link}/open").status_code == 400  # no token: refused
    assert screener().opened_at is None
    token = csrf_token(recipient.get(link).get_data(as_text=True))
    assert recipient.post(f"{link}/open", data={"csrf_token": token}).status_code == 303
    assert studio_state(filmmaker_client, studio) == "opened"


def test_a_refused_screener_cannot_be_opened(app, link, filmmaker_client, studio):
    s = screener()
    filmmaker_client.post(f"/studio/{studio.slug}/screeners/{s.id}/revoke")
    refused = app.test_client().post(f"{link}/open")
    assert refused.status_code == 403 and "withdrawn this screener" in refused.text
    assert screener().opened_at is None
