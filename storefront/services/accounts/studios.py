"""Studios: creation, profile, members and invitations."""

from __future__ import annotations

import re
import unicodedata

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ...extensions import db
from ...models import Studio, StudioInvite, StudioMember, StudioRole, User, utcnow
from ...public_urls import public_url_for
from .. import ServiceError
from .mail import send_mail
from .users import normalise_email

INVITE_MAX_AGE = 14 * 24 * 3600


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "studio"


def unique_slug(model: type, text: str) -> str:
    base = slugify(text)
    slug, n = base, 2
    while db.session.scalar(db.select(model.id).filter_by(slug=slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_studio(
    owner: User,
    name: str,
    country: str,
    contact_email: str,
    bio: str = "",
    website: str = "",
) -> Studio:
    studio = Studio(
        slug=unique_slug(Studio, name),
        name=name.strip(),
        country=country.upper(),
        contact_email=normalise_email(contact_email),
        bio=bio.strip(),
        website=website.strip(),
    )
    studio.members.append(StudioMember(user=owner, role=StudioRole.OWNER))
    db.session.add(studio)
    db.session.flush()
    return studio


def update_studio(studio: Studio, **fields: str) -> None:
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


def invite_member(studio: Studio, inviter: User, email: str) -> StudioInvite:
    email = normalise_email(email)
    already = db.session.scalar(
        db.select(StudioMember)
        .join(User)
        .filter(StudioMember.studio_id == studio.id, User.email == email)
    )
    if already is not None:
        raise ServiceError(_("%(email)s is already a member of this studio.", email=email))
    invite = StudioInvite(studio_id=studio.id, email=email, invited_by_id=inviter.id)
    db.session.add(invite)
    db.session.flush()
    token = _invite_serializer().dumps(invite.id)
    link = public_url_for("studio.accept_invite", token=token)
    send_mail(
        email,
        _("Join %(studio)s", studio=studio.name),
        _(
            "%(name)s invited you to join the studio %(studio)s.\n\n"
            "Accept the invitation here (log in or sign up with this email address):\n%(link)s",
            name=inviter.display_name,
            studio=studio.name,
            link=link,
        ),
    )
    return invite


def accept_invite(token: str, user: User) -> Studio:
    try:
        invite_id = _invite_serializer().loads(token, max_age=INVITE_MAX_AGE)
    except BadSignature as exc:
        raise ServiceError(_("This invitation is not valid or has expired.")) from exc
    invite = db.session.get(StudioInvite, invite_id)
    if invite is None or invite.revoked_at is not None:
        raise ServiceError(_("This invitation is not valid or has expired."))
    if invite.email != user.email:
        raise ServiceError(
            _(
                "This invitation was sent to %(email)s. Log in with that address to accept it.",
                email=invite.email,
            )
        )
    studio = invite.studio
    member = db.session.scalar(
        db.select(StudioMember).filter_by(studio_id=studio.id, user_id=user.id)
    )
    if member is None:
        db.session.add(StudioMember(studio_id=studio.id, user_id=user.id))
    invite.accepted_at = invite.accepted_at or utcnow()
    db.session.flush()
    return studio


def remove_member(studio: Studio, member_id: int) -> None:
    member = db.session.get(StudioMember, member_id)
    if member is None or member.studio_id != studio.id:
        raise ServiceError(_("No such member."))
    owners = [m for m in studio.members if m.role == StudioRole.OWNER]
    if member.role == StudioRole.OWNER and len(owners) == 1:
        raise ServiceError(_("A studio needs at least one owner."))
    db.session.delete(member)
    db.session.flush()
