"""Studios: creation, profile, members and invitations."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ...extensions import db
from ...models import (
    Festival,
    Studio,
    StudioInvite,
    StudioMember,
    StudioRole,
    Title,
    User,
    utcnow,
)
from ...public_urls import public_url_for
from .. import ServiceError
from ..reports.filters import is_time_zone
from .mail import send_mail
from .notifications.events import one_line
from .users import lock_account, normalise_email

INVITE_MAX_AGE = 14 * 24 * 3600
INVITE_WINDOW = timedelta(days=1)


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "studio"


def unique_slug(model: type, text: str) -> str:
    base = slugify(text)
    slug, n = base, 2
    while db.session.scalar(db.select(model.id).filter_by(slug=slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


SLUG_TRIES = 10  # each round of a race has a winner: ten names at once all succeed


def add_with_unique_slug(row: Studio | Title | Festival, text: str) -> None:
    """Insert ``row`` under a slug made from ``text`` that no other row of its kind holds.

    Two requests may both find the same slug free; the one whose insert loses takes the next
    one (its savepoint is rolled back, the rest of its transaction stands)."""
    model = type(row)
    for _attempt in range(SLUG_TRIES):
        row.slug = unique_slug(model, text)
        try:
            with db.session.begin_nested():
                db.session.add(row)
                db.session.flush()
            return
        except sa.exc.IntegrityError as error:
            if "slug" not in str(error.orig):
                raise
    raise ServiceError(_("Too many were created with this name at once. Please try again."))


def studio_limit_problem(user: User) -> str | None:
    """Why ``user`` may not open another studio, or None. Each studio has its own invitation
    allowance, so the studios one account owns are capped (STUDIOS_PER_ACCOUNT); the
    operator's admins are not."""
    if user.is_admin:
        return None
    limit = int(current_app.config.get("STUDIOS_PER_ACCOUNT", 5))
    owned = db.session.scalar(
        sa.select(sa.func.count(StudioMember.id)).where(
            StudioMember.user_id == user.id, StudioMember.role == StudioRole.OWNER
        )
    )
    if (owned or 0) < limit:
        return None
    return _(
        "You have reached the most studios one account may own (%(limit)s). "
        "Ask the store's team if you need another.",
        limit=limit,
    )


def create_studio(
    owner: User,
    name: str,
    country: str,
    contact_email: str,
    bio: str = "",
    website: str = "",
    timezone: str = "UTC",
) -> Studio:
    # Held until the request ends: an account's tabs open studios one at a time, each
    # counting the others'.
    lock_account(owner.id)
    problem = studio_limit_problem(owner)
    if problem:
        raise ServiceError(problem)
    studio = Studio(
        name=name.strip(),
        country=country.upper(),
        contact_email=normalise_email(contact_email),
        bio=bio.strip(),
        website=website.strip(),
        timezone=timezone if is_time_zone(timezone) else "UTC",
    )
    add_with_unique_slug(studio, name)
    studio.members.append(StudioMember(user=owner, role=StudioRole.OWNER))
    db.session.flush()
    return studio


SALE_ALERTS = ("off", "each", "daily")  # mail to contact_email: none, per sale, daily digest


def update_studio(studio: Studio, **fields: str) -> None:
    if fields.get("sale_alerts") in SALE_ALERTS:
        studio.sale_alerts = fields["sale_alerts"]
    if is_time_zone(fields.get("timezone") or ""):
        studio.timezone = fields["timezone"]
    for name in ("name", "country", "contact_email", "bio", "website"):
        if name in fields:
            value = fields[name].strip()
            if name == "country":
                value = value.upper()
            if name == "contact_email":
                value = normalise_email(value)
            setattr(studio, name, value)
    db.session.flush()


def studios_of(user: User) -> list[Studio]:
    return list(
        db.session.scalars(
            db.select(Studio)
            .join(StudioMember)
            .filter(StudioMember.user_id == user.id)
            .order_by(Studio.name)
        )
    )


def _invite_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="studio-invite")


def _sent_since(column: sa.ColumnElement, value: int) -> int:
    since = utcnow() - INVITE_WINDOW
    return (
        db.session.scalar(
            sa.select(sa.func.count(StudioInvite.id)).where(
                column == value, StudioInvite.created_at >= since
            )
        )
        or 0
    )


def invite_member(
    studio: Studio, inviter: User, email: str, role: StudioRole | str = StudioRole.MANAGER
) -> StudioInvite:
    """Invite ``email`` to ``studio`` with ``role``, within the daily limits.

    The mail opens with the store's own words; what the inviter chose (their name, the
    studio's name) comes last, on one line each, so the store cannot be made to send
    someone else's message.
    """
    email = normalise_email(email)
    role = StudioRole(role)
    if not inviter.email_verified:
        raise ServiceError(_("Confirm your own email address before inviting anyone."))
    config = current_app.config
    if _sent_since(StudioInvite.invited_by_id, inviter.id) >= config["INVITES_PER_ACCOUNT_DAY"]:
        raise ServiceError(_("You have sent as many invitations as allowed today. Try tomorrow."))
    if _sent_since(StudioInvite.studio_id, studio.id) >= config["INVITES_PER_STUDIO_DAY"]:
        raise ServiceError(
            _("This studio has sent as many invitations as allowed today. Try tomorrow.")
        )
    already = db.session.scalar(
        db.select(StudioMember)
        .join(User)
        .filter(StudioMember.studio_id == studio.id, User.email == email)
    )
    if already is not None:
        raise ServiceError(_("%(email)s is already a member of this studio.", email=email))
    invite = StudioInvite(studio_id=studio.id, email=email, invited_by_id=inviter.id, role=role)
    db.session.add(invite)
    db.session.flush()
    token = _invite_serializer().dumps(invite.id)
    link = public_url_for("studio.accept_invite", token=token)
    site = config["SITE_NAME"]
    send_mail(
        email,
        lambda: (
            _("Invitation to a studio on %(site)s", site=site),
            _(
                "You have been invited to work on a studio's films on %(site)s.\n\n"
                "To accept, log in or sign up with this email address, confirm the address, "
                "then open this link (it works once, for 14 days):\n%(link)s\n\n"
                "If you did not expect this, ignore this message: nothing happens.\n\n"
                "Details given by the person who invited you:\n"
                "Studio: %(studio)s\nInvited by: %(name)s",
                site=site,
                link=link,
                studio=one_line(studio.name),
                name=one_line(inviter.display_name),
            ),
        ),
        studio_id=studio.id,
    )
    return invite


class InviteNeedsVerifiedEmail(ServiceError):
    """The right account, but its address is not confirmed yet."""


def accept_invite(token: str, user: User) -> Studio:
    """Make ``user`` a member, once, if the invitation was sent to their confirmed address."""
    invalid = _("This invitation is not valid or has expired.")
    try:
        invite_id = _invite_serializer().loads(token, max_age=INVITE_MAX_AGE)
    except BadSignature as exc:
        raise ServiceError(invalid) from exc
    invite = db.session.get(StudioInvite, invite_id)
    if invite is None or invite.revoked_at is not None:
        raise ServiceError(invalid)
    studio = invite.studio
    member = db.session.scalar(
        db.select(StudioMember).filter_by(studio_id=studio.id, user_id=user.id)
    )
    if invite.accepted_at is not None:
        if member is not None and invite.email == user.email:
            return studio  # the same person opening their link again
        raise ServiceError(_("This invitation has already been used."))
    if invite.email != user.email:
        # The address is not shown: the link alone must not tell who was invited.
        raise ServiceError(
            _(
                "This invitation was sent to another email address. Log in with the "
                "address it was sent to."
            )
        )
    if not user.email_verified:
        raise InviteNeedsVerifiedEmail(
            _("Confirm your email address first: open the link we mailed you, then come back.")
        )
    if member is None:
        # Through the relationship, so a user whose memberships are already loaded sees it.
        db.session.add(StudioMember(studio_id=studio.id, user=user, role=invite.role))
    invite.accepted_at = utcnow()
    db.session.flush()
    return studio


def owners(studio: Studio) -> list[StudioMember]:
    """The studio's owners (at least one, see ``remove_member`` and ``change_role``)."""
    return [m for m in studio.members if m.role == StudioRole.OWNER]


def _first_confirmed_owner(studio: Studio, leaving_user_id: int | None = None) -> User | None:
    """The studio's longest-standing owner (other than the one leaving) whose address is
    confirmed, or None: an unconfirmed address may be anyone's."""
    for member in sorted(owners(studio), key=lambda m: m.id):
        if member.user_id != leaving_user_id and member.user.email_verified:
            return member.user
    return None


def studio_contact(studio: Studio) -> str:
    """Where mail to the studio goes: its contact address or, while it has none, its first
    owner's confirmed address. "" when neither: such mail is kept back, marked unsent."""
    if studio.contact_email:
        return studio.contact_email
    owner = _first_confirmed_owner(studio)
    return owner.email if owner is not None else ""


def hand_over_contact(studio: Studio, leaving_user_id: int, occasion: str) -> str:
    """The person whose address is the studio's contact address is leaving the studio or the
    store: the first other owner's confirmed address takes its place, and that owner is told
    once (``occasion`` names the departure, for the mail's key), or none takes it (the
    studio's pages then ask its members to set one). Returns the new address, or ""."""
    from .notifications.studio_mails import contact_handed_over  # notifications builds on this

    heir = _first_confirmed_owner(studio, leaving_user_id)
    studio.contact_email = heir.email if heir is not None else ""
    db.session.flush()
    if heir is not None:
        contact_handed_over(studio, heir, f"{studio.id}:{occasion}")
    return studio.contact_email


def remove_member(studio: Studio, member_id: int) -> str | None:
    """Remove a member. When the studio's contact address was theirs, it is handed over
    (``hand_over_contact``) and the new address ("" for none) returned; otherwise None."""
    member = db.session.get(StudioMember, member_id)
    if member is None or member.studio_id != studio.id:
        raise ServiceError(_("No such member."))
    if member.role == StudioRole.OWNER and len(owners(studio)) == 1:
        raise ServiceError(_("A studio needs at least one owner."))
    handed_to = None
    if studio.contact_email and studio.contact_email == member.user.email:
        # The departed person must not go on receiving its sales, statements and payouts.
        handed_to = hand_over_contact(studio, member.user_id, f"member-{member.id}")
    db.session.delete(member)
    db.session.flush()
    return handed_to


def change_role(studio: Studio, member_id: int, role: StudioRole | str) -> StudioMember:
    member = db.session.get(StudioMember, member_id)
    if member is None or member.studio_id != studio.id:
        raise ServiceError(_("No such member."))
    role = StudioRole(role)
    if member.role == StudioRole.OWNER and role != StudioRole.OWNER and len(owners(studio)) == 1:
        raise ServiceError(_("A studio needs at least one owner."))
    member.role = role
    db.session.flush()
    return member
