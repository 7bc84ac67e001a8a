"""Whether an entitlement lets its holder watch now, and if not, why: the one access rule.

Checkout ("you already have access"), the library (what can be watched) and playback all ask
`entitlement_refusal` / `best_entitlement`; nothing else reads an entitlement's status or
rental clock to decide access.

Studio preview: the members of the studio that owns a title (`may_preview`) watch it without
an entitlement, anywhere, at any time; such a stream is marked as a preview, is no sale and
takes no slot of the viewer's stream limit.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ...extensions import db
from ...models import (
    CLOCKED_KINDS,
    Entitlement,
    EntitlementStatus,
    OfferKind,
    OrderStatus,
    RightsHolder,
    Screener,
    StudioMember,
    Title,
    User,
)
from .. import ServiceError


class Refusal(enum.StrEnum):
    NOT_ENTITLED = "not_entitled"
    REFUNDED = "refunded"
    CHARGED_BACK = "charged_back"  # a dispute with the bank was lost
    SUSPENDED = "suspended"
    EXPIRED = "expired"
    START_BY_PASSED = "start_by_passed"
    NOT_OPEN = "not_open"  # a festival screening whose window (or live start) is still ahead
    SCREENING_CLOSED = "screening_closed"  # a festival ticket not started before it closed
    LIVE_ENDED = "live_ended"  # a live screening's film has ended for everyone
    BLOCKED = "blocked"
    STREAM_LIMIT = "stream_limit"
    NOT_READY = "not_ready"
    REMOVED = "removed"
    SESSION_ENDED = "session_ended"
    INVALID_LINK = "invalid_link"
    LINK_EXPIRED = "link_expired"
    NOT_RELEASED = "not_released"
    SCREENER_REVOKED = "screener_revoked"
    SCREENER_EXPIRED = "screener_expired"
    SCREENER_VIEWS_USED = "screener_views_used"
    SCREENER_ONE_STREAM = "screener_one_stream"


MESSAGES = {
    Refusal.NOT_ENTITLED: _l("You have not rented or bought this film."),
    # Said of rentals and purchases alike.
    Refusal.REFUNDED: _l("This order was refunded, so the film can no longer be watched."),
    Refusal.CHARGED_BACK: _l(
        "Your bank reversed this payment after a dispute, so the film can no longer be watched."
    ),
    Refusal.SUSPENDED: _l(
        "Playback is on hold while a dispute about this payment is open with your bank."
    ),
    Refusal.EXPIRED: _l("Your rental has expired. You can rent the film again."),
    Refusal.START_BY_PASSED: _l(
        "The time to start watching this rental has passed. You can rent the film again."
    ),
    Refusal.NOT_OPEN: _l("This screening has not started yet. Come back when it opens."),
    Refusal.SCREENING_CLOSED: _l(
        "This screening has closed: the ticket was for starting the film before then."
    ),
    Refusal.LIVE_ENDED: _l(
        "This live screening has ended: the film was shown to everyone at the same time."
    ),
    Refusal.BLOCKED: _l("This film cannot be watched in the country you are in now."),
    Refusal.NOT_READY: _l("This film is not ready to play yet. Please try again later."),
    Refusal.REMOVED: _l("This film is no longer on the store."),
    Refusal.SESSION_ENDED: _l("This playback has ended. Reload the page to keep watching."),
    Refusal.INVALID_LINK: _l("This playback link is not valid for your account."),
    Refusal.LINK_EXPIRED: _l("This playback link has expired. Reload the page to keep watching."),
    Refusal.NOT_RELEASED: _l(
        "You pre-ordered this film. You can watch it from its release; we will not start a "
        "rental's clock before then."
    ),
    Refusal.SCREENER_REVOKED: _l("The studio has withdrawn this screener."),
    Refusal.SCREENER_EXPIRED: _l("This screener has expired. Ask the studio for a new link."),
    Refusal.SCREENER_VIEWS_USED: _l(
        "This screener has been played as many times as it allows. Ask the studio for more."
    ),
    Refusal.SCREENER_ONE_STREAM: _l(
        "This screener is already playing on another screen. Stop it there to watch here; a "
        "stopped screen frees its place within a few minutes."
    ),
}
# Refusals after which buying or renting again is the way forward.
RENT_AGAIN = frozenset({Refusal.EXPIRED, Refusal.START_BY_PASSED, Refusal.NOT_ENTITLED})


class PlaybackRefused(ServiceError):
    # With NOT_OPEN: when the viewer's earliest waiting screening opens (its live start for a
    # live screening), so the page can say when and count down to it.
    opens_at: datetime | None = None

    def __init__(self, code: Refusal, **params: object) -> None:
        self.code = code
        if code == Refusal.STREAM_LIMIT:  # counted: "1 screen", "3 screens"
            self.message = ngettext(
                "You are already watching on %(num)d screen. Stop it to watch here; a stopped "
                "screen frees its place within a few minutes.",
                "You are already watching on %(num)d screens. Stop one of them to watch here; "
                "a stopped screen frees its place within a few minutes.",
                int(params["limit"]),  # type: ignore[call-overload]
            )
        else:
            self.message = str(MESSAGES[code]) % params if params else str(MESSAGES[code])
        super().__init__(self.message)


def opening_refusal(entitlement: Entitlement, at: datetime) -> Refusal | None:
    """Why this entitlement cannot be played *yet* at ``at``, or None: the one rule for
    "not before T", whether T is a pre-order's release or a festival screening's opening."""
    if entitlement.not_before is None or at >= entitlement.not_before:
        return None
    # Same rule, told in the words the viewer bought: a screening opens, a film is released.
    return Refusal.NOT_OPEN if entitlement.kind == OfferKind.TICKET else Refusal.NOT_RELEASED


def rental_refusal(entitlement: Entitlement, at: datetime) -> Refusal | None:
    """Why the clock forbids playing this entitlement at ``at``, or None.

    Rentals and festival tickets run on a clock: start by ``start_by`` (for a ticket, when the
    screening closes), then ``watch_hours``.
    """
    if entitlement.kind not in CLOCKED_KINDS:
        return None
    if entitlement.started_at is None:
        if entitlement.start_by is not None and at >= entitlement.start_by:
            # Same rule, told in the words the viewer bought: a screening closes.
            if entitlement.kind == OfferKind.TICKET:
                return Refusal.SCREENING_CLOSED
            return Refusal.START_BY_PASSED
        return None
    expires = rental_expiry(entitlement)
    if expires is not None and at >= expires:
        return Refusal.EXPIRED
    return None


def rental_expiry(entitlement: Entitlement) -> datetime | None:
    if entitlement.expires_at is not None:
        return entitlement.expires_at
    if entitlement.started_at is not None and entitlement.watch_hours:
        return entitlement.started_at + timedelta(hours=entitlement.watch_hours)
    return None


def entitlement_refusal(entitlement: Entitlement, at: datetime) -> Refusal | None:
    if entitlement.status == EntitlementStatus.REVOKED:
        # Revoked either by a refund or by a chargeback the store lost: say which.
        if entitlement.order.status == OrderStatus.DISPUTED:
            return Refusal.CHARGED_BACK
        return Refusal.REFUNDED
    if entitlement.status == EntitlementStatus.SUSPENDED:
        return Refusal.SUSPENDED
    return opening_refusal(entitlement, at) or rental_refusal(entitlement, at)


# Which refusal to report when several entitlements are unusable (most telling first).
_REFUSAL_ORDER = [
    Refusal.NOT_RELEASED,
    Refusal.SUSPENDED,
    Refusal.NOT_OPEN,
    Refusal.EXPIRED,
    Refusal.START_BY_PASSED,
    Refusal.SCREENING_CLOSED,
    Refusal.REFUNDED,
    Refusal.CHARGED_BACK,
]


def usable_entitlement(
    user_id: int, title_id: int, at: datetime, kinds: Collection[OfferKind] | None = None
) -> Entitlement:
    """The viewer's best entitlement to play now (a purchase, then a running rental, then
    an unstarted one), or PlaybackRefused saying why none is usable. ``kinds``: only these."""
    query = sa.select(Entitlement).where(
        Entitlement.user_id == user_id, Entitlement.title_id == title_id
    )
    if kinds is not None:
        query = query.where(Entitlement.kind.in_(list(kinds)))
    entitlements = db.session.scalars(
        query.order_by(Entitlement.granted_at.desc(), Entitlement.id.desc())
    ).all()
    usable = [e for e in entitlements if entitlement_refusal(e, at) is None]
    if usable:
        return min(
            usable,
            key=lambda e: (e.kind != OfferKind.BUY, e.started_at is None),
        )
    refusals = {e: entitlement_refusal(e, at) for e in entitlements}
    for code in _REFUSAL_ORDER:
        if code in refusals.values():
            refused = PlaybackRefused(code)
            if code == Refusal.NOT_OPEN:
                refused.opens_at = min(
                    e.not_before for e, r in refusals.items() if r == code and e.not_before
                )
            raise refused
    raise PlaybackRefused(Refusal.NOT_ENTITLED)


def gives_access(entitlement: Entitlement, at: datetime) -> bool:
    """Whether an entitlement lets its holder watch at ``at``."""
    return entitlement_refusal(entitlement, at) is None


def best_entitlement(
    user_id: int, title_id: int, at: datetime, kinds: Collection[OfferKind] | None = None
) -> Entitlement | None:
    """The viewer's entitlement that lets them watch the title now, or None."""
    try:
        return usable_entitlement(user_id, title_id, at, kinds)
    except PlaybackRefused:
        return None


def awaiting_release(user_id: int, title_id: int, at: datetime) -> Entitlement | None:
    """A pre-order of the viewer's that opens at the title's release, still to come."""
    return db.session.scalar(
        sa.select(Entitlement)
        .where(
            Entitlement.user_id == user_id,
            Entitlement.title_id == title_id,
            Entitlement.status == EntitlementStatus.ACTIVE,
            Entitlement.kind != OfferKind.TICKET,  # a ticket waits for its screening
            Entitlement.not_before > at,
        )
        .order_by(Entitlement.kind.asc())  # "buy" before "rent": a purchase first
        .limit(1)
    )


def screener_refusal(screener: Screener, at: datetime) -> Refusal | None:
    """Why a screener link cannot play at ``at`` (withdrawn, expired), or None. Territory,
    views and the one-stream rule are checked when a stream starts."""
    if screener.revoked_at is not None:
        return Refusal.SCREENER_REVOKED
    if at >= screener.expires_at:
        return Refusal.SCREENER_EXPIRED
    return None


def may_preview(user: User, title: Title) -> bool:
    """Whether ``user`` watches ``title`` as its studio does: a member (any role) of the
    owning studio or of a studio holding rights in it (accepted, not revoked)."""
    if not getattr(user, "is_authenticated", False) or user.id is None:
        return False
    holding_studios = sa.select(RightsHolder.studio_id).where(
        RightsHolder.title_id == title.id,
        RightsHolder.accepted_at.is_not(None),
        RightsHolder.revoked_at.is_(None),
        RightsHolder.studio_id.is_not(None),
    )
    return (
        db.session.scalar(
            sa.select(StudioMember.id)
            .where(
                StudioMember.user_id == user.id,
                sa.or_(
                    StudioMember.studio_id == title.studio_id,
                    StudioMember.studio_id.in_(holding_studios),
                ),
            )
            .limit(1)
        )
        is not None
    )
