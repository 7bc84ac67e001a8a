"""Queue a mail for an event, once per idempotency key, within the sending limits."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from ....extensions import db
from ....jobs import defer
from ....models import DELETED_DOMAIN, User, utcnow
from ....models.audience import Notification, NotificationStatus
from .events import ABOUT_MONEY, EVENTS
from .language import mail_locale, mail_zone

log = logging.getLogger(__name__)
SEND_TASK = "notifications.send"


def notify(
    event: str,
    key: str,
    *,
    user: User | None = None,
    to: str | None = None,
    context: Mapping[str, Any] | None = None,
    studio_id: int | None = None,
    locale: str | None = None,
    zone: str | None = None,
) -> Notification:
    """Queue the mail ``event`` for ``user`` (or the address ``to``) unless ``key`` was used.

    - ``key`` names the event, e.g. ``"receipt:<order id>"``: queuing it again (a webhook
      delivered twice, a job retried) returns the first notification and mails nothing more.
    - ``context`` holds JSON values for ``templates/mail/<event>.{txt,html}``; datetimes as
      ISO strings, money as integer minor units plus currency.
    - ``studio_id``: the studio on whose behalf the mail goes (invitations, screeners),
      counted against its daily limit; ``None`` for mails the recipient caused.
    - The recipient's language (:func:`.language.mail_locale`: their account's, else
      ``locale``, ...) and time zone (:func:`.language.mail_zone`: their account's, else
      ``zone``, the sending studio's or festival's, else UTC).
    - ``to=""``: the recipient has no address (a studio whose contact left): the row is kept
      as ``suppressed``, marked :data:`NO_ADDRESS`, and nothing is sent.

    Over the recipient's hourly or the studio's daily limit, the row is kept as
    ``suppressed`` and nothing is sent. Otherwise a job sends it after the caller's
    transaction commits. The caller commits (the request or the job); this only flushes.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown mail event {event!r}")
    if user is None and to is None:
        raise ValueError("a mail needs a recipient")
    address = user.email if user is not None else to or ""
    existing = _by_key(key)
    if existing is not None:
        return existing
    config = current_app.config
    over = _over_limit(address, studio_id, config, event in ABOUT_MONEY) if address else NO_ADDRESS
    if over:
        log.warning("Not mailing %s (%s): %s", address, event, over)
    values = {
        "key": key,
        "event": event,
        "user_id": user.id if user is not None else None,
        "studio_id": studio_id,
        "to": address,
        "locale": mail_locale(user, address, locale),
        "timezone": mail_zone(user, address, zone),
        "context": dict(context or {}),
        "status": NotificationStatus.SUPPRESSED if over else NotificationStatus.QUEUED,
        "attempts": 0,
        "error": over,
        "created_at": utcnow(),
    }
    # INSERT .. ON CONFLICT DO NOTHING: the same event queued at the same moment elsewhere
    # (two workers, two webhook deliveries) leaves one row and no failed transaction.
    new_id = db.session.execute(
        _insert(Notification)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(Notification.id)
    ).scalar()
    row = db.session.get(Notification, new_id) if new_id is not None else _by_key(key)
    assert row is not None
    if new_id is None:
        return row
    if row.status == NotificationStatus.QUEUED:
        defer(db.session, SEND_TASK, row.id)
    return row


def _insert(model: type) -> Any:
    if db.session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def _by_key(key: str) -> Notification | None:
    return db.session.scalar(sa.select(Notification).where(Notification.key == key))


# Why a mail was kept back (its ``error``): callers that must tell someone read these.
RECIPIENT_LIMIT = "recipient's hourly limit reached"
STUDIO_LIMIT = "studio's daily limit reached"
ACCOUNT_DELETED = "account deleted"
NO_ADDRESS = "no address to send to"


def _over_limit(
    address: str, studio_id: int | None, config: Mapping[str, Any], about_money: bool = False
) -> str | None:
    """Why the mail must be kept back, if it must (``about_money``: see events.ABOUT_MONEY)."""
    if address.endswith("@" + DELETED_DOMAIN):
        # Queued after the account was deleted (a late refund's receipt): no one to go to.
        return ACCOUNT_DELETED
    now = utcnow()
    counted = Notification.status != NotificationStatus.SUPPRESSED
    to_address = (
        0
        if about_money
        else db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(
                Notification.to == address,
                Notification.created_at >= now - timedelta(hours=1),
                counted,
            )
        )
    )
    if (to_address or 0) >= config["MAIL_PER_ACCOUNT_PER_HOUR"]:
        return RECIPIENT_LIMIT
    if studio_id is None:
        return None
    by_studio = db.session.scalar(
        sa.select(sa.func.count(Notification.id)).where(
            Notification.studio_id == studio_id,
            Notification.created_at >= now - timedelta(days=1),
            counted,
        )
    )
    if (by_studio or 0) >= config["MAIL_PER_STUDIO_PER_DAY"]:
        return STUDIO_LIMIT
    return None


def queued_before(seconds: int, limit: int = 500) -> list[int]:
    """Ids of mails still queued after ``seconds`` (a lost job, a killed worker, a retry)."""
    cutoff = utcnow() - timedelta(seconds=seconds)
    return list(
        db.session.scalars(
            sa.select(Notification.id)
            .where(
                Notification.status == NotificationStatus.QUEUED,
                Notification.created_at < cutoff,
            )
            .order_by(Notification.id)
            .limit(limit)
        )
    )
