"""A viewer's own data: everything the store holds about them, and deleting the account.

Deleting ends access and erases or anonymises the person, while orders and the ledger keep
their financial rows (amounts, currencies, dates, titles) without the person, as accounting
law requires: the order still points at the account row, which no longer names anyone.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from ...extensions import db
from ...models import (
    DELETED_DOMAIN,
    BuyerConsent,
    Entitlement,
    EntitlementStatus,
    Festival,
    FestivalPass,
    Notification,
    NotificationStatus,
    Order,
    OutboxMessage,
    PassHolding,
    PlaybackSession,
    RightsHolder,
    Screener,
    ScreenerStream,
    Screening,
    Studio,
    StudioInvite,
    StudioMember,
    StudioRole,
    Title,
    User,
    UserLogin,
    WatchProgress,
    utcnow,
)
from ...models.audience import PlaySummary
from .. import ServiceError
from ..reports.export import safe_title
from .logins import revoke_all_logins
from .notifications.queue import ACCOUNT_DELETED
from .passwords import hash_password, new_security_stamp
from .studios import hand_over_contact
from .users import check_current_password


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _names(model: type[Title] | type[Festival], ids: list[int | None]) -> dict[int, str]:
    """The names of those rows of ``model`` (titles or festivals), by id."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(
        db.session.execute(sa.select(model.id, model.name).where(model.id.in_(wanted))).all()
    )


def export_data(user: User) -> dict[str, Any]:
    """Everything held about ``user``, as plain JSON values, section by section."""
    orders = db.session.scalars(
        sa.select(Order).where(Order.user_id == user.id).order_by(Order.id)
    ).all()
    entitlements = db.session.scalars(
        sa.select(Entitlement).where(Entitlement.user_id == user.id).order_by(Entitlement.id)
    ).all()
    progress = db.session.scalars(
        sa.select(WatchProgress).where(WatchProgress.user_id == user.id)
    ).all()
    consents = db.session.scalars(
        sa.select(BuyerConsent).where(BuyerConsent.user_id == user.id)
    ).all()
    screening_ids = {o.screening_id for o in orders if o.screening_id is not None}
    opens = dict(
        db.session.execute(
            sa.select(Screening.id, Screening.opens_at).where(Screening.id.in_(screening_ids))
        ).all()
    )
    holdings = db.session.execute(
        sa.select(PassHolding, FestivalPass.festival_id, FestivalPass.name)
        .join(FestivalPass, FestivalPass.id == PassHolding.pass_id)
        .where(PassHolding.user_id == user.id)
        .order_by(PassHolding.id)
    ).all()
    # Screeners that the account opened, or a studio sent to its address once confirmed
    # (anyone may sign up with a critic's address).
    to_them = Screener.user_id == user.id
    if user.email_verified:
        to_them = sa.or_(to_them, Screener.recipient_email == user.email)
    screeners = db.session.execute(
        sa.select(Screener, Studio.name)
        .join(Studio, Studio.id == Screener.studio_id)
        .where(to_them)
        .order_by(Screener.id)
    ).all()
    plays = db.session.scalars(
        sa.select(PlaySummary)
        .where(PlaySummary.user_id == user.id)
        .order_by(PlaySummary.started_at, PlaySummary.session_id)
    ).all()
    memberships = db.session.execute(
        sa.select(Studio.name, StudioMember.role, StudioMember.created_at)
        .join(Studio, Studio.id == StudioMember.studio_id)
        .where(StudioMember.user_id == user.id)
    ).all()
    logins = db.session.scalars(sa.select(UserLogin).where(UserLogin.user_id == user.id)).all()
    # Only the films and festivals the export names: a catalogue may hold many thousands.
    titles = _names(
        Title,
        [e.title_id for e in entitlements]
        + [r.title_id for r in (*progress, *consents, *plays)]
        + [s.title_id for s, _studio in screeners],
    )
    festivals = _names(Festival, [o.festival_id for o in orders] + [f for _h, f, _name in holdings])
    # Account mails (confirmations, resets) are queued to the address, not the account.
    mails = db.session.scalars(
        sa.select(Notification)
        .where(sa.or_(Notification.user_id == user.id, Notification.to == user.email))
        .order_by(Notification.id)
    ).all()
    return {
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "language": user.locale,
            "time_zone": user.timezone,
            "created_at": _iso(user.created_at),
            "email_verified_at": _iso(user.email_verified_at),
            "last_login_at": _iso(user.last_login_at),
        },
        "orders": [
            {
                "order": o.public_id,
                "title": o.title_name,
                "studio": o.studio_name,
                "kind": o.kind.value,
                "amount_minor": o.amount,
                "currency": o.currency,
                "refunded_minor": o.amount_refunded,
                "country": o.country,
                "home_country": o.home_country,
                "list_amount_minor": o.list_amount,
                "discount_minor": o.discount_amount,
                "promo_code": o.promo_code,
                "status": o.status.value,
                "created_at": _iso(o.created_at),
                "paid_at": _iso(o.paid_at),
                "preorder_release_at": _iso(o.release_at) if o.preorder else None,
                "festival": festivals.get(o.festival_id or 0),
                "screening_opens_at": _iso(opens.get(o.screening_id or 0)),
            }
            for o in orders
        ],
        "library": [
            {
                "title": titles.get(e.title_id or 0, ""),
                "kind": e.kind.value,
                "status": e.status.value,
                "granted_at": _iso(e.granted_at),
                "opens_at": _iso(e.not_before),
                "start_by": _iso(e.start_by),
                "started_at": _iso(e.started_at),
                "expires_at": _iso(e.expires_at),
            }
            for e in entitlements
        ],
        "watch_progress": [
            {
                "title": titles.get(p.title_id, ""),
                "position_seconds": p.position_seconds,
                "duration_seconds": p.duration_seconds,
                "updated_at": _iso(p.updated_at),
            }
            for p in progress
        ],
        "passes": [
            {
                "festival": festivals.get(festival_id, ""),
                "pass": name,
                "films_allowed": h.films_allowed,
                "films_used": h.films_used,
                "status": h.status.value,
                "granted_at": _iso(h.granted_at),
            }
            for h, festival_id, name in holdings
        ],
        "screeners": [
            {
                "title": titles.get(s.title_id, ""),
                "studio": studio_name,
                "recipient_name": s.recipient_name,
                "sent_at": _iso(s.created_at),
                "expires_at": _iso(s.expires_at),
                "opened_at": _iso(s.opened_at),
                "views": s.views,
                "max_views": s.max_views,
                "furthest_seconds": s.furthest_seconds,
                "revoked_at": _iso(s.revoked_at),
            }
            for s, studio_name in screeners
        ],
        "plays": [
            {
                "title": titles.get(p.title_id, ""),
                "started_at": _iso(p.started_at),
                "country": p.country,
                "watched_seconds": p.watched_seconds,
                "furthest_seconds": p.max_position,
            }
            for p in plays
        ],
        "consents": [
            {
                "kind": "share_email_with_filmmaker",
                "title": titles.get(c.title_id, ""),
                "given_at": _iso(c.created_at),
            }
            for c in consents
        ],
        "studio_memberships": [
            {"studio": name, "role": role.value, "since": _iso(since)}
            for name, role, since in memberships
        ],
        "sign_ins": [
            {
                "device": login.user_agent,
                "created_at": _iso(login.created_at),
                "expires_at": _iso(login.expires_at),
                "revoked_at": _iso(login.revoked_at),
            }
            for login in logins
        ],
        "mails": [
            {"event": m.event, "status": m.status.value, "created_at": _iso(m.created_at)}
            for m in mails
        ],
    }


def export_rows(data: dict[str, Any]) -> list[list[str]]:
    """The export as CSV rows: section, item number, field, value (a value a spreadsheet
    would run as a formula, such as a title a studio typed, is written as text)."""
    rows = [["section", "item", "field", "value"]]
    for section, content in data.items():
        items = content if isinstance(content, list) else [content]
        for number, item in enumerate(items, start=1):
            for field, value in item.items():
                text = "" if value is None else safe_title(str(value))
                rows.append([section, str(number), field, text])
    return rows


def _sole_owner_of(user: User) -> list[str]:
    owned = db.session.scalars(
        sa.select(StudioMember.studio_id).where(
            StudioMember.user_id == user.id, StudioMember.role == StudioRole.OWNER
        )
    ).all()
    names = []
    for studio_id in owned:
        owners = db.session.scalar(
            sa.select(sa.func.count(StudioMember.id)).where(
                StudioMember.studio_id == studio_id, StudioMember.role == StudioRole.OWNER
            )
        )
        if owners == 1:
            names.append(db.session.get(Studio, studio_id).name)  # type: ignore[union-attr]
    return names


def _erase_from_invitations_and_screeners(user: User, old_email: str, at: datetime) -> None:
    """Other studios' records that name the person: invitations waiting for them are
    withdrawn; screeners sent to them stop working and keep only that one was sent (film,
    dates, plays), without the recipient's name, address or the studio's note about them.

    Rows found by address count only when the account had confirmed it: an account that
    never proved the address must not withdraw what was meant for its real owner."""
    anonymous = f"deleted-{user.id}@{DELETED_DOMAIN}"
    by_address = user.email_verified
    if by_address:
        db.session.execute(sa.delete(StudioInvite).where(StudioInvite.email == old_email))
        # A holder that accepted stays a holder (the studio holds the film, not the person).
        db.session.execute(
            sa.update(RightsHolder)
            .where(
                RightsHolder.email == old_email,
                RightsHolder.accepted_at.is_(None),
                RightsHolder.revoked_at.is_(None),
            )
            .values(revoked_at=at)
        )
        db.session.execute(
            sa.update(RightsHolder).where(RightsHolder.email == old_email).values(email=anonymous)
        )
    to_them = Screener.user_id == user.id
    if by_address:
        to_them = sa.or_(to_them, Screener.recipient_email == old_email)
    ids = list(db.session.scalars(sa.select(Screener.id).where(to_them)))
    if not ids:
        return
    db.session.execute(
        sa.update(Screener)
        .where(Screener.id.in_(ids), Screener.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    db.session.execute(
        sa.update(Screener)
        .where(Screener.id.in_(ids))
        .values(recipient_name="", recipient_email=anonymous, note="", user_id=None)
    )
    # A stream playing now stops at its next fetch (revoked); end it so its screen is free.
    db.session.execute(
        sa.update(ScreenerStream)
        .where(ScreenerStream.screener_id.in_(ids), ScreenerStream.ended_at.is_(None))
        .values(ended_at=at, links_until=None)
    )


def _hand_over_studio_contacts(user: User, old_email: str) -> None:
    """Studios whose contact address is the person's stop using it: sales alerts, payout
    failures and the payment processor's onboarding must not go to an address whose owner
    left. Counted for studios they belonged to, or anywhere once they had confirmed it."""
    mine = sa.select(StudioMember.studio_id).where(StudioMember.user_id == user.id)
    theirs = Studio.contact_email == old_email
    if not user.email_verified:
        theirs = sa.and_(theirs, Studio.id.in_(mine))
    for studio in db.session.scalars(sa.select(Studio).where(theirs).order_by(Studio.id)):
        hand_over_contact(studio, user.id, f"account-{user.id}-deleted")


def delete_account(user: User, password: str, at: datetime | None = None) -> None:
    """Erase the person behind ``user``; their orders and ledger rows stay, anonymous.

    Refused while they are the only owner of a studio (its sales and payouts need someone).
    """
    check_current_password(user, password)
    studios = _sole_owner_of(user)
    if studios:
        raise ServiceError(
            _(
                "You are the only owner of %(studios)s: make someone else an owner first.",
                studios=", ".join(studios),
            )
        )
    at = at or utcnow()
    old_email = user.email
    revoke_all_logins(user)
    db.session.execute(
        sa.update(PlaybackSession)
        .where(PlaybackSession.user_id == user.id, PlaybackSession.ended_at.is_(None))
        .values(ended_at=at)
    )
    db.session.execute(
        sa.update(Entitlement)
        .where(Entitlement.user_id == user.id)
        .values(status=EntitlementStatus.REVOKED)
    )
    _hand_over_studio_contacts(user, old_email)
    for model in (WatchProgress, BuyerConsent, StudioMember, UserLogin):
        db.session.execute(sa.delete(model).where(model.user_id == user.id))
    _erase_from_invitations_and_screeners(user, old_email, at)
    db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.to == old_email))
    anonymous = f"deleted-{user.id}@{DELETED_DOMAIN}"
    db.session.execute(
        sa.update(Notification)
        .where(sa.or_(Notification.user_id == user.id, Notification.to == old_email))
        .values(to=anonymous, context={})
    )
    # A mail still waiting (for its job or a retry) has no one to go to any more.
    db.session.execute(
        sa.update(Notification)
        .where(Notification.to == anonymous, Notification.status == NotificationStatus.QUEUED)
        .values(status=NotificationStatus.SUPPRESSED, error=ACCOUNT_DELETED)
    )
    user.email = anonymous
    user.display_name = ""
    user.locale = None
    user.timezone = "UTC"
    user.password_hash = hash_password(secrets.token_urlsafe(32))  # no one knows it
    user.security_stamp = new_security_stamp()
    user.email_verified_at = None
    user.last_login_at = None
    user.active = False
    db.session.flush()
