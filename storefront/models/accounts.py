"""People, studios and studio membership."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, TimestampMixin, str_enum, utcnow

# A deleted account's address: RFC 2606 reserves .invalid, so it is never a real mailbox.
DELETED_DOMAIN = "deleted.invalid"


class User(UserMixin, TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    display_name: Mapped[str] = mapped_column(sa.String(120), default="")
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    is_admin: Mapped[bool] = mapped_column(default=False)
    # False for a suspended or deleted account: it cannot sign in and its logins end.
    active: Mapped[bool] = mapped_column(default=True)
    # When an admin suspended it (None for a deleted account, which stays inactive for good).
    suspended_at: Mapped[datetime | None]
    # Set when the owner of the address followed a link mailed to it (at sign-up or after
    # changing it); invitations and studios need a verified address.
    email_verified_at: Mapped[datetime | None]
    # Changes whenever the password or email changes: invalidates reset and verification
    # links issued before the change, which makes reset links single-use.
    security_stamp: Mapped[str] = mapped_column(sa.String(32))
    last_login_at: Mapped[datetime | None]

    memberships: Mapped[list[StudioMember]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    # The login this request is authenticated by (set by the session loader, not stored).
    login_key = None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def get_id(self) -> str:
        # What the session and the remember-me cookie hold: the account and one login of it,
        # which logout, a password change or "sign out everywhere" revoke on the server.
        return f"{self.id}:{self.login_key}"


class UserLogin(Base):
    """One sign-in of an account (a browser): its session and remember-me cookie name it, and
    revoking the row ends both, copies included."""

    __tablename__ = "user_logins"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the secret the cookie carries: the table alone signs nobody in.
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    remember: Mapped[bool] = mapped_column(default=False)
    user_agent: Mapped[str] = mapped_column(sa.String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class StudioRole(enum.StrEnum):
    """What a member may do is decided in services/accounts/permissions.py (README table)."""

    OWNER = "owner"
    MANAGER = "manager"
    FINANCE = "finance"  # reads figures and orders, changes nothing


class Studio(TimestampMixin, Base):
    __tablename__ = "studios"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    country: Mapped[str] = mapped_column(sa.String(2))
    bio: Mapped[str] = mapped_column(sa.Text, default="")
    website: Mapped[str] = mapped_column(sa.String(255), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254))
    # Stripe Connect state, mirrored from account.updated webhooks.
    stripe_account_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    charges_enabled: Mapped[bool] = mapped_column(default=False)
    payouts_enabled: Mapped[bool] = mapped_column(default=False)
    details_submitted: Mapped[bool] = mapped_column(default=False)
    payment_requirements: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # Mail about sales to contact_email: "off", "each" (one per sale) or "daily" (a digest).
    sale_alerts: Mapped[str] = mapped_column(sa.String(10), default="off", server_default="off")
    # Where the studio counts its days (audience figures by day): an IANA zone name.
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC", server_default="UTC")

    members: Mapped[list[StudioMember]] = relationship(
        back_populates="studio", cascade="all, delete-orphan"
    )


class StudioMember(Base):
    __tablename__ = "studio_members"
    __table_args__ = (sa.UniqueConstraint("studio_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[StudioRole] = mapped_column(str_enum(StudioRole), default=StudioRole.MANAGER)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    studio: Mapped[Studio] = relationship(back_populates="members")
    user: Mapped[User] = relationship(back_populates="memberships")


class StudioInvite(Base):
    __tablename__ = "studio_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(sa.String(254))
    role: Mapped[StudioRole] = mapped_column(str_enum(StudioRole), default=StudioRole.MANAGER)
    invited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    studio: Mapped[Studio] = relationship()


class OutboxMessage(Base):
    """Every mail the store sends, kept so admins can read it (and the embedded mode can work)."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(255))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(sa.Text)


class AdminAction(Base):
    """One thing an admin (or an operator on the command line) did: who, what, when, to what
    and why. Rows are only added; the admin's audit page reads them."""

    __tablename__ = "admin_actions"
    __table_args__ = (sa.Index("ix_admin_actions_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    admin_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(40))  # e.g. "user.suspend"
    target_type: Mapped[str] = mapped_column(sa.String(20))  # "user", "studio" or "order"
    target_id: Mapped[int]
    detail: Mapped[str] = mapped_column(sa.Text, default="")  # the reason the admin gave
    # Set for an action run on the server's command line (no account): the login name it ran as.
    operator: Mapped[str | None] = mapped_column(sa.String(64))
    # What a change in a studio's pages changed: [{"record", "id", "field", "old", "new"}]
    # (see ``audit.changes_of``); None for actions that say it all in ``detail``.
    changes: Mapped[list[dict] | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    admin: Mapped[User | None] = relationship(foreign_keys=[admin_id])
