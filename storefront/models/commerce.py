"""Offers (what is sold where, when, at which price), orders, entitlements and webhook events."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .accounts import User
from .base import Base, TimestampMixin, str_enum, utcnow
from .catalog import Title


class OfferKind(enum.StrEnum):
    """What an order sells. Offers are only RENT or BUY; festivals sell TICKET and PASS."""

    RENT = "rent"
    BUY = "buy"
    TICKET = "ticket"  # one screening of a festival
    PASS = "pass"  # noqa: S105  # a festival pass: screenings booked later, no title
    BUNDLE = "bundle"  # several titles of one studio at one price, each bought for good


# Kinds whose entitlements run on a clock: start by a deadline, then a number of hours.
CLOCKED_KINDS = frozenset({OfferKind.RENT, OfferKind.TICKET})


class TerritoryMode(enum.StrEnum):
    WORLDWIDE = "worldwide"  # every country, except territory rows marked blocked
    ALLOW = "allow"  # only the countries with a territory row that is not blocked
    DENY = "deny"  # every country except the blocked rows (the form's "worldwide except")


class Offer(TimestampMixin, Base):
    """A title's rent or buy offer: default price and window, and which territories it covers."""

    __tablename__ = "offers"
    __table_args__ = (
        sa.UniqueConstraint("title_id", "kind"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(sa.ForeignKey("titles.id", ondelete="CASCADE"))
    kind: Mapped[OfferKind] = mapped_column(str_enum(OfferKind))
    territory_mode: Mapped[TerritoryMode] = mapped_column(
        str_enum(TerritoryMode), default=TerritoryMode.WORLDWIDE
    )
    amount: Mapped[int] = mapped_column(sa.BigInteger)  # minor units of `currency`
    currency: Mapped[str] = mapped_column(sa.String(3))
    available_from: Mapped[datetime | None]
    available_until: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    # Pay what you want: `amount` is the suggested price, `minimum_amount` the floor.
    pay_what_you_want: Mapped[bool] = mapped_column(default=False)
    minimum_amount: Mapped[int | None] = mapped_column(sa.BigInteger)

    title: Mapped[Title] = relationship()
    territories: Mapped[list[OfferTerritory]] = relationship(
        back_populates="offer", cascade="all, delete-orphan", order_by="OfferTerritory.country"
    )


class OfferTerritory(Base):
    """One country's rule within an offer: listed, blocked, or priced/windowed differently."""

    __tablename__ = "offer_territories"
    __table_args__ = (
        sa.UniqueConstraint("offer_id", "country"),
        sa.CheckConstraint("amount IS NULL OR amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("offers.id", ondelete="CASCADE"))
    country: Mapped[str] = mapped_column(sa.String(2))
    blocked: Mapped[bool] = mapped_column(default=False)
    amount: Mapped[int | None] = mapped_column(sa.BigInteger)
    currency: Mapped[str | None] = mapped_column(sa.String(3))
    available_from: Mapped[datetime | None]
    available_until: Mapped[datetime | None]
    minimum_amount: Mapped[int | None] = mapped_column(sa.BigInteger)  # this country's floor

    offer: Mapped[Offer] = relationship(back_populates="territories")


class OrderStatus(enum.StrEnum):
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"
    EXPIRED = "expired"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"
    DISPUTED = "disputed"
    FLAGGED = "flagged"  # paid amount or currency did not match: held for an admin


class Order(TimestampMixin, Base):
    """A viewer's purchase, with a snapshot that survives changes to the title or offer."""

    __tablename__ = "orders"
    __table_args__ = (
        # Zero only for comps (a 100 % code): no processor is involved.
        sa.CheckConstraint("amount >= 0", name="amount_not_negative"),
        sa.CheckConstraint("amount_refunded >= 0", name="refunded_not_negative"),
        sa.Index("ix_orders_user_title", "user_id", "title_id"),
        # At most one open checkout per viewer, title and kind (two tabs, one payment).
        sa.Index(
            "uq_orders_open_checkout",
            "user_id",
            "title_id",
            "kind",
            unique=True,
            postgresql_where=sa.text("status = 'pending'"),
            sqlite_where=sa.text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    title_id: Mapped[int | None] = mapped_column(sa.ForeignKey("titles.id", ondelete="SET NULL"))
    studio_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("studios.id", ondelete="SET NULL"), index=True
    )
    offer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("offers.id", ondelete="SET NULL"))
    kind: Mapped[OfferKind] = mapped_column(str_enum(OfferKind))
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    country: Mapped[str | None] = mapped_column(sa.String(2))
    # The buyer's country of residence as the payment tells it (the card's billing country),
    # else the country at purchase: what EU cross-border portability goes by.
    home_country: Mapped[str | None] = mapped_column(sa.String(2))
    title_name: Mapped[str] = mapped_column(sa.String(200))
    studio_name: Mapped[str] = mapped_column(sa.String(120))
    rental_start_days: Mapped[int | None]
    rental_watch_hours: Mapped[int | None]
    status: Mapped[OrderStatus] = mapped_column(
        str_enum(OrderStatus), default=OrderStatus.PENDING, index=True
    )
    provider: Mapped[str] = mapped_column(sa.String(20))  # "stripe" or "offline"
    checkout_session_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    payment_intent_id: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    charge_id: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    destination_account_id: Mapped[str | None] = mapped_column(sa.String(64))
    application_fee_amount: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    amount_refunded: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    paid_at: Mapped[datetime | None]
    flag_reason: Mapped[str | None] = mapped_column(sa.Text)
    # A festival ticket whose payment is held for an admin (flagged) still holds its seat; the
    # one place that gives it back clears this, so the seat goes back exactly once.
    seat_held_for_review: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # An open inquiry from the buyer's bank (a question before any chargeback: no money has
    # moved): when it was opened and when the answer is due. Cleared when it closes or escalates.
    inquiry_opened_at: Mapped[datetime | None]
    inquiry_due_at: Mapped[datetime | None]
    # A code's effect: `amount` is what is charged, `list_amount` the price before it.
    list_amount: Mapped[int | None] = mapped_column(sa.BigInteger)
    discount_amount: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    promo_code_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("promo_codes.id", ondelete="SET NULL"), index=True
    )
    promo_code: Mapped[str | None] = mapped_column(sa.String(40))  # snapshot for reports
    # A pre-order: paid now, watchable from `release_at`.
    preorder: Mapped[bool] = mapped_column(default=False)
    release_at: Mapped[datetime | None]
    # Festival sales: the festival, the screening (tickets) or pass sold, and the festival's
    # share of the net agreed for this title, in basis points, as it was when the order began.
    festival_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("festivals.id", ondelete="SET NULL"), index=True
    )
    screening_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("screenings.id", ondelete="SET NULL"), index=True
    )
    pass_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("festival_passes.id", ondelete="SET NULL")
    )
    festival_share_bp: Mapped[int | None]
    bundle_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bundles.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship()
    title: Mapped[Title | None] = relationship()


class EntitlementStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # a dispute is open
    REVOKED = "revoked"  # refunded or dispute lost


class Entitlement(TimestampMixin, Base):
    """The right to watch a title that a paid order grants: exactly one per order and title,
    and for a festival pass one per screening booked with it."""

    __tablename__ = "entitlements"
    __table_args__ = (
        sa.Index("ix_entitlements_user_title", "user_id", "title_id"),
        sa.Index(
            "uq_entitlements_order_title",
            "order_id",
            "title_id",
            unique=True,
            sqlite_where=sa.text("screening_id IS NULL"),
            postgresql_where=sa.text("screening_id IS NULL"),
        ),
        sa.UniqueConstraint("order_id", "screening_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    title_id: Mapped[int | None] = mapped_column(sa.ForeignKey("titles.id", ondelete="SET NULL"))
    kind: Mapped[OfferKind] = mapped_column(str_enum(OfferKind))
    status: Mapped[EntitlementStatus] = mapped_column(
        str_enum(EntitlementStatus), default=EntitlementStatus.ACTIVE
    )
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    start_by: Mapped[datetime | None]  # rentals: last moment to press play
    watch_hours: Mapped[int | None]  # rentals: hours to finish once started
    started_at: Mapped[datetime | None]  # rentals: first play, set on the server
    expires_at: Mapped[datetime | None]  # rentals: started_at + watch_hours
    # Not playable before this moment: a pre-order's release, a festival ticket's window (or
    # live start). One column, one rule (`access.opening_refusal`).
    not_before: Mapped[datetime | None]
    # Festival tickets: the screening booked.
    screening_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("screenings.id", ondelete="SET NULL"), index=True
    )
    live_start_at: Mapped[datetime | None]
    # Festival tickets: the country the ticket was bought or booked in; it keeps playing there
    # should the organiser narrow the screening's territories later.
    country: Mapped[str | None] = mapped_column(sa.String(2))

    order: Mapped[Order] = relationship()
    title: Mapped[Title | None] = relationship()


class WebhookEvent(Base):
    """Every payment event received, stored once by its provider id."""

    __tablename__ = "webhook_events"

    id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(100))
    provider: Mapped[str] = mapped_column(sa.String(20))
    payload: Mapped[dict[str, object]] = mapped_column(sa.JSON)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Indexed: events still waiting (NULL) are looked up after every payment and periodically.
    processed_at: Mapped[datetime | None] = mapped_column(index=True)
    outcome: Mapped[str | None] = mapped_column(sa.String(255))


class PlaybackSession(Base):
    """An open stream, for the concurrent-stream limit and for revoking access within minutes."""

    __tablename__ = "playback_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    title_id: Mapped[int] = mapped_column(sa.ForeignKey("titles.id", ondelete="CASCADE"))
    # None for a studio's preview, which needs no purchase and takes no viewer's slot.
    entitlement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("entitlements.id"))
    preview: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    # Until when segment links handed to this stream stay valid: it holds its slot until then.
    links_until: Mapped[datetime | None]


class WatchProgress(Base):
    """Where a viewer stopped in a title, to continue watching."""

    __tablename__ = "watch_progress"
    __table_args__ = (sa.UniqueConstraint("user_id", "title_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    title_id: Mapped[int] = mapped_column(sa.ForeignKey("titles.id", ondelete="CASCADE"))
    position_seconds: Mapped[int] = mapped_column(default=0)
    duration_seconds: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
