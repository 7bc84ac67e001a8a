"""A studio's sale mails (one per sale, or the daily digest) are not receipts: each carries a
one-click way out (RFC 8058 List-Unsubscribe headers and a link in the text) that works
without signing in, and only for the address it was mailed to."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import pytest

from storefront.extensions import db
from storefront.models import Studio
from storefront.services.accounts.notifications.reminders import send_sales_digests
from tests.smtp_server import text_of, with_smtp

from .conftest import checkout, latest_order, session_id_from

PUBLIC = "https://films.example"


@pytest.fixture
def settings(settings: dict, smtp_server) -> dict:  # type: ignore[no-untyped-def]
    settings["PUBLIC_URL"] = PUBLIC
    return with_smtp(settings, smtp_server)


def sell(client, film, emu):  # type: ignore[no-untyped-def]
    emu.pay(session_id_from(checkout(client, film, "buy").location))
    return latest_order()


def stop_link(message) -> str:  # type: ignore[no-untyped-def]
    """The one-click address of a mail's List-Unsubscribe header (checked against RFC 8058)."""
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    (url,) = re.findall(r"<(https://[^>]+)>", message["List-Unsubscribe"])
    assert url.startswith(f"{PUBLIC}/")
    assert "@" not in base64_text(url), "the address stays out of the link (and of logs)"
    assert url in text_of(message), "the text part shows the same way out"
    return url.removeprefix(PUBLIC)


def base64_text(url: str) -> str:
    payload = url.rsplit("/", 1)[1].split(".")[0]
    return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()


def sale_alerts(studio: Studio) -> str:
    db.session.expire_all()
    return db.session.get(Studio, studio.id).sale_alerts


def test_a_sale_alert_is_stopped_in_one_click_without_signing_in(
    app, viewer_client, studio, film, emu, webhooks, mailbox
):
    studio.sale_alerts = "each"
    db.session.commit()
    sell(viewer_client, film, emu)
    (alert,) = mailbox.to(studio.contact_email)
    path = stop_link(alert)

    shown = app.test_client().get(path)  # a link scanner or a person opening it: no change
    assert shown.status_code == 200 and sale_alerts(studio) == "each"
    assert b"<form" in shown.data

    done = app.test_client().post(path, data={"List-Unsubscribe": "One-Click"})

    assert done.status_code == 200 and sale_alerts(studio) == "off"


def test_the_daily_digest_says_why_it_comes_and_how_to_stop_it(
    app, viewer_client, studio, film, emu, webhooks, mailbox
):
    studio.sale_alerts = "daily"
    db.session.commit()
    order = sell(viewer_client, film, emu)
    send_sales_digests(order.paid_at + timedelta(days=1))
    db.session.commit()
    (digest,) = mailbox.to(studio.contact_email)
    path = stop_link(digest)
    assert "daily" in text_of(digest)

    app.test_client().post(path)

    assert sale_alerts(studio) == "off"


def test_a_link_mailed_to_a_former_address_no_longer_stops_anything(
    app, viewer_client, studio, film, emu, webhooks, mailbox
):
    studio.sale_alerts = "each"
    db.session.commit()
    sell(viewer_client, film, emu)
    path = stop_link(mailbox.to(studio.contact_email)[0])
    studio.contact_email = "new-office@fjord.example"
    db.session.commit()

    refused = app.test_client().post(path)
    forged = app.test_client().post(path[:-3] + "abc")

    assert refused.status_code == forged.status_code == 404
    assert sale_alerts(studio) == "each"


def test_receipts_carry_no_way_to_stop_them(viewer_client, viewer, film, emu, webhooks, mailbox):
    sell(viewer_client, film, emu)
    (receipt,) = mailbox.to(viewer.email)
    assert receipt["List-Unsubscribe"] is None


def test_the_headers_arrive_as_mail_clients_read_them(
    viewer_client, studio, film, emu, webhooks, mailbox
):
    """List-Unsubscribe is a list of <URL>s (RFC 2369): folded if long, never turned into an
    RFC 2047 encoded word, which clients do not decode there. Every mail carries its Date
    (RFC 5322 3.6: required), which spam filters count against a mail without one."""
    studio.sale_alerts = "each"
    db.session.commit()
    sell(viewer_client, film, emu)

    (alert,) = mailbox.to(studio.contact_email)
    raw = dict(alert.raw_items())
    assert "=?" not in raw["List-Unsubscribe"]
    assert raw["List-Unsubscribe"].strip().startswith(f"<{PUBLIC}/mail/")
    assert alert["Date"] is not None and alert["Date"].datetime is not None


def test_a_busy_evening_of_sale_alerts_does_not_swallow_a_failed_payout_mail(app, studio, mailbox):
    """The hourly limit per address keeps strangers from being mailed without end; it must not
    drop the mail that says the studio's money did not arrive because sales were mailed first."""
    from storefront.services.accounts.notifications import notify, studio_mails

    app.config["MAIL_PER_ACCOUNT_PER_HOUR"] = 2
    for n in range(3):
        notify(
            "sale_alert",
            f"sale_alert:busy-{n}",
            to=studio.contact_email,
            context={
                "title_name": "Night Train",
                "amount": 1299,
                "currency": "EUR",
                "studio_slug": studio.slug,
            },
        )
    studio_mails.money_failed(studio, "po_busy", 12345, "NOK", "The bank account has been closed.")
    db.session.commit()

    subjects = [m["Subject"] for m in mailbox.to(studio.contact_email)]
    assert len(subjects) == 3  # two sale alerts, then the limit, and the failed payout
    assert "A payment to" in subjects[-1]
