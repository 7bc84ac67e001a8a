"""Send a mail and keep a copy in the outbox."""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from ...extensions import db
from ...models import OutboxMessage, utcnow

log = logging.getLogger(__name__)


def send_mail(to: str, subject: str, body: str) -> OutboxMessage:
    """Record the message and hand it to the configured mailer.

    A failing SMTP server must not lose the message or break the page: the error is kept on
    the outbox row (admins see it) and logged.
    """
    message = OutboxMessage(to=to, subject=subject, body=body)
    db.session.add(message)
    try:
        current_app.extensions["mailer"].send(to, subject, body)
        message.sent_at = utcnow()
    except Exception as exc:  # SMTP errors come in many classes; all are kept, none raised
        log.exception("Mail to %s failed", to)
        message.error = str(exc)
    db.session.flush()
    return message


# Account mails (reset, verification, sign-up notices) to one address per hour: whoever
# can type someone's address must not be able to flood their inbox through the store.
ACCOUNT_MAILS_PER_HOUR = 5


def send_account_mail(to: str, subject: str, body: str) -> OutboxMessage | None:
    """Send like :func:`send_mail`, unless this address had its hourly share already."""
    since = utcnow() - timedelta(hours=1)
    recent = db.session.scalar(
        sa.select(sa.func.count(OutboxMessage.id)).where(
            OutboxMessage.to == to, OutboxMessage.created_at >= since
        )
    )
    if (recent or 0) >= ACCOUNT_MAILS_PER_HOUR:
        log.warning("Not mailing %s again this hour (%d sent)", to, recent)
        return None
    return send_mail(to, subject, body)
