"""Render a queued mail in its recipient's language and hand it to the mailer, once.

Only the mail job calls :func:`deliver`. The row is locked while it is sent, and a row that
is no longer ``queued`` is never sent again, so a job enqueued twice (a retry, the sweep)
mails once. Temporary SMTP errors leave the row queued for the next attempt; permanent ones
and the last attempt fail it, visibly, with the server's answer.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from babel.dates import format_date
from flask import current_app, render_template
from flask_babel import force_locale

from ....adapters.mail import PermanentMailError, TemporaryMailError
from ....countries import country_name
from ....extensions import db
from ....i18n import text_direction
from ....models import OutboxMessage, utcnow
from ....models.audience import Notification, NotificationStatus
from ....money import format_amount
from ....public_urls import public_url_for
from .events import month_words, subject_for
from .language import zoned_time
from .opt_out import SALE_MAILS, list_headers, stop_url

log = logging.getLogger(__name__)


def render(row: Notification) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of a notification, in its recipient's language."""
    locale = row.locale

    def when(value: str | None, fmt: str = "medium") -> str:
        if not value:
            return ""
        return zoned_time(datetime.fromisoformat(value), row.timezone or "UTC", locale, fmt)

    def day(value: str | None) -> str:
        return format_date(datetime.fromisoformat(value), "long", locale=locale) if value else ""

    helpers: dict[str, Any] = {
        "c": row.context,
        "link": public_url_for,
        "money": lambda amount, currency: format_amount(int(amount), currency, locale),
        "when": when,
        "day": day,
        "month_words": month_words,
        "country": lambda code: country_name(code, locale),
        "site_name": current_app.config["SITE_NAME"],
        "mail_locale": locale,
        "mail_direction": text_direction(locale),
        # Sale mails only: the link that switches them off, as the List-Unsubscribe header.
        "stop_url": (
            stop_url(row.context["studio_slug"], row.to)
            if row.event in SALE_MAILS and row.context.get("studio_slug")
            else None
        ),
    }
    with force_locale(locale):
        subject = subject_for(row.event, row.context)
        text = render_template(f"mail/{row.event}.txt", subject=subject, **helpers)
        html = render_template(f"mail/{row.event}.html", subject=subject, **helpers)
    return subject, text, html


def deliver(notification_id: int) -> NotificationStatus | None:
    """Send one queued mail. Returns its status afterwards (``queued``: try again later)."""
    row = db.session.scalar(
        db.select(Notification).where(Notification.id == notification_id).with_for_update()
    )
    if row is None or row.status != NotificationStatus.QUEUED:
        return row.status if row is not None else None
    try:
        subject, text, html = render(row)
    except Exception as exc:  # a template or context bug: visible on the row, not retried forever
        log.exception("Mail %s could not be rendered", row.key)
        row.status = NotificationStatus.FAILED
        row.error = f"rendering failed: {exc}"[:2000]
        db.session.flush()
        return row.status
    row.attempts += 1
    try:
        current_app.extensions["mailer"].send(
            row.to,
            subject,
            text,
            html=html,
            headers={
                "X-Storefront-Event": row.event,
                **list_headers(row.event, row.context, row.to),
            },
        )
    except TemporaryMailError as exc:
        row.error = str(exc)[:2000]
        if row.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            row.status = NotificationStatus.FAILED
            log.error("Mail %s to %s failed for good: %s", row.key, row.to, exc)
        else:
            log.warning("Mail %s to %s will be retried: %s", row.key, row.to, exc)
    except PermanentMailError as exc:
        row.status = NotificationStatus.FAILED
        row.error = str(exc)[:2000]
        log.error("Mail %s to %s refused: %s", row.key, row.to, exc)
    else:
        row.status = NotificationStatus.SENT
        row.sent_at = utcnow()
        row.error = None
        # The outbox keeps the text part: admins read it, and `make run` shows it there.
        db.session.add(OutboxMessage(to=row.to, subject=subject, body=text, sent_at=row.sent_at))
    db.session.flush()
    return row.status
