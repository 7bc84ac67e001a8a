"""Screeners: a studio mails a named critic, programmer or juror a personal link to watch one
title, with no account needed (or linked to the recipient's account if they are signed in).

A screener is valid for 1–90 days, plays at most ``max_views`` times and on one screen at a
time, in any country unless the studio restricted it. Its link holds a random token; only
its SHA-256 is stored. Withdrawn and expired screeners stop at the next heartbeat or playlist
fetch, so within the segment-link lifetime. While it plays, the recipient's name and email
are drawn over the picture (see the screener player page).

The withdrawn/expired rule is ``watching.access.screener_refusal``; territory choices are read
with ``codes.territory_admits`` (the offers' picker and table).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from ...countries import is_country
from ...extensions import db
from ...models import (
    MediaAsset,
    NotificationStatus,
    Screener,
    ScreenerStream,
    Studio,
    TerritoryMode,
    Title,
    User,
    is_row_id,
)
from .. import ServiceError
from ..accounts.notifications.queue import STUDIO_LIMIT
from ..accounts.users import lock_account
from ..watching.access import PlaybackRefused, Refusal, screener_refusal
from ..watching.playback import Limits, previewable, ready_asset
from . import notices
from .codes import territory_admits

DAYS = (1, 90)
VIEWS = (1, 50)
NOTE_MAX = 200  # the column's length
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ScreenerInvalid(ServiceError):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = errors


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class ScreenerPlan:
    title_id: int | None
    recipient_name: str
    recipient_email: str
    note: str = ""
    days: int | None = 14
    max_views: int | None = 3
    territory_mode: str = TerritoryMode.WORLDWIDE.value
    countries: list[str] | None = None


def send_screener(
    studio: Studio, plan: ScreenerPlan, at: datetime, sender: User
) -> tuple[Screener, str]:
    """Check the plan, add the screener and mail its link, for ``sender`` (an account's
    screeners a day are limited across its studios). Returns it with its token (the only
    time the token exists outside the mail)."""
    errors: dict[str, list[str]] = {}
    title = db.session.get(Title, plan.title_id) if is_row_id(plan.title_id) else None
    if title is None or title.studio_id != studio.id or not previewable(title):
        errors.setdefault("title_id", []).append(_("Choose a film of this studio."))
    name = (plan.recipient_name or "").strip()
    if not name or len(name) > 120:
        errors.setdefault("recipient_name", []).append(_("Enter the recipient's name."))
    email = (plan.recipient_email or "").strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        errors.setdefault("recipient_email", []).append(_("Enter a valid email address."))
    note = (plan.note or "").strip()
    if len(note) > NOTE_MAX:
        errors.setdefault("note", []).append(_("Keep the note to 200 characters."))
    if plan.days is None or not DAYS[0] <= plan.days <= DAYS[1]:
        errors.setdefault("days", []).append(_("A screener lasts from 1 to 90 days."))
    if plan.max_views is None or not VIEWS[0] <= plan.max_views <= VIEWS[1]:
        errors.setdefault("max_views", []).append(_("Allow from 1 to 50 views."))
    try:
        mode = TerritoryMode(plan.territory_mode)
    except ValueError:
        mode = TerritoryMode.WORLDWIDE
    countries = sorted({c.strip().upper() for c in plan.countries or [] if c.strip()})
    if any(not is_country(c) for c in countries):
        errors.setdefault("countries", []).append(_("Choose countries from the list."))
    if mode == TerritoryMode.ALLOW and not countries:
        errors.setdefault("countries", []).append(
            _("Choose the countries where the screener can be watched.")
        )
    if errors:
        raise ScreenerInvalid(errors)
    assert title is not None and plan.days is not None and plan.max_views is not None
    _check_sender_allowance(sender, at)
    token = secrets.token_urlsafe(32)
    screener = Screener(
        token_hash=_hash(token),
        studio_id=studio.id,
        title_id=title.id,
        recipient_name=name,
        recipient_email=email,
        note=note,
        sent_by_id=sender.id,
        created_at=at,
        expires_at=at + timedelta(days=plan.days),
        max_views=plan.max_views,
        views=0,
        territory_mode=mode,
        countries=countries if mode != TerritoryMode.WORLDWIDE else [],
        furthest_seconds=0,
    )
    db.session.add(screener)
    db.session.flush()
    mail = notices.screener_sent(screener, title, studio, token)
    if mail.status == NotificationStatus.SUPPRESSED:
        # The link exists only in that mail: a screener nobody receives is not sent.
        raise ScreenerInvalid({"recipient_email": [_held_back(mail.error)]})
    return screener, token


def _check_sender_allowance(sender: User, at: datetime) -> None:
    """ScreenerInvalid once ``sender`` sent the day's allowance, whichever studios sent them:
    each studio's own mail limit would let an owner of several multiply it."""
    lock_account(sender.id)  # two tabs sending at once count one after the other
    limit = current_app.config["SCREENERS_PER_ACCOUNT_PER_DAY"]
    sent = db.session.scalar(
        sa.select(sa.func.count(Screener.id)).where(
            Screener.sent_by_id == sender.id, Screener.created_at > at - timedelta(days=1)
        )
    )
    if (sent or 0) >= limit:
        raise ScreenerInvalid(
            {
                "sent_by": [
                    _(
                        "You have sent as many screeners as one account may send in a day "
                        "(%(limit)s, counting all your studios), so this screener was not "
                        "sent. Try again tomorrow.",
                        limit=limit,
                    )
                ]
            }
        )


def _held_back(why: str | None) -> str:
    if why == STUDIO_LIMIT:
        return _(
            "Your studio has sent as many mails as it may today, so this screener was not "
            "sent. Try again tomorrow."
        )
    return _(
        "This address has been sent as many mails as it may this hour, so this screener was "
        "not sent. Try again later."
    )


def by_token(token: str) -> Screener | None:
    return db.session.scalar(sa.select(Screener).where(Screener.token_hash == _hash(token)))


def screeners_of(studio: Studio) -> list[Screener]:
    return list(
        db.session.scalars(
            sa.select(Screener)
            .where(Screener.studio_id == studio.id)
            .order_by(Screener.created_at.desc(), Screener.id.desc())
        )
    )


def state_of(screener: Screener, at: datetime) -> str:
    """What the studio sees: revoked, expired, watched, opened or sent."""
    if screener.revoked_at is not None:
        return "revoked"
    if at >= screener.expires_at:
        return "expired"
    if screener.views:
        return "watched"
    if screener.opened_at is not None:
        return "opened"
    return "sent"


def watched_percent(screener: Screener) -> int | None:
    if not screener.duration_seconds:
        return None
    return min(100, 100 * screener.furthest_seconds // screener.duration_seconds)


def revoke(screener: Screener, at: datetime) -> None:
    if screener.revoked_at is None:
        screener.revoked_at = at
    db.session.flush()


def opened(screener: Screener, user: User | None, at: datetime) -> None:
    """The recipient pressed "Start watching" (never a GET of the link: mail scanners fetch
    those): note when, and link their account if signed in."""
    if screener.opened_at is None:
        screener.opened_at = at
    if user is not None and getattr(user, "is_authenticated", False) and screener.user_id is None:
        screener.user_id = user.id
    db.session.flush()


def check(screener: Screener, country: str | None, at: datetime) -> MediaAsset:
    """Everything but the views and the one stream, without side effects."""
    refusal = screener_refusal(screener, at)
    if refusal is not None:
        raise PlaybackRefused(refusal)
    title = db.session.get(Title, screener.title_id)
    if title is None or not previewable(title):
        raise PlaybackRefused(Refusal.REMOVED)
    if not territory_admits(screener.territory_mode, screener.countries, country):
        raise PlaybackRefused(Refusal.BLOCKED)
    asset = ready_asset(title.id)
    if asset is None:
        raise PlaybackRefused(Refusal.NOT_READY)
    return asset


def _lock(screener_id: int) -> Screener:
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            sa.update(Screener)
            .where(Screener.id == screener_id)
            .values(views=Screener.views)
            .execution_options(synchronize_session=False)
        )
    screener = db.session.get(Screener, screener_id, with_for_update=True, populate_existing=True)
    assert screener is not None
    return screener


def _playing(screener_id: int, at: datetime, limits: Limits) -> sa.Select:
    return sa.select(sa.func.count()).where(
        ScreenerStream.screener_id == screener_id,
        sa.or_(
            sa.and_(
                ScreenerStream.ended_at.is_(None),
                ScreenerStream.last_seen_at > at - timedelta(seconds=limits.idle_seconds),
            ),
            ScreenerStream.links_until > at,
        ),
    )


def start(
    screener: Screener,
    country: str | None,
    at: datetime,
    limits: Limits,
    replaces: str | None = None,
) -> tuple[ScreenerStream, MediaAsset]:
    """Open a stream: the checks, then one screen at a time and the view limit (a reload of
    this browser's own stream replaces it and is not a new view)."""
    asset = check(screener, country, at)
    screener = _lock(screener.id)
    replaced = 0
    if replaces:
        replaced = db.session.execute(
            sa.update(ScreenerStream)
            .where(
                ScreenerStream.screener_id == screener.id,
                ScreenerStream.public_id == replaces,
                ScreenerStream.ended_at.is_(None),
            )
            .values(ended_at=at, links_until=None)
        ).rowcount
    if (db.session.scalar(_playing(screener.id, at, limits)) or 0) >= 1:
        raise PlaybackRefused(Refusal.SCREENER_ONE_STREAM)
    if not replaced:
        if screener.views >= screener.max_views:
            raise PlaybackRefused(Refusal.SCREENER_VIEWS_USED)
        screener.views += 1
    stream = ScreenerStream(
        public_id=str(uuid.uuid4()), screener_id=screener.id, started_at=at, last_seen_at=at
    )
    db.session.add(stream)
    db.session.flush()
    return stream, asset


def live_stream(
    stream_id: str, title: Title, country: str | None, at: datetime, limits: Limits
) -> ScreenerStream:
    """The open stream, re-checked on every heartbeat and playlist fetch."""
    stream = db.session.scalar(
        sa.select(ScreenerStream).where(ScreenerStream.public_id == stream_id)
    )
    screener = db.session.get(Screener, stream.screener_id) if stream else None
    if stream is None or screener is None or screener.title_id != title.id:
        raise PlaybackRefused(Refusal.INVALID_LINK)
    if stream.ended_at is not None or stream.last_seen_at <= at - timedelta(
        seconds=limits.idle_seconds
    ):
        raise PlaybackRefused(Refusal.SESSION_ENDED)
    check(screener, country, at)
    return stream


def heartbeat(
    stream: ScreenerStream,
    at: datetime,
    position: int | None,
    duration: int | None,
    stop: bool,
) -> None:
    """Keep the stream alive (or end it) and remember how far the recipient got."""
    stream.last_seen_at = at
    if stop:
        stream.ended_at = at
    screener = db.session.get(Screener, stream.screener_id)
    if screener is not None:
        if position is not None and position > screener.furthest_seconds:
            screener.furthest_seconds = position
        if duration:
            screener.duration_seconds = duration
    db.session.flush()


def record_links(stream: ScreenerStream, at: datetime, seconds: int) -> None:
    """The stream holds its screen while segment links handed to it still work."""
    until = at + timedelta(seconds=seconds)
    db.session.execute(
        sa.update(ScreenerStream)
        .where(
            ScreenerStream.id == stream.id,
            sa.or_(ScreenerStream.links_until.is_(None), ScreenerStream.links_until < until),
        )
        .values(links_until=until)
        .execution_options(synchronize_session=False)
    )
