"""Account mails (password resets, address confirmations, studio invitations), written in the
language of the account they go to (:func:`~.notifications.language.mail_locale`) and sent
like every other mail: queued by :func:`.notifications.notify`, sent by a
job after the request commits, retried on temporary SMTP errors, and copied to the outbox
once sent."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import force_locale

from ...extensions import db
from ...models import Notification, NotificationStatus, User, utcnow
from .notifications import notify
from .notifications.language import mail_locale

log = logging.getLogger(__name__)

# Writes a mail's (subject, body); called in the reader's language, so gettext and Babel's
# formats inside it speak that language.
Writer = Callable[[], tuple[str, str]]


def send_mail(
    to: str, write: Writer, *, reader: User | None = None, studio_id: int | None = None
) -> Notification:
    """Queue the mail ``write`` writes, in its reader's language.

    ``reader``: the account the mail is for when ``to`` is not (yet, or any more) its address;
    otherwise the account with the address ``to``, if any. ``studio_id``: the studio it is
    sent for, for its limit."""
    locale = mail_locale(reader, to)
    with force_locale(locale):
        subject, body = write()
    return notify(
        "message",
        f"message:{uuid.uuid4().hex}",
        to=to,
        context={"subject": subject, "body": body},
        studio_id=studio_id,
        locale=locale,
    )


# Account mails (reset, verification, sign-up notices) to one address per hour: whoever
# can type someone's address must not be able to flood their inbox through the store.
ACCOUNT_MAILS_PER_HOUR = 5


def send_account_mail(to: str, write: Writer, *, reader: User | None = None) -> Notification | None:
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
    return send_mail(to, write, reader=reader)
