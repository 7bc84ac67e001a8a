"""Ledger rows for a holder's payouts: the holder's own row (what its balance moved) and the
platform's side of it (the opposite, as the platform's balance transaction states it), under
the conventions of ``ledger``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ...extensions import db
from ...models import EntryType, HolderPayout, Order, PayoutKind, Title
from ..rights.shares import is_festival_cause
from .ledger import record
from .pass_transfers import is_booking_cause, is_festival_side
from .settlement import Settlement


def _holder_type(payout: HolderPayout) -> EntryType:
    if is_booking_cause(payout.cause):  # a pass booking: the festival's part goes to the film
        if is_festival_side(payout.cause):
            return EntryType.FESTIVAL_INCOME
        return EntryType.FESTIVAL_SHARE
    if is_festival_cause(payout.cause):
        return EntryType.FESTIVAL_INCOME  # the festival's part of a ticket, or its reversal
    if payout.kind == PayoutKind.RESTORE:
        if payout.cause.startswith("refund_failed"):
            return EntryType.HOLDER_REFUND  # a refund undone: counts against the refunds
        return EntryType.HOLDER_DISPUTE_WON
    if payout.kind == PayoutKind.REVERSAL:
        if payout.cause.startswith("dispute"):
            return EntryType.HOLDER_DISPUTE
        return EntryType.HOLDER_REFUND
    return EntryType.HOLDER_SHARE


def holder_settlement(payout: HolderPayout) -> Settlement:
    """What the movement did to the holder's own balance, as its balance transaction states
    it (its settlement currency and the processor's rate); the amount sent when the holder has
    no balance of its own to read (offline, or a payout made before this was recorded)."""
    if payout.holder_amount is None or payout.holder_currency is None:
        return Settlement(
            currency=payout.currency,
            amount=payout.amount,
            fee=0,
            net=payout.amount,
            balance_transaction_id=payout.balance_transaction_id,
        )
    return Settlement(
        currency=payout.holder_currency,
        amount=payout.holder_amount,
        fee=0,
        net=payout.holder_amount,
        exchange_rate=payout.holder_exchange_rate,
        balance_transaction_id=payout.holder_balance_transaction_id,
    )


def write_holder_payout(order: Order, payout: HolderPayout, provider: str) -> None:
    """A holder's transfer, reversal or restore, once made: the holder's row (in the transfer's
    currency, its settlement what its own balance moved, + or -) and the platform's side of it
    (the opposite, as the platform's balance transaction states it). Written once per payout
    (``payout:<id>``)."""
    amount = payout.amount
    # A pass booking's movement names the booked film (the pass order has no title).
    title = (
        db.session.get(Title, payout.title_id)
        if order.title_id is None and payout.title_id
        else None
    )
    common: dict[str, Any] = {
        "provider": provider,
        "occurred_at": payout.completed_at or datetime.now(UTC),
        "currency": payout.currency,
        "charge_id": order.charge_id,
    }
    source = f"payout:{payout.id}"
    own = record(
        order,
        _holder_type(payout),
        source,
        gross=amount,
        studio_id=payout.studio_id,
        settlement=holder_settlement(payout),
        **common,
    )
    platform = record(
        order,
        EntryType.PLATFORM_TRANSFER,
        source,
        gross=-amount,
        settlement=Settlement(
            currency=payout.settlement_currency,
            amount=payout.settlement_amount,
            fee=payout.settlement_fee,
            net=payout.settlement_net,
            exchange_rate=payout.exchange_rate,
            balance_transaction_id=payout.balance_transaction_id,
        ),
        **common,
    )
    if title is not None:  # before any flush: ledger rows are never updated
        own.title_id = platform.title_id = title.id
        if not is_festival_side(payout.cause):  # the film's row reads under its name
            own.title_name = title.name
