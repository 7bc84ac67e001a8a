"""Co-productions: rights holders of a title, split rules, the split snapshotted on each order,
and each holder's payouts (the holder-side ledger of transfers, reversals and amounts owed)."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .accounts import Studio
from .base import Base, str_enum, utcnow
from .commerce import OfferKind, TerritoryMode


class RightsHolder(Base):
    """A studio invited to hold a title with its owning studio (the owner is implicit).

    ``studio_id`` is empty until the invited person accepts with one of their studios.
    """

    __tablename__ = "rights_holders"
    __table_args__ = (sa.UniqueConstraint("title_id", "studio_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(
        sa.ForeignKey("titles.id", ondelete="CASCADE"), index=True
    )
    studio_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("studios.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(sa.String(254))
    invited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    studio: Mapped[Studio | None] = relationship()


class SplitRule(Base):
    """For a territory set and rent, buy or both (``kind`` empty), each holder's percentage.

    Rules add up: for a country and kind, a holder's share is the sum of its percentages in
    every rule that covers them, and the total must be exactly 100 % wherever the title is
    offered. ``countries`` holds ISO codes (region groups are expanded when saved).
    """

    __tablename__ = "split_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(
        sa.ForeignKey("titles.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    territory_mode: Mapped[TerritoryMode] = mapped_column(str_enum(TerritoryMode))
    countries: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    kind: Mapped[OfferKind | None] = mapped_column(str_enum(OfferKind))

    shares: Mapped[list[SplitShare]] = relationship(
        back_populates="rule", cascade="all, delete-orphan", order_by="SplitShare.studio_id"
    )


class SplitShare(Base):
    """One holder's percentage in a rule, in basis points (100.00 % = 10000)."""

    __tablename__ = "split_shares"
    __table_args__ = (
        sa.UniqueConstraint("rule_id", "studio_id"),
        sa.CheckConstraint("basis_points >= 0 AND basis_points <= 10000", name="bp_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(sa.ForeignKey("split_rules.id", ondelete="CASCADE"))
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id", ondelete="CASCADE"))
    basis_points: Mapped[int]

    rule: Mapped[SplitRule] = relationship(back_populates="shares")


class OrderSplit(Base):
    """The split in force when the order was placed: one row per holder with a share.

    ``takes_remainder`` marks the holder that receives the minor units left after rounding.
    """

    __tablename__ = "order_splits"
    __table_args__ = (sa.UniqueConstraint("order_id", "studio_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id"), index=True)
    studio_id: Mapped[int | None] = mapped_column(sa.ForeignKey("studios.id", ondelete="SET NULL"))
    studio_name: Mapped[str] = mapped_column(sa.String(120))
    basis_points: Mapped[int]
    takes_remainder: Mapped[bool] = mapped_column(default=False)


class PayoutKind(enum.StrEnum):
    TRANSFER = "transfer"  # the holder's share of a sale
    REVERSAL = "reversal"  # taken back: a refund, or a dispute opened
    RESTORE = "restore"  # given back: a dispute won


class PayoutStatus(enum.StrEnum):
    PENDING = "pending"  # a job will move the money
    # Cannot be made yet: the holder has not finished onboarding (made when it does), or a
    # balance is short (the holder's for a reversal, the platform's for a restore; the
    # reason says which): tried again by every settle sweep.
    HELD = "held"
    PAID = "paid"  # moved on the processor (or recorded as paid by hand)
    FAILED = "failed"  # the processor refused; ``failure_reason`` says why
    OWED = "owed"  # single-account mode: the operator pays by hand
    # Never made, and never to be: a restore whose reversal was never made (a dispute won,
    # a refund failed, before the holder's balance could give the money back) cancels it.
    NETTED = "netted"


class HolderPayout(Base):
    """One money movement between the platform and a holder for one order.

    ``amount`` is in minor units of ``currency``, the settlement currency of the platform's
    balance transaction, signed from the holder's point of view (+ transfer, - reversal).
    Once made, ``holder_amount`` and ``holder_currency`` say what the holder's own balance
    moved (another currency when its account settles in one): what the holder is shown.
    ``cause`` names what caused it: ``sale``, ``refund:<id>``, ``dispute:<id>`` or
    ``dispute_won:<id>``; (order, holder, cause) is unique, so replays have one effect.
    Amounts never change once written; only the delivery state does.
    """

    __tablename__ = "holder_payouts"
    __table_args__ = (
        sa.UniqueConstraint("order_id", "studio_id", "cause"),
        sa.Index("ix_holder_payouts_studio_time", "studio_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id"), index=True)
    studio_id: Mapped[int | None] = mapped_column(sa.ForeignKey("studios.id", ondelete="SET NULL"))
    title_id: Mapped[int | None] = mapped_column(sa.ForeignKey("titles.id", ondelete="SET NULL"))
    kind: Mapped[PayoutKind] = mapped_column(str_enum(PayoutKind))
    cause: Mapped[str] = mapped_column(sa.String(120))
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    status: Mapped[PayoutStatus] = mapped_column(str_enum(PayoutStatus), index=True)
    failure_reason: Mapped[str | None] = mapped_column(sa.Text)
    transfer_id: Mapped[str | None] = mapped_column(sa.String(255))
    reversal_id: Mapped[str | None] = mapped_column(sa.String(255))
    balance_transaction_id: Mapped[str | None] = mapped_column(sa.String(255))
    # The platform's balance transaction for the movement, as the processor states it (the
    # same settlement fields as ledger rows): a transfer is -amount, a reversal +amount.
    settlement_currency: Mapped[str | None] = mapped_column(sa.String(3))
    settlement_amount: Mapped[int | None] = mapped_column(sa.BigInteger)
    settlement_fee: Mapped[int | None] = mapped_column(sa.BigInteger)
    settlement_net: Mapped[int | None] = mapped_column(sa.BigInteger)
    exchange_rate: Mapped[str | None] = mapped_column(sa.String(32))
    # The holder's own balance transaction for the movement (a transfer's destination payment,
    # a reversal's refund of it), as the processor states it: what the holder's balance moved,
    # in its settlement currency (a NOK account receiving EUR), signed like ``amount``.
    holder_balance_transaction_id: Mapped[str | None] = mapped_column(sa.String(255))
    holder_currency: Mapped[str | None] = mapped_column(sa.String(3))
    holder_amount: Mapped[int | None] = mapped_column(sa.BigInteger)
    holder_exchange_rate: Mapped[str | None] = mapped_column(sa.String(32))
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    manual_note: Mapped[str | None] = mapped_column(sa.String(255))
    # A reversal the holder's balance could not cover: since when the holder owes it, and,
    # once taken, the share (the id of a later payout to it) whose arrival covered it, if
    # one did. Payouts are never deleted, so the id needs no constraint.
    owed_since: Mapped[datetime | None]
    settled_from_id: Mapped[int | None]

    studio: Mapped[Studio | None] = relationship()
