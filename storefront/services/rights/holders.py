"""Rights holders: the owning studio invites other studios to hold one of its titles.

The invitation goes to an email address; the person it was sent to (confirmed address) picks
one of the studios they own, or creates one first, and accepts. A holder is not a member of
the owner's studio: it sees only its own share of the titles it holds (see ``statements``).
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ...extensions import db
from ...models import RightsHolder, Studio, StudioMember, StudioRole, Title, User, utcnow
from ...public_urls import public_url_for
from .. import ServiceError
from ..accounts.mail import send_mail
from ..accounts.studios import INVITE_WINDOW
from ..accounts.users import normalise_email
from . import splits

log = logging.getLogger(__name__)
INVITE_MAX_AGE = 30 * 24 * 3600
INVITES_PER_TITLE_PER_DAY = 20


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="rights-holder-invite")


def holder_rows(title: Title) -> list[RightsHolder]:
    """Invitations and accepted holders of a title (not revoked), oldest first."""
    return list(
        db.session.scalars(
            sa.select(RightsHolder)
            .where(RightsHolder.title_id == title.id, RightsHolder.revoked_at.is_(None))
            .order_by(RightsHolder.id)
        )
    )


def holders_of(title: Title) -> list[Studio]:
    """The studios holding the title: its owner first, then accepted holders."""
    owner = db.session.get(Studio, title.studio_id)
    others = [r.studio for r in holder_rows(title) if r.studio is not None and r.accepted_at]
    return [owner, *[s for s in others if s.id != title.studio_id]]  # type: ignore[list-item]


def holds(studio: Studio, title_id: int) -> bool:
    """Whether ``studio`` holds the title as an accepted rights holder (not as its owner)."""
    return (
        db.session.scalar(
            sa.select(RightsHolder.id).where(
                RightsHolder.title_id == title_id,
                RightsHolder.studio_id == studio.id,
                RightsHolder.accepted_at.is_not(None),
                RightsHolder.revoked_at.is_(None),
            )
        )
        is not None
    )


def invite_holder(title: Title, inviter: User, email: str) -> RightsHolder:
    """Invite the studio behind ``email`` to hold ``title``; mails a link that works 30 days."""
    email = normalise_email(email)
    if not inviter.email_verified:
        raise ServiceError(_("Confirm your own email address before inviting anyone."))
    since = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    sent = db.session.scalar(
        sa.select(sa.func.count(RightsHolder.id)).where(
            RightsHolder.title_id == title.id, RightsHolder.created_at >= since
        )
    )
    if (sent or 0) >= INVITES_PER_TITLE_PER_DAY:
        raise ServiceError(_("Too many invitations for this film today; try again tomorrow."))
    # Films cost nothing to add: the sender's own daily limit, as for member invitations.
    by_sender = db.session.scalar(
        sa.select(sa.func.count(RightsHolder.id)).where(
            RightsHolder.invited_by_id == inviter.id,
            RightsHolder.created_at >= utcnow() - INVITE_WINDOW,
        )
    )
    if (by_sender or 0) >= current_app.config["INVITES_PER_ACCOUNT_DAY"]:
        raise ServiceError(_("You have sent as many invitations as allowed today. Try tomorrow."))
    if any(r.email == email and r.accepted_at is None for r in holder_rows(title)):
        raise ServiceError(
            _(
                "An invitation to %(email)s is waiting for an answer. To send a new link, "
                "withdraw it first.",
                email=email,
            )
        )
    row = RightsHolder(title_id=title.id, email=email, invited_by_id=inviter.id)
    db.session.add(row)
    db.session.flush()
    link = public_url_for("rights.accept_invite", token=_serializer().dumps(row.id))
    site = current_app.config["SITE_NAME"]
    send_mail(
        email,
        lambda: (
            _("Invitation to hold a film's rights on %(site)s", site=site),
            _(
                "A studio on %(site)s invites your studio to hold rights in one of its films, "
                "and to be paid your share of its sales.\n\n"
                "To accept, log in or sign up with this email address, confirm the address, "
                "then open this link, choose or create your studio and accept (it works for "
                "30 days):\n%(link)s\n\n"
                "If you did not expect this, ignore this message: nothing happens.\n\n"
                "Studio: %(studio)s\n"
                "Film: %(title)s",
                site=site,
                link=link,
                studio=title.studio.name[:80],
                title=title.name[:80],
            ),
        ),
        studio_id=title.studio_id,  # the studio's daily mail limit
    )
    log.info("Title %s: rights holder invitation %s sent", title.id, row.id)
    return row


def invitation(token: str) -> RightsHolder:
    """The invitation a link names, or ServiceError when it is not valid any more."""
    invalid = _("This invitation is not valid or has expired.")
    try:
        row_id = _serializer().loads(token, max_age=INVITE_MAX_AGE)
    except BadSignature as exc:
        raise ServiceError(invalid) from exc
    row = db.session.get(RightsHolder, row_id)
    if row is None or row.revoked_at is not None:
        raise ServiceError(invalid)
    return row


def studios_owned_by(user: User) -> list[Studio]:
    return list(
        db.session.scalars(
            sa.select(Studio)
            .join(StudioMember, StudioMember.studio_id == Studio.id)
            .where(StudioMember.user_id == user.id, StudioMember.role == StudioRole.OWNER)
            .order_by(Studio.name)
        )
    )


def check_invitee(row: RightsHolder, user: User) -> None:
    """ServiceError unless ``user`` may answer the invitation: the confirmed address it was
    sent to."""
    if row.email != user.email:
        raise ServiceError(
            _(
                "This invitation was sent to another email address. Log in with the "
                "address it was sent to."
            )
        )
    if not user.email_verified:
        raise ServiceError(_("Confirm your email address first, then come back."))


def accept_invite(token: str, user: User, studio_id: int) -> RightsHolder:
    """``user`` accepts for one of the studios they own."""
    row = invitation(token)
    check_invitee(row, user)
    studio = next((s for s in studios_owned_by(user) if s.id == studio_id), None)
    if studio is None:
        raise ServiceError(_("Choose one of the studios you own."))
    if row.accepted_at is not None:
        if row.studio_id == studio.id:
            return row
        raise ServiceError(_("This invitation has already been used."))
    title = db.session.get(Title, row.title_id)
    if title is None or title.studio_id == studio.id:
        raise ServiceError(_("The film's own studio already holds it."))
    if holds(studio, row.title_id):
        raise ServiceError(_("%(studio)s already holds this film.", studio=studio.name))
    earlier = db.session.scalar(
        sa.select(RightsHolder).where(
            RightsHolder.title_id == row.title_id, RightsHolder.studio_id == studio.id
        )
    )
    if earlier is not None:
        # A studio revoked before holds the film again on its own row (one per film and
        # studio); this invitation is used up.
        earlier.email, earlier.invited_by_id = row.email, row.invited_by_id
        earlier.revoked_at = None
        db.session.delete(row)
        row = earlier
    row.studio_id = studio.id
    row.accepted_at = utcnow()
    db.session.flush()
    log.info("Studio %s now holds title %s", studio.slug, row.title_id)
    return row


def holder_row(title: Title, row_id: int) -> RightsHolder | None:
    """One holder or invitation of ``title`` that is still in force, or None."""
    row = db.session.get(RightsHolder, row_id)
    if row is None or row.title_id != title.id or row.revoked_at is not None:
        return None
    return row


def revoke_holder(title: Title, row: RightsHolder, by: User) -> int:
    """The owner ends a holder's rights in ``title`` (or withdraws an unanswered invitation).

    Future sales no longer pay it: its percentages pass to the owner, so the title never stops
    selling and the owner can re-divide them at once. Nothing already earned changes: orders
    placed before keep the split snapshotted on them (their transfers, refunds and disputes
    still involve the holder), and its statement keeps every row. Returns the rules changed.
    """
    if row.title_id != title.id or row.revoked_at is not None:
        raise ServiceError(_("This rights holder no longer holds the film."))
    row.revoked_at = utcnow()
    changed = splits.pass_shares_to_owner(title, row.studio_id) if row.studio_id else 0
    db.session.flush()
    log.info("Title %s: rights holder %s revoked by user %s", title.id, row.id, by.id)
    return changed


def held_titles(studio: Studio) -> list[Title]:
    """Titles ``studio`` holds as a rights holder (not the ones it owns)."""
    return list(
        db.session.scalars(
            sa.select(Title)
            .join(RightsHolder, RightsHolder.title_id == Title.id)
            .where(
                RightsHolder.studio_id == studio.id,
                RightsHolder.accepted_at.is_not(None),
                RightsHolder.revoked_at.is_(None),
            )
            .order_by(Title.name)
        )
    )
