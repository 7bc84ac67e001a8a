"""Transactional mail over a real SMTP server on loopback: receipts, refunds, disputes,
reminders and sale alerts, sent once per event, in the recipient's language, with links
under PUBLIC_URL that work when followed."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from storefront.extensions import db
from storefront.models import Entitlement, Notification, NotificationStatus, Order, utcnow
from storefront.services.accounts.notifications import delivery, notify, studio_mails
from storefront.services.accounts.notifications.reminders import (
    remind_expiring_rentals,
    send_sales_digests,
)
from tests.conftest import PASSWORD
from tests.smtp_server import html_of, text_of, with_smtp

from .conftest import checkout, latest_order, session_id_from

PUBLIC = "https://films.example"


@pytest.fixture
def settings(settings: dict, smtp_server) -> dict:  # type: ignore[no-untyped-def]
    settings["PUBLIC_URL"] = PUBLIC
    return with_smtp(settings, smtp_server)


def links(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>)]+", text)


def buy(client, film, emu, kind: str = "rent") -> Order:  # type: ignore[no-untyped-def]
    emu.pay(session_id_from(checkout(client, film, kind).location))
    return latest_order()


def notifications() -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Notification).order_by(Notification.id)))


def test_the_receipt_reaches_the_buyer_with_a_working_watch_link(
    viewer_client, viewer, film, emu, webhooks, mailbox
):
    viewer.timezone = "Asia/Tokyo"
    db.session.commit()

    order = buy(viewer_client, film, emu, "rent")

    (mail,) = mailbox.to(viewer.email)
    assert "Night Train" in mail["Subject"]
    text, html = text_of(mail), html_of(mail)
    assert order.public_id in text and order.public_id in html
    assert "€4.99" in text
    assert "(Asia/Tokyo)" in text  # the rental window in the viewer's own time zone
    assert "48 hours to finish" in text
    watch = f"{PUBLIC}/watch/{film.slug}"
    assert watch in links(text) and watch in links(html)
    assert all(link.startswith(PUBLIC) for link in links(text))
    # Followed (on this store's host), the link opens the film's player for its buyer (the
    # film has no video in this test, so the player says so instead of playing).
    page = viewer_client.get(watch.removeprefix(PUBLIC))
    assert "Night Train" in page.text
    assert "You have not rented or bought this film." not in page.text
    assert "not ready" in page.text.lower() or page.status_code == 200


def test_the_receipt_is_written_in_the_buyers_language(
    viewer_client, viewer, film, emu, webhooks, mailbox
):
    viewer.locale = "fr"
    db.session.commit()

    buy(viewer_client, film, emu, "buy")

    (mail,) = mailbox.to(viewer.email)
    assert mail["Subject"] == "Votre reçu pour Night Train"
    assert "12,99" in text_of(mail)
    assert 'lang="fr"' in html_of(mail)


def test_a_webhook_delivered_again_mails_nothing_more(
    viewer_client, viewer, film, emu, webhooks, mailbox
):
    buy(viewer_client, film, emu, "buy")
    event = next(e for e in emu.events if e["type"] == "checkout.session.completed")

    emu.deliver(event["id"], times=3)

    assert len(mailbox.to(viewer.email)) == 1
    assert [n.event for n in notifications()] == ["receipt"]


def test_the_same_event_queued_twice_is_one_mail(app, viewer, mailbox):
    first = notify("receipt", "receipt:test", user=viewer, context=_context())
    again = notify("receipt", "receipt:test", user=viewer, context=_context())
    db.session.commit()

    assert first.id == again.id
    assert len(mailbox.to(viewer.email)) == 1


def test_nothing_is_sent_when_the_callers_work_is_rolled_back(app, viewer, mailbox):
    notify("receipt", "receipt:rolled-back", user=viewer, context=_context())
    db.session.rollback()

    assert mailbox.messages == [] and notifications() == []


def test_a_temporary_smtp_error_is_retried_then_sent_once(app, viewer, mailbox):
    mailbox.fail_next("451 4.3.0 Try again later")

    row = notify("receipt", "receipt:retry", user=viewer, context=_context())
    db.session.commit()

    (row,) = notifications()
    assert mailbox.messages == []
    assert row.status == NotificationStatus.QUEUED and row.attempts == 1
    assert "451" in (row.error or "")

    assert delivery.deliver(row.id) == NotificationStatus.SENT
    db.session.commit()
    assert delivery.deliver(row.id) == NotificationStatus.SENT  # a duplicate job: no resend
    db.session.commit()
    assert len(mailbox.to(viewer.email)) == 1


def test_a_permanent_smtp_refusal_fails_visibly_and_is_not_retried(app, viewer, mailbox):
    mailbox.fail_next("550 5.1.1 No such mailbox")

    notify("receipt", "receipt:refused", user=viewer, context=_context())
    db.session.commit()

    (row,) = notifications()
    assert row.status == NotificationStatus.FAILED and "550" in (row.error or "")
    assert delivery.deliver(row.id) == NotificationStatus.FAILED
    assert mailbox.messages == []


def test_the_last_attempt_fails_the_mail(app, settings, viewer, mailbox):
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    mailbox.fail_next("421 4.7.0 Busy", times=2)

    notify("receipt", "receipt:busy", user=viewer, context=_context())
    db.session.commit()
    (row,) = notifications()
    assert delivery.deliver(row.id) == NotificationStatus.FAILED
    db.session.commit()
    assert notifications()[0].attempts == 2 and mailbox.messages == []


def test_an_account_receives_a_limited_number_of_mails_per_hour(app, viewer, mailbox):
    app.config["MAIL_PER_ACCOUNT_PER_HOUR"] = 2

    for n in range(3):
        notify(
            "rental_expiring",
            f"rental_expiring:limit-{n}",
            user=viewer,
            context={**_context(), "start_by": utcnow().isoformat(), "watch_hours": 48},
        )
    db.session.commit()

    assert [n.status for n in notifications()] == [
        NotificationStatus.SENT,
        NotificationStatus.SENT,
        NotificationStatus.SUPPRESSED,
    ]
    assert len(mailbox.to(viewer.email)) == 2


def test_a_studio_cannot_mail_strangers_without_limit(app, studio, mailbox):
    app.config["MAIL_PER_STUDIO_PER_DAY"] = 3

    for n in range(5):
        notify(
            "receipt",
            f"invite:{n}",
            to=f"stranger{n}@example.org",
            studio_id=studio.id,
            context=_context(),
        )
    db.session.commit()

    assert len(mailbox.messages) == 3
    assert [n.status for n in notifications()].count(NotificationStatus.SUPPRESSED) == 2


def test_a_refund_is_mailed_once_per_refund(
    app, viewer, film, emu, webhooks, mailbox, filmmaker_client
):
    buyer = app.test_client()
    buyer.post("/login", data={"email": viewer.email, "password": PASSWORD})
    order = buy(buyer, film, emu, "buy")
    url = f"/studio/{film.studio.slug}/orders/{order.public_id}"

    filmmaker_client.post(url, data={"amount": "4,50", "refund_part": "y"})
    event = next(e for e in emu.events if e["type"] == "charge.refunded")
    emu.deliver(event["id"], times=2)

    refunds = [m for m in mailbox.to(viewer.email) if "refund" in m["Subject"].lower()]
    assert len(refunds) == 1
    assert "€4.50" in text_of(refunds[0])


@pytest.mark.parametrize("won", [True, False])
def test_the_buyer_hears_how_a_dispute_ended(
    viewer_client, viewer, film, emu, webhooks, mailbox, won
):
    buy(viewer_client, film, emu, "buy")
    dispute = emu.dispute(emu.objects("charge")[0]["id"])
    emu.close_dispute(dispute["id"], won=won)

    (mail,) = [m for m in mailbox.to(viewer.email) if "dispute" in m["Subject"].lower()]
    text = text_of(mail)
    assert ("store's favour" in text) is won
    assert ("your favour" in text) is not won


@pytest.mark.parametrize(
    ("refund", "says", "back"),
    [
        ({"refund_all": "y", "confirm_all": "yes"}, "had already been refunded to you", False),
        ({"amount": "4,50", "refund_part": "y"}, "less the €4.50 already refunded", True),
    ],
)
def test_a_won_dispute_of_a_refunded_payment_says_the_refund_stands(
    app, viewer, film, emu, webhooks, mailbox, filmmaker_client, refund, says, back
):
    """The mail said "the payment stands and the film is back in your library" to a buyer the
    store had refunded in full: neither was true (the film stays out of the library)."""
    buyer = app.test_client()
    buyer.post("/login", data={"email": viewer.email, "password": PASSWORD})
    order = buy(buyer, film, emu, "buy")
    filmmaker_client.post(f"/studio/{film.studio.slug}/orders/{order.public_id}", data=refund)
    # The cardholder disputes the whole payment all the same; the refund wins the dispute.
    dispute = emu.dispute(emu.objects("charge")[0]["id"], amount=order.amount)
    emu.close_dispute(dispute["id"], won=True)

    (mail,) = [m for m in mailbox.to(viewer.email) if "dispute" in m["Subject"].lower()]
    for body in (text_of(mail), html_of(mail)):
        assert "store's favour" in body and says in body
        assert ("back in your library" in body) is back
        assert ("stays out of your library" in body) is not back
    db.session.expire_all()
    entitlement = db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id))
    assert (entitlement.status.value == "active") is back


def test_an_unwatched_rental_is_recalled_a_day_before_its_window_closes(
    viewer_client, viewer, film, emu, webhooks, mailbox
):
    order = buy(viewer_client, film, emu, "rent")
    entitlement = db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id))
    mailbox.clear()

    assert remind_expiring_rentals(entitlement.start_by - timedelta(days=2)) == 0
    assert remind_expiring_rentals(entitlement.start_by - timedelta(hours=20)) == 1
    db.session.commit()
    remind_expiring_rentals(entitlement.start_by - timedelta(hours=10))
    db.session.commit()

    (mail,) = mailbox.to(viewer.email)
    assert "ends soon" in mail["Subject"]
    assert f"{PUBLIC}/watch/{film.slug}" in links(text_of(mail))

    entitlement.started_at = utcnow()
    db.session.commit()
    assert remind_expiring_rentals(entitlement.start_by - timedelta(hours=20)) == 0


def test_a_studio_that_asked_hears_of_each_sale(
    viewer_client, studio, film, emu, webhooks, mailbox
):
    studio.sale_alerts = "each"
    db.session.commit()

    buy(viewer_client, film, emu, "buy")

    (alert,) = mailbox.to(studio.contact_email)
    assert "Night Train" in alert["Subject"]
    assert f"{PUBLIC}/studio/{studio.slug}/orders" in links(text_of(alert))


def test_a_studio_without_alerts_gets_none_and_a_daily_one_a_digest(
    viewer_client, studio, film, emu, webhooks, mailbox
):
    order = buy(viewer_client, film, emu, "buy")
    assert mailbox.to(studio.contact_email) == []

    studio.sale_alerts = "daily"
    db.session.commit()
    next_day = order.paid_at + timedelta(days=1)
    assert send_sales_digests(next_day) == 1
    db.session.commit()
    send_sales_digests(next_day)  # the job ran twice: still one digest
    db.session.commit()

    (digest,) = mailbox.to(studio.contact_email)
    assert "Night Train: 1" in text_of(digest)
    assert "€12.99" in text_of(digest)


def _context() -> dict:
    return {
        "order": "test-order",
        "title_name": "Night Train",
        "studio_name": "Fjord Pictures",
        "slug": "night-train",
        "kind": "buy",
        "amount": 1299,
        "currency": "EUR",
        "paid_at": utcnow().isoformat(),
    }


def test_a_failed_payout_is_mailed_to_the_studio_once(app, client, studio, mailbox):
    from storefront.adapters.payments.signing import sign

    from .conftest import WEBHOOK_SECRET

    studio.stripe_account_id = "acct_1FjordPictures0"
    db.session.commit()
    event = {
        "id": "evt_payout_failed_1",
        "object": "event",
        "type": "payout.failed",
        "account": studio.stripe_account_id,
        "created": 1770000000,
        "livemode": False,
        "data": {
            "object": {
                "id": "po_1Failed",
                "object": "payout",
                "amount": 12345,
                "currency": "nok",
                "status": "failed",
                "failure_code": "account_closed",
                "failure_message": "The bank account has been closed.",
            }
        },
    }
    body = json.dumps(event).encode()
    for _ in range(2):  # delivered twice by the processor
        response = client.post(
            "/webhooks/stripe",
            data=body,
            headers={"Stripe-Signature": sign(body, WEBHOOK_SECRET)},
            content_type="application/json",
        )
        assert response.status_code == 200

    (mail,) = mailbox.to(studio.contact_email)
    text = text_of(mail)
    assert "The bank account has been closed." in text
    assert "NOK" in text and "123.45" in text
    assert f"{PUBLIC}/studio/{studio.slug}/payments" in links(text)


def test_the_monthly_statement_is_announced_once_per_month(
    viewer_client, studio, film, emu, webhooks, mailbox
):
    order = buy(viewer_client, film, emu, "buy")
    next_month = (order.paid_at.replace(day=1) + timedelta(days=32)).replace(day=2)

    assert studio_mails.statements_ready(next_month) == 1
    db.session.commit()
    studio_mails.statements_ready(next_month + timedelta(hours=1))
    db.session.commit()

    (mail,) = mailbox.to(studio.contact_email)
    month = f"{order.paid_at.year:04d}-{order.paid_at.month:02d}"
    assert order.paid_at.strftime("%B %Y") in mail["Subject"]  # in words, not 2026-11
    assert f"{PUBLIC}/studio/{studio.slug}/revenue/statements/{month}" in links(text_of(mail))


def test_the_owner_chooses_sale_alerts_in_the_studio_profile(filmmaker_client, studio):
    form = {
        "name": studio.name,
        "country": studio.country,
        "contact_email": studio.contact_email,
        "sale_alerts": "daily",
    }
    assert filmmaker_client.post(f"/studio/{studio.slug}/edit", data=form).status_code == 302
    db.session.refresh(studio)
    assert studio.sale_alerts == "daily"
    page = filmmaker_client.get(f"/studio/{studio.slug}/edit").text
    assert '<option selected value="daily">' in page or 'value="daily" selected' in page


def test_account_mails_go_out_through_the_job_and_are_retried(client, viewer, mailbox):
    mailbox.fail_next("451 4.3.0 Try again later")

    client.post("/password/forgot", data={"email": viewer.email})

    assert mailbox.messages == []
    (row,) = notifications()
    assert row.event == "message" and row.status == NotificationStatus.QUEUED
    assert delivery.deliver(row.id) == NotificationStatus.SENT
    db.session.commit()
    (mail,) = mailbox.to(viewer.email)
    assert mail["Subject"] == "Reset your password"
    assert "/password/reset/" in text_of(mail)


def test_a_mail_that_cannot_be_rendered_fails_visibly(app, viewer, mailbox):
    notify("receipt", "receipt:broken", user=viewer, context={"title_name": "Night Train"})
    db.session.commit()

    (row,) = notifications()
    assert row.status == NotificationStatus.FAILED and "rendering failed" in (row.error or "")
    assert mailbox.messages == []


def test_admins_see_the_mails_not_sent_and_why(app, viewer, mailbox, admin_client_factory):
    mailbox.fail_next("550 5.1.1 No such mailbox")
    notify("receipt", "receipt:admin-sees", user=viewer, context=_context())
    db.session.commit()

    page = admin_client_factory().get("/admin/outbox").text

    assert "Not sent" in page and "550 5.1.1 No such mailbox" in page and viewer.email in page


def test_the_receipt_names_the_film_as_the_catalogue_does_in_the_buyers_language(
    viewer_client, viewer, film, emu, webhooks, mailbox
):
    from storefront.services.catalog.title_texts import save_text

    save_text(film, "de", "Nachtzug")
    viewer.locale = "de"
    db.session.commit()

    order = buy(viewer_client, film, emu, "buy")

    (mail,) = mailbox.to(viewer.email)
    assert "Nachtzug" in mail["Subject"] and "Nachtzug" in text_of(mail)
    assert order.title_name == "Night Train"  # the order keeps what was sold, as sold


def test_a_festival_ticket_receipt_says_by_when_to_start_and_how_long_it_lasts(
    app, viewer, mailbox
):
    """A ticket, like a rental, runs on a clock: its receipt is where the buyer reads it."""
    start_by = (utcnow() + timedelta(days=2)).isoformat()
    context = {**_context(), "kind": "ticket", "start_by": start_by, "watch_hours": 24}
    notify("receipt", "receipt:ticket", user=viewer, context=context)
    db.session.commit()

    (mail,) = mailbox.to(viewer.email)
    for text in (text_of(mail), html_of(mail)):
        assert "Start watching before" in text
        assert "Once started, you have 24 hours to finish." in text


def test_studio_mails_are_written_in_the_owners_language_with_dates_in_words(
    viewer_client, filmmaker, studio, film, emu, webhooks, mailbox
):
    from babel.dates import format_date, format_skeleton

    filmmaker.locale = "fr"
    studio.sale_alerts = "daily"
    db.session.commit()
    order = buy(viewer_client, film, emu, "buy")
    next_day = order.paid_at + timedelta(days=1)
    next_month = (order.paid_at.replace(day=1) + timedelta(days=32)).replace(day=2)

    send_sales_digests(next_day)
    studio_mails.statements_ready(next_month)
    db.session.commit()

    digest, statement = sorted(mailbox.to(studio.contact_email), key=lambda m: m["Subject"])
    day = format_date(order.paid_at.date(), "long", locale="fr")
    month = format_skeleton("yMMMM", order.paid_at.date(), locale="fr")
    assert digest["Subject"] == f"Vos ventes du {day}"
    assert "12,99" in text_of(digest)
    assert statement["Subject"] == f"Votre relevé de {month} est prêt"
    assert month in text_of(statement)
    assert 'lang="fr"' in html_of(statement)


def test_a_sale_alert_is_written_in_the_owners_language(
    viewer_client, filmmaker, studio, film, emu, webhooks, mailbox
):
    filmmaker.locale = "nb"
    studio.sale_alerts = "each"
    db.session.commit()

    buy(viewer_client, film, emu, "buy")

    (alert,) = mailbox.to(studio.contact_email)
    assert alert["Subject"].startswith("Nytt salg")


def test_a_mail_waiting_for_a_retry_is_not_sent_after_the_account_is_deleted(app, viewer, mailbox):
    from storefront.services.accounts import privacy

    mailbox.fail_next("451 4.3.0 Try again later")
    notify("receipt", "receipt:then-deleted", user=viewer, context=_context())
    db.session.commit()
    (row,) = notifications()
    assert row.status == NotificationStatus.QUEUED

    privacy.delete_account(viewer, PASSWORD)
    db.session.commit()

    assert delivery.deliver(row.id) == NotificationStatus.SUPPRESSED
    db.session.commit()
    (row,) = notifications()
    assert row.error == "account deleted" and mailbox.messages == []


def test_a_mail_queued_after_the_account_is_deleted_is_not_sent(app, viewer, mailbox):
    from storefront.services.accounts import privacy

    privacy.delete_account(viewer, PASSWORD)
    db.session.commit()
    # A refund of an old order, say: its receipt has no one to go to.
    row = notify("receipt", "receipt:after-deletion", user=viewer, context=_context())
    db.session.commit()

    assert row.status == NotificationStatus.SUPPRESSED and row.error == "account deleted"
    assert delivery.deliver(row.id) == NotificationStatus.SUPPRESSED
    assert mailbox.messages == []


def test_a_sale_alert_names_the_buyers_country_in_words(
    viewer_client, studio, film, emu, webhooks, mailbox
):
    studio.sale_alerts = "each"
    db.session.commit()
    viewer_client.environ_base["HTTP_X_TEST_COUNTRY"] = "FR"

    order = buy(viewer_client, film, emu, "buy")

    assert order.country == "FR"
    (alert,) = mailbox.to(studio.contact_email)
    assert "(France)" in text_of(alert) and "(France)" in html_of(alert)
    assert "(FR)" not in text_of(alert)


def test_the_daily_digest_covers_the_studios_own_day(
    viewer_client, studio, film, emu, webhooks, mailbox
):
    from datetime import UTC, datetime

    studio.sale_alerts = "daily"
    studio.timezone = "Asia/Tokyo"
    db.session.commit()
    order = buy(viewer_client, film, emu, "buy")
    # Paid at 23:30 UTC on 1 March: 08:30 on 2 March in Tokyo.
    order.paid_at = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    db.session.commit()

    # 09:30 on 3 March in Tokyo: the studio's yesterday is 2 March, which holds the sale.
    assert send_sales_digests(datetime(2026, 3, 3, 0, 30, tzinfo=UTC)) == 1
    db.session.commit()

    (digest,) = mailbox.to(studio.contact_email)
    assert digest["Subject"] == "Your sales on March 2, 2026"
    assert "Night Train: 1" in text_of(digest)


def test_a_mail_in_arabic_is_laid_out_right_to_left(app, viewer, mailbox):
    viewer.locale = "ar"
    db.session.commit()

    notify("receipt", "receipt:arabic", user=viewer, context=_context())
    db.session.commit()

    (mail,) = mailbox.to(viewer.email)
    assert '<html lang="ar" dir="rtl">' in html_of(mail)


def test_a_rental_whose_whole_window_is_a_day_is_not_recalled_right_after_its_receipt(
    viewer_client, viewer, film, emu, webhooks, mailbox
):
    film.rental_start_days = 1
    db.session.commit()
    order = buy(viewer_client, film, emu, "rent")
    entitlement = db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id))
    assert entitlement.start_by - entitlement.granted_at <= timedelta(days=1)

    # The hourly job runs half an hour after the purchase: the receipt said it all.
    remind_expiring_rentals(entitlement.granted_at + timedelta(minutes=30))
    db.session.commit()

    assert [n.event for n in notifications()] == ["receipt"]


def test_a_zone_dates_cannot_be_shown_in_is_mailed_as_utc(app, viewer, mailbox):
    """An account saved "Factory" before the list of zones was narrowed: its mails give UTC
    times, named so, rather than a zone nobody chose."""
    viewer.timezone = "Factory"
    db.session.commit()
    start_by = (utcnow() + timedelta(days=2)).isoformat()
    context = {**_context(), "kind": "rent", "start_by": start_by, "watch_hours": 48}
    notify("receipt", "receipt:factory", user=viewer, context=context)
    db.session.commit()

    (mail,) = mailbox.to(viewer.email)
    assert "(UTC)" in text_of(mail) and "Factory" not in text_of(mail)
