"""Who may do what in a studio: one table, asked by every studio page (README lists it).

Roles: the **owner** runs the studio (profile, members, payouts, refunds, deleting titles);
a **manager** runs the catalogue (titles, media, offers, publishing) and reads the figures;
**finance** reads the catalogue, orders and revenue and changes nothing. Admins may do
everything. People outside the studio get 404 from its pages, members lacking a right 403.
"""

from __future__ import annotations

import enum

from ...extensions import db
from ...models import Studio, StudioMember, StudioRole, User


class Action(enum.StrEnum):
    VIEW = "view"  # the studio's pages: overview, titles, media and offers, read only
    EDIT_CATALOGUE = "edit_catalogue"  # titles, uploads, images, subtitles, offers, status
    DELETE_TITLE = "delete_title"
    VIEW_SALES = "view_sales"  # orders, revenue, exports, statements, payout status
    REFUND = "refund"
    MANAGE_PAYMENTS = "manage_payments"  # connect the studio's Stripe account
    EDIT_PROFILE = "edit_profile"
    MANAGE_MEMBERS = "manage_members"  # invite, remove, change roles


OWNER, MANAGER, FINANCE = StudioRole.OWNER, StudioRole.MANAGER, StudioRole.FINANCE
PERMISSIONS: dict[Action, frozenset[StudioRole]] = {
    Action.VIEW: frozenset({OWNER, MANAGER, FINANCE}),
    Action.EDIT_CATALOGUE: frozenset({OWNER, MANAGER}),
    Action.DELETE_TITLE: frozenset({OWNER}),
    Action.VIEW_SALES: frozenset({OWNER, MANAGER, FINANCE}),
    Action.REFUND: frozenset({OWNER}),
    Action.MANAGE_PAYMENTS: frozenset({OWNER}),
    Action.EDIT_PROFILE: frozenset({OWNER}),
    Action.MANAGE_MEMBERS: frozenset({OWNER}),
}


def membership(user: User, studio: Studio) -> StudioMember | None:
    if not user.is_authenticated:
        return None
    return db.session.scalar(
        db.select(StudioMember).filter_by(studio_id=studio.id, user_id=user.id)
    )


def is_member(user: User, studio: Studio) -> bool:
    """Members see the studio's pages at all (admins too); anyone else is told nothing."""
    return bool(user.is_authenticated and (user.is_admin or membership(user, studio)))


def may(user: User, studio: Studio, action: Action | str) -> bool:
    """Whether ``user`` may do ``action`` in ``studio``."""
    if not user.is_authenticated:
        return False
    if user.is_admin:
        return True
    member = membership(user, studio)
    return member is not None and member.role in PERMISSIONS[Action(action)]
