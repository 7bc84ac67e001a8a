"""What the operator's account and studio pages list: searches and each one's essentials."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ...extensions import db
from ...models import Order, Studio, StudioMember, StudioRole, Title, User
from ..payments.orders import SETTLED_STATUSES

QUERY_MAX = 100


def search_text(raw: str | None) -> str:
    """A search box's text, trimmed to what a query may use."""
    return " ".join((raw or "").split())[:QUERY_MAX]


def users_query(q: str, *, suspended_only: bool = False) -> sa.Select:
    """Accounts whose address contains ``q`` (addresses are stored lower-case), newest first;
    only suspended ones when asked."""
    stmt = sa.select(User).order_by(User.id.desc())
    if q:
        stmt = stmt.where(User.email.contains(q.lower(), autoescape=True))
    if suspended_only:
        stmt = stmt.where(User.suspended_at.is_not(None))
    return stmt


def studios_query(q: str) -> sa.Select:
    """Studios whose name contains ``q``, whatever its case, by name."""
    stmt = sa.select(Studio).order_by(Studio.name, Studio.id)
    if q:
        stmt = stmt.where(sa.func.lower(Studio.name).contains(q.lower(), autoescape=True))
    return stmt


@dataclass(frozen=True)
class UserFacts:
    memberships: list[tuple[Studio, StudioRole]]
    orders: int
    paid_orders: int


def user_facts(user: User) -> UserFacts:
    memberships = db.session.execute(
        sa.select(Studio, StudioMember.role)
        .join(StudioMember, StudioMember.studio_id == Studio.id)
        .where(StudioMember.user_id == user.id)
        .order_by(Studio.name)
    ).all()
    counts = db.session.execute(
        sa.select(
            sa.func.count(Order.id),
            sa.func.count(Order.id).filter(Order.status.in_(SETTLED_STATUSES)),
        ).where(Order.user_id == user.id)
    ).one()
    return UserFacts(
        memberships=[(studio, role) for studio, role in memberships],
        orders=counts[0] or 0,
        paid_orders=counts[1] or 0,
    )


@dataclass(frozen=True)
class StudioFacts:
    members: list[tuple[User, StudioRole]]
    titles: list[Title]


def studio_facts(studio: Studio) -> StudioFacts:
    members = db.session.execute(
        sa.select(User, StudioMember.role)
        .join(StudioMember, StudioMember.user_id == User.id)
        .where(StudioMember.studio_id == studio.id)
        .order_by(User.email)
    ).all()
    titles = db.session.scalars(
        sa.select(Title).where(Title.studio_id == studio.id).order_by(Title.name, Title.id)
    ).all()
    return StudioFacts(members=[(u, r) for u, r in members], titles=list(titles))
