"""Reaching audiences: queued mails (one per event), playback heartbeats for studio analytics,
and buyers' consent to share their address with the filmmaker."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, str_enum, utcnow


class NotificationStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for the mail job (or for a retry after a temporary error)
    SENT = "sent"
    FAILED = "failed"  # permanent SMTP refusal, or out of attempts
    SUPPRESSED = "suppressed"  # over the account's or studio's sending limit


class Notification(Base):
    """One mail for one event. ``key`` is unique: an event queued twice is mailed once."""

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_studio_created", "studio_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    event: Mapped[str] = mapped_column(sa.String(40))
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    studio_id: Mapped[int | None] = mapped_column(sa.ForeignKey("studios.id", ondelete="SET NULL"))
    to: Mapped[str] = mapped_column(sa.String(254), index=True)
    locale: Mapped[str] = mapped_column(sa.String(10))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    context: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    status: Mapped[NotificationStatus] = mapped_column(
        str_enum(NotificationStatus), default=NotificationStatus.QUEUED, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None]


class PlaybackHeartbeat(Base):
    """One heartbeat of a stream: where the viewer was and when. Studios see these only
    aggregated (services/watching/analytics.py), never per viewer."""

    __tablename__ = "playback_heartbeats"
    __table_args__ = (sa.Index("ix_playback_heartbeats_title_at", "title_id", "at"),)

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True
    )
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("playback_sessions.id", ondelete="CASCADE"), index=True
    )
    title_id: Mapped[int] = mapped_column(sa.ForeignKey("titles.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    country: Mapped[str | None] = mapped_column(sa.String(2))
    position_seconds: Mapped[int]
    duration_seconds: Mapped[int | None]
    at: Mapped[datetime]


class BuyerConsent(Base):
    """A buyer agreed, at checkout, that the filmmaker may have their address."""

    __tablename__ = "buyer_consents"
    __table_args__ = (sa.UniqueConstraint("user_id", "title_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    title_id: Mapped[int] = mapped_column(
        sa.ForeignKey("titles.id", ondelete="CASCADE"), index=True
    )
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("orders.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlaySummary(Base):
    """One play (a playback session) summed up from its heartbeats as they arrive, so that a
    studio's analytics read one row per play instead of every heartbeat."""

    __tablename__ = "play_summaries"
    __table_args__ = (sa.Index("ix_play_summaries_title_started", "title_id", "started_at"),)

    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("playback_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    title_id: Mapped[int] = mapped_column(sa.ForeignKey("titles.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    country: Mapped[str | None] = mapped_column(sa.String(2))
    started_at: Mapped[datetime]
    last_at: Mapped[datetime]
    duration_seconds: Mapped[int | None]
    last_position: Mapped[int] = mapped_column(default=0)
    max_position: Mapped[int] = mapped_column(default=0)
    watched_seconds: Mapped[int] = mapped_column(default=0)
