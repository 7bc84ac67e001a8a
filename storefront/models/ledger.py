"""The append-only revenue ledger: one immutable row per money movement."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from .base import Base, str_enum, utcnow
from .commerce import OfferKind


class EntryType(enum.StrEnum):
    SALE = "sale"
    REFUND = "refund"
    DISPUTE = "dispute"
    DISPUTE_WON = "dispute_won"
    APPLICATION_FEE = "application_fee"
    COMP = "comp"  # a 100 % code: a sale worth nothing, counted apart from paid sales
    FESTIVAL_SHARE = "festival_share"  # the filmmaker's side: the festival's part leaves
    FESTIVAL_INCOME = "festival_income"  # the festival's side: its part of a ticket sale
    PLATFORM_DISPUTE = "platform_dispute"
    PLATFORM_DISPUTE_WON = "platform_dispute_won"
    # A co-produced title's sale is charged on the platform (separate charges and transfers):
    # the charge, its refunds and its disputes are the platform's rows, each holder's transfers
    # and reversals are that holder's rows, and the platform's side of them is its own.
    SPLIT_SALE = "split_sale"
    SPLIT_REFUND = "split_refund"
    PLATFORM_TRANSFER = "platform_transfer"
    HOLDER_SHARE = "holder_share"
    HOLDER_REFUND = "holder_refund"
    HOLDER_DISPUTE = "holder_dispute"
    HOLDER_DISPUTE_WON = "holder_dispute_won"


# Rows that are the platform's money, not the studio's: studio figures leave them out, the
# admin's "platform keeps" adds them up.
PLATFORM_ENTRY_TYPES = frozenset(
    {
        EntryType.APPLICATION_FEE,
        EntryType.PLATFORM_DISPUTE,
        EntryType.PLATFORM_DISPUTE_WON,
        EntryType.SPLIT_SALE,
        EntryType.SPLIT_REFUND,
        EntryType.PLATFORM_TRANSFER,
    }
)
# The same, as the SQL condition the studio report's partial index is built with.
NOT_PLATFORM_SQL = (
    "entry_type NOT IN ('application_fee', 'platform_dispute', 'platform_dispute_won',"
    " 'split_sale', 'split_refund', 'platform_transfer')"
)
# An order's sale and refund rows, whoever's balance the charge is on (readers by order).
SALE_TYPES = (EntryType.SALE, EntryType.SPLIT_SALE)
REFUND_TYPES = (EntryType.REFUND, EntryType.SPLIT_REFUND)
# A holder's transfer rows count in its reports as the sale, refund or dispute they follow.
HOLDER_COUNTS_AS = {
    EntryType.HOLDER_SHARE: EntryType.SALE,
    EntryType.HOLDER_REFUND: EntryType.REFUND,
    EntryType.HOLDER_DISPUTE: EntryType.DISPUTE,
    EntryType.HOLDER_DISPUTE_WON: EntryType.DISPUTE_WON,
}


class LedgerEntry(Base):
    """A money movement. Corrections are new rows; rows are never updated or deleted.

    Amounts are integer minor units of `currency`, signed from the studio's point of view, and
    for every row `net == gross - tax - processor_fee - platform_fee`.

    - sale: gross = amount charged (tax included); tax = tax collected; processor_fee = Stripe's
      fee when the studio bears it (single-account mode) and Stripe states it in this currency,
      0 in Connect mode (the platform pays it out of its application fee); platform_fee =
      application fee (Connect), else 0.
    - refund: gross = -amount refunded; tax = -tax refunded (0 when unknown); processor_fee = 0
      (Stripe keeps its fee); platform_fee = -application fee refunded, if any.
    - dispute (single-account mode: the studio's balance bears it): gross = -amount disputed;
      processor_fee = the dispute fee (when stated in this currency).
    - dispute_won: gross = +amount reinstated; processor_fee = -the dispute fee returned.
    - comp: a 100 % code gave access without payment: every amount 0, `discount` the list
      price; no processor, no balance transaction.
    - application_fee (Connect only): the platform's income, not the studio's: gross =
      application fee (negative when refunded), processor_fee = Stripe's fee on the charge,
      net = what the platform keeps.
    - platform_dispute / platform_dispute_won (Connect): a chargeback on a destination charge is
      debited from (and on a win returned to) the platform's balance, fee included, with the
      same signs as dispute / dispute_won.
    - split_sale / split_refund (a co-produced title's order, charged on the platform): the
      charge and its refunds, on the platform's balance, with the sale / refund conventions
      (processor_fee = Stripe's fee, which the platform bears); its disputes are
      platform_dispute / platform_dispute_won rows. studio_id is the title's owner.
    - holder_share / holder_refund / holder_dispute / holder_dispute_won: one holder's transfer
      of its share (+), its reversal after a refund or a dispute (-), its restore after a won
      dispute (+), in the transfer's currency; studio_id is the holder; gross = net = amount.
    - platform_transfer: the platform's side of each of those (the opposite amount, settlement
      as the platform's balance transaction states it); studio_id is the title's owner.
    Studio totals exclude the platform's types (PLATFORM_ENTRY_TYPES); admin totals use them.

    promo_code / discount / preorder: the code the order used and what it took off the list
    price (on sale and comp rows), and whether the order was a pre-order.
    - festival_share / festival_income: for a ticket a festival sold, the festival's agreed part
      of the sale's net moves from the title's studio (festival_share, gross = net = -part) to
      the festival's studio (festival_income, gross = net = +part); refunds reverse it in
      proportion with the opposite signs. Both rows carry the order, title and kind. A screening
      booked with an N-film pass moves the film's part of the pass's net (net / N, less the
      festival's share) the other way: festival_income -part, festival_share +part, on the
      pass's order (kind pass) with the booked title; a refunded pass reverses them.

    settlement_*: the balance transaction behind the row, as the processor states it, in the
    receiving account's settlement currency: settlement_amount, settlement_fee, settlement_net
    (= amount - fee) and exchange_rate (text, null when nothing was converted). In single-account
    mode and on the platform's rows that is the store's own Stripe balance (the platform's rows
    add up its movements for the event: charge, transfer out, fee back); on a Connect studio row
    it is what moved to or from the connected account. When the settlement currency differs
    from `currency`, processor_fee is 0 and Stripe's fee is only in settlement_fee: it is never
    converted or pro-rated. Offline test payments fill them like single-account mode.
    """

    __tablename__ = "ledger_entries"
    __table_args__ = (
        # One effect per provider event and entry type, whatever the delivery count.
        sa.UniqueConstraint("source_event_id", "entry_type"),
        sa.Index("ix_ledger_studio_time", "studio_id", "occurred_at"),
        sa.Index("ix_ledger_time", "occurred_at"),
        # The studio dashboard's aggregates read only this index (an index-only scan on
        # PostgreSQL): the studio's own rows by time, with every column they sum or group by.
        sa.Index(
            "ix_ledger_studio_report",
            "studio_id",
            "occurred_at",
            postgresql_include=[
                "entry_type",
                "currency",
                "kind",
                "title_id",
                "country",
                "gross",
                "tax",
                "processor_fee",
                "platform_fee",
                "net",
                "settlement_currency",
                "settlement_net",
            ],  # fmt: skip
            postgresql_where=sa.text(NOT_PLATFORM_SQL),
            sqlite_where=sa.text(NOT_PLATFORM_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    entry_type: Mapped[EntryType] = mapped_column(str_enum(EntryType))
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("orders.id"), index=True)
    title_id: Mapped[int | None] = mapped_column(sa.ForeignKey("titles.id", ondelete="SET NULL"))
    studio_id: Mapped[int | None] = mapped_column(sa.ForeignKey("studios.id", ondelete="SET NULL"))
    title_name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[OfferKind] = mapped_column(str_enum(OfferKind))
    country: Mapped[str | None] = mapped_column(sa.String(2))
    currency: Mapped[str] = mapped_column(sa.String(3))
    gross: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    tax: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    processor_fee: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    platform_fee: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    net: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    settlement_currency: Mapped[str | None] = mapped_column(sa.String(3))
    settlement_net: Mapped[int | None] = mapped_column(sa.BigInteger)
    settlement_amount: Mapped[int | None] = mapped_column(sa.BigInteger)
    settlement_fee: Mapped[int | None] = mapped_column(sa.BigInteger)
    # As the balance transaction states it (text of the decimal, never a float).
    exchange_rate: Mapped[str | None] = mapped_column(sa.String(32))
    provider: Mapped[str] = mapped_column(sa.String(20))
    charge_id: Mapped[str | None] = mapped_column(sa.String(255))
    balance_transaction_id: Mapped[str | None] = mapped_column(sa.String(255))
    refund_id: Mapped[str | None] = mapped_column(sa.String(255))
    dispute_id: Mapped[str | None] = mapped_column(sa.String(255))
    source_event_id: Mapped[str] = mapped_column(sa.String(255))
    promo_code: Mapped[str | None] = mapped_column(sa.String(40))
    discount: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # off the list price
    preorder: Mapped[bool] = mapped_column(default=False)


class LedgerImmutableError(RuntimeError):
    """Code tried to change or delete a ledger row; corrections must be new rows."""


@event.listens_for(Session, "before_flush")
def _refuse_ledger_changes(session: Session, flush_context: object, instances: object) -> None:
    for entry in session.deleted:
        if isinstance(entry, LedgerEntry):
            raise LedgerImmutableError("ledger entries are never deleted")
    for entry in session.dirty:
        if isinstance(entry, LedgerEntry) and session.is_modified(entry):
            raise LedgerImmutableError("ledger entries are never updated; add a correcting entry")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_ledger_changes(state: ORMExecuteState) -> None:
    if state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) == LedgerEntry.__tablename__:
            raise LedgerImmutableError("ledger entries are never updated or deleted")
