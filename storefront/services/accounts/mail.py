"""Account mails (password resets, address confirmations, studio invitations), written in the
language of the page that asked for them and sent like every other mail: queued by
:func:`storefront.services.notifications.notify`, sent by a job after the request commits,
retried on temporary SMTP errors, and copied to the outbox once sent."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import get_locale

from ...extensions import db
from ...models import Notification, NotificationStatus, utcnow
from ..notifications import notify

log = logging.getLogger(__name__)


def send_mail(to: str, subject: str, body: str, studio_id: int | None = None) -> Notification:
    """Queue a ready-written mail (``studio_id``: the studio it is sent for, for its limit)."""
    locale = get_locale()
    return notify(
        "message",
        f"message:{uuid.uuid4().hex}",
        to=to,
        context={"subject": subject, "body": body},
        studio_id=studio_id,
        locale=str(locale) if locale else None,
    )


# Account mails (reset, verification, sign-up notices) to one address per hour: whoever
# can type someone's address must not be able to flood their inbox through the store.
ACCOUNT_MAILS_PER_HOUR = 5


def send_account_mail(to: str, subject: str, body: str) -> Notification | None:
    """Send like :func:`send_mail`, unless this address had its hourly share already."""
    since = utcnow() - timedelta(hours=1)
    recent = db.session.scalar(
        sa.select(sa.func.count(Notification.id)).where(
            Notification.to == to,
            Notification.event == "message",
            Notification.created_at >= since,
            Notification.status != NotificationStatus.SUPPRESSED,
        )
    )
    if (recent or 0) >= ACCOUNT_MAILS_PER_HOUR:
        log.warning("Not mailing %s again this hour (%d sent)", to, recent)
        return None
    return send_mail(to, subject, body)
