"""The screener mail, as its recipient's mail server receives it: the store's own words
first and on the subject line, what the studio typed last and on one line each, so the
store cannot be made to carry someone else's message; and a line break typed into a name
never stops the mail."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

import pytest

from storefront.extensions import db
from storefront.models import Notification, NotificationStatus, Screener
from tests.helpers import last_link
from tests.smtp_server import text_of, with_smtp

from .test_screeners import send


@pytest.fixture
def settings(settings: dict, smtp_server) -> dict:  # type: ignore[no-untyped-def]
    return with_smtp(settings, smtp_server)


def test_a_screener_mail_opens_with_the_stores_words_not_the_senders(
    filmmaker_client, studio, film, mailbox
):
    studio.name = "Cheap pills at http://spam.example"
    film.name = "WIN A PRIZE"
    db.session.commit()
    sent = send(
        filmmaker_client, studio, film, recipient_name="Visit http://spam.example\nClaim now"
    )
    assert sent.status_code == 303
    (mail,) = mailbox.to("rita@press.example")
    assert "spam.example" not in mail["Subject"] and "PRIZE" not in mail["Subject"]
    lines = text_of(mail).splitlines()
    opening = "\n".join(lines[:6])
    assert "spam.example" not in opening and "PRIZE" not in opening and "Claim" not in opening
    assert "/screeners/" in last_link(opening)
    # What the studio typed is still there, at the end, one line each.
    assert "For: Visit http://spam.example Claim now" in lines
    assert "Film: WIN A PRIZE" in lines


def test_a_line_break_in_a_name_does_not_stop_a_mail_that_carries_it_in_its_subject(app, mailbox):
    """Studio, film and festival names reach subjects ("Your receipt for <film>", "A payment
    to <studio> failed"), and a raw POST stores "Fjord\\r\\nBcc: …" as a studio name: the
    message could not be built, the job raised before anything was recorded on the mail,
    and it stayed queued for ever, never sent."""
    from storefront.services.accounts.mail import send_mail

    with app.test_request_context():
        send_mail(
            "rita@press.example",
            lambda: ("Your receipt for Fjord\r\nBcc: victim@evil.example", "Hi"),
        )
        db.session.commit()
    (mail,) = mailbox.to("rita@press.example")
    assert mail["Subject"] == "Your receipt for Fjord Bcc: victim@evil.example"
    assert mail["Bcc"] is None
    row = db.session.scalar(db.select(Notification).filter_by(to="rita@press.example"))
    assert row.status == NotificationStatus.SENT


def _local(moment, zone: str) -> str:  # type: ignore[no-untyped-def]
    """The wall-clock hour and minute a reader in ``zone`` sees, e.g. "6:05"."""
    local = moment.astimezone(ZoneInfo(zone))
    return f"{local.hour % 12 or 12}:{local.minute:02d}"


def test_a_screener_mail_to_an_address_without_account_states_the_studios_time_and_zone(
    filmmaker_client, studio, film, mailbox
):
    """The critic has no account: the link's expiry is given on the studio's clock, named,
    not as an unlabelled or UTC time the reader must convert."""
    studio.timezone = "America/New_York"
    db.session.commit()
    assert send(filmmaker_client, studio, film).status_code == 303
    (mail,) = mailbox.to("rita@press.example")
    line = next(x for x in text_of(mail).splitlines() if "on one screen at a time" in x)
    expires = db.session.scalar(db.select(Screener.expires_at))
    assert "(America/New_York)" in line and "UTC" not in line, line
    assert _local(expires.replace(tzinfo=UTC), "America/New_York") in line, line


def test_a_screener_mail_to_an_account_holder_states_their_own_zone(
    filmmaker_client, studio, film, mailbox, make_user
):
    make_user("rita@press.example").timezone = "Asia/Tokyo"
    studio.timezone = "America/New_York"
    db.session.commit()
    assert send(filmmaker_client, studio, film).status_code == 303
    (mail,) = mailbox.to("rita@press.example")
    assert "(Asia/Tokyo)" in text_of(mail) and "New_York" not in text_of(mail)


def test_mail_to_a_studios_contact_address_is_timed_on_the_studios_clock(studio):
    """Studio mails go to an address (often a shared inbox without an account)."""
    from storefront.services.accounts.notifications import studio_mails

    studio.timezone = "Europe/Oslo"
    studio.contact_email = "office@fjord.example"
    db.session.commit()
    studio_mails.money_failed(studio, "po_zone", 100, "nok", "closed")
    db.session.commit()
    row = db.session.scalar(db.select(Notification).filter_by(key="money_failed:po_zone"))
    assert row.timezone == "Europe/Oslo"
