"""Selling tools: promotions and their codes, and each use of a code."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, str_enum, utcnow
from .commerce import OfferKind, TerritoryMode


class DiscountType(enum.StrEnum):
    PERCENT = "percent"  # percent_off of the price; 100 is a comp
    FIXED = "fixed"  # an amount off per currency (fixed_amounts: {"EUR": 200})


promotion_titles = sa.Table(
    "promotion_titles",
    Base.metadata,
    sa.Column("promotion_id", sa.ForeignKey("promotions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("title_id", sa.ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True),
)


class Promotion(Base):
    """What a studio's codes give, to whom, where and when. Its codes share these terms."""

    __tablename__ = "promotions"
    __table_args__ = (
        sa.CheckConstraint(
            "percent_off IS NULL OR (percent_off > 0 AND percent_off <= 100)",
            name="percent_range",
        ),
        sa.CheckConstraint("max_uses IS NULL OR max_uses > 0", name="max_uses_positive"),
        sa.CheckConstraint(
            "per_viewer_limit IS NULL OR per_viewer_limit > 0", name="per_viewer_positive"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(
        sa.ForeignKey("studios.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    discount_type: Mapped[DiscountType] = mapped_column(str_enum(DiscountType))
    percent_off: Mapped[int | None]
    fixed_amounts: Mapped[dict[str, int]] = mapped_column(sa.JSON, default=dict)
    kind: Mapped[OfferKind | None] = mapped_column(str_enum(OfferKind))  # None: rent and buy
    all_titles: Mapped[bool] = mapped_column(default=True)
    territory_mode: Mapped[TerritoryMode] = mapped_column(
        str_enum(TerritoryMode), default=TerritoryMode.WORLDWIDE
    )
    countries: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    max_uses: Mapped[int | None]  # every code together
    per_viewer_limit: Mapped[int | None] = mapped_column(default=1)
    batch: Mapped[bool] = mapped_column(default=False)  # unique single-use codes
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    codes: Mapped[list[PromoCode]] = relationship(
        back_populates="promotion", cascade="all, delete-orphan", order_by="PromoCode.id"
    )
    titles = relationship("Title", secondary=promotion_titles, order_by="Title.name")

    @property
    def is_comp(self) -> bool:
        return self.discount_type == DiscountType.PERCENT and self.percent_off == 100


class PromoCode(Base):
    """One code a viewer types; unique within its studio (stored upper-case)."""

    __tablename__ = "promo_codes"
    __table_args__ = (sa.UniqueConstraint("studio_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    promotion_id: Mapped[int] = mapped_column(
        sa.ForeignKey("promotions.id", ondelete="CASCADE"), index=True
    )
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(sa.String(40))
    max_uses: Mapped[int | None]  # batch codes: 1
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    promotion: Mapped[Promotion] = relationship(back_populates="codes")


class RedemptionStatus(enum.StrEnum):
    RESERVED = "reserved"  # a checkout holds the use until it is paid or abandoned
    REDEEMED = "redeemed"  # paid (or a comp granted)
    RELEASED = "released"  # the checkout failed or expired: the use is free again


class PromoRedemption(Base):
    """One order's use of a code. Reserved and redeemed rows count against the limits."""

    __tablename__ = "promo_redemptions"
    __table_args__ = (sa.Index("ix_promo_redemptions_promotion_user", "promotion_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    promotion_id: Mapped[int] = mapped_column(sa.ForeignKey("promotions.id", ondelete="CASCADE"))
    code_id: Mapped[int] = mapped_column(
        sa.ForeignKey("promo_codes.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("orders.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[RedemptionStatus] = mapped_column(
        str_enum(RedemptionStatus), default=RedemptionStatus.RESERVED
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    redeemed_at: Mapped[datetime | None]


class Screener(Base):
    """A personal link to watch one title: for a named critic, programmer or juror, with an
    expiry, a view limit and one stream at a time; the link's token is stored only hashed."""

    __tablename__ = "screeners"
    __table_args__ = (
        sa.CheckConstraint("max_views > 0", name="max_views_positive"),
        sa.Index("ix_screeners_studio_created", "studio_id", "created_at"),
        sa.Index("ix_screeners_sent_by_created", "sent_by_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"))
    title_id: Mapped[int] = mapped_column(sa.ForeignKey("titles.id", ondelete="CASCADE"))
    recipient_name: Mapped[str] = mapped_column(sa.String(120))
    recipient_email: Mapped[str] = mapped_column(sa.String(254))
    note: Mapped[str] = mapped_column(sa.String(200), default="")  # "press", "juror, Berlinale"
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # The account that sent it: its screeners a day are limited across all its studios.
    # (Accounts are anonymised, never deleted, so the row keeps pointing at one.)
    sent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    max_views: Mapped[int] = mapped_column(default=3)
    views: Mapped[int] = mapped_column(default=0)
    territory_mode: Mapped[TerritoryMode] = mapped_column(
        str_enum(TerritoryMode), default=TerritoryMode.WORLDWIDE
    )
    countries: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    opened_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    furthest_seconds: Mapped[int] = mapped_column(default=0)
    duration_seconds: Mapped[int | None]

    title = relationship("Title")


class ScreenerStream(Base):
    """One playback of a screener (one at a time): its heartbeat and its segment links."""

    __tablename__ = "screener_streams"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    screener_id: Mapped[int] = mapped_column(
        sa.ForeignKey("screeners.id", ondelete="CASCADE"), index=True
    )
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    links_until: Mapped[datetime | None]
