"""Ledger rows for payment events, following the sign and fee conventions documented on
``storefront.models.ledger.LedgerEntry`` (amounts signed from the studio's point of view,
``net == gross - tax - processor_fee - platform_fee``).

Every row carries what its balance transaction says, in the account's settlement currency:
currency, amount, fee, net and exchange rate, exactly as the processor states them. The fee in
the charge's currency (``processor_fee``) is filled only when the balance transaction is in
that currency: nothing is converted or pro-rated here.

``source_event_id`` is the id of the provider event that caused the row. Refund rows append
``:<refund id>`` to it, because one ``charge.refunded`` event can bring more than one refund
that is new to us; each refund is recorded once whichever event brings it (checked by refund
id under the order's row lock).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from ...extensions import db
from ...models import EntryType, LedgerEntry, Order
from ..rights.shares import has_split
from .fees import share
from .settlement import Settlement, exact_fee, settlement_of

Obj = dict[str, Any]
# Rows that carry the order's discount (refunds and disputes move money, not list prices); a
# co-produced sale is charged on the platform as a split sale and carries it too.
_SALES = frozenset({EntryType.SALE, EntryType.SPLIT_SALE, EntryType.COMP})
# A co-produced order is charged on the platform: its charge rows are the platform's.
_ON_PLATFORM = {
    EntryType.SALE: EntryType.SPLIT_SALE,
    EntryType.REFUND: EntryType.SPLIT_REFUND,
    EntryType.DISPUTE: EntryType.PLATFORM_DISPUTE,
    EntryType.DISPUTE_WON: EntryType.PLATFORM_DISPUTE_WON,
}


def _upper(currency: str | None) -> str | None:
    return currency.upper() if currency else None


def at(timestamp: int | None) -> datetime:
    """A provider's unix time as an aware UTC datetime (now when missing)."""
    if not timestamp:
        return datetime.now(UTC)
    return datetime.fromtimestamp(int(timestamp), UTC)


def _expanded(value: Any) -> Obj | None:
    return value if isinstance(value, dict) else None


def record(
    order: Order,
    entry_type: EntryType,
    source_event_id: str,
    *,
    provider: str,
    occurred_at: datetime,
    gross: int,
    tax: int = 0,
    processor_fee: int = 0,
    platform_fee: int = 0,
    settlement: Settlement | None = None,
    charge_id: str | None = None,
    refund_id: str | None = None,
    dispute_id: str | None = None,
    studio_id: int | None = None,
    currency: str | None = None,
) -> LedgerEntry:
    """One row; ``studio_id`` and ``currency`` default to the order's. The charge rows of a
    co-produced order (charged on the platform) are written as the platform's own types."""
    if entry_type in _ON_PLATFORM and order.destination_account_id is None and has_split(order.id):
        entry_type = _ON_PLATFORM[entry_type]
    settled = settlement or Settlement()
    entry = LedgerEntry(
        occurred_at=occurred_at,
        entry_type=entry_type,
        order_id=order.id,
        title_id=order.title_id,
        studio_id=studio_id if studio_id is not None else order.studio_id,
        title_name=order.title_name,
        kind=order.kind,
        country=order.country,
        currency=(currency or order.currency).upper(),
        gross=gross,
        tax=tax,
        processor_fee=processor_fee,
        platform_fee=platform_fee,
        net=gross - tax - processor_fee - platform_fee,
        settlement_currency=_upper(settled.currency),
        settlement_amount=settled.amount,
        settlement_fee=settled.fee,
        settlement_net=settled.net,
        exchange_rate=settled.exchange_rate,
        provider=provider,
        charge_id=charge_id or order.charge_id,
        balance_transaction_id=settled.balance_transaction_id,
        refund_id=refund_id,
        dispute_id=dispute_id,
        source_event_id=source_event_id,
        promo_code=order.promo_code,
        discount=(order.discount_amount or 0) if entry_type in _SALES else 0,
        preorder=bool(order.preorder),
    )
    db.session.add(entry)
    return entry


def write_comp(order: Order, at_time: datetime) -> LedgerEntry:
    """A comp: a sale worth nothing, so reports can count comps apart from paid sales."""
    return record(
        order,
        EntryType.COMP,
        f"comp:{order.public_id}",
        provider=order.provider,
        occurred_at=at_time,
        gross=0,
    )


def _txn_of(obj: Obj | None) -> Obj | None:
    return _expanded(obj.get("balance_transaction")) if obj else None


def write_sale(order: Order, session: Obj, event_id: str, provider: str) -> None:
    """The sale row, plus the platform's application_fee row in Connect mode."""
    intent = _expanded(session.get("payment_intent")) or {}
    charge = _expanded(intent.get("latest_charge")) or {}
    txn = _expanded(charge.get("balance_transaction"))
    if txn is None:
        raise ValueError(f"session {session['id']} was read without its balance transaction")
    gross = int(session["amount_total"])
    tax = int((session.get("total_details") or {}).get("amount_tax") or 0)
    stripe_fee = exact_fee(txn, order.currency)
    common: dict[str, Any] = {
        "provider": provider,
        "occurred_at": at(charge.get("created")),
        "charge_id": charge.get("id"),
    }
    if order.destination_account_id is None:
        record(
            order,
            EntryType.SALE,
            event_id,
            gross=gross,
            tax=tax,
            processor_fee=stripe_fee,
            settlement=settlement_of(txn),
            **common,
        )
        return
    app_fee = int(charge.get("application_fee_amount") or 0)
    transfer = _expanded(charge.get("transfer"))
    moved = int(transfer["amount"]) if transfer else gross
    # The studio's account receives the transfer and pays the application fee out of it.
    record(
        order,
        EntryType.SALE,
        event_id,
        gross=gross,
        tax=tax,
        platform_fee=app_fee,
        settlement=Settlement(
            currency=(transfer or charge).get("currency") or order.currency,
            amount=moved,
            fee=app_fee,
            net=moved - app_fee,
            balance_transaction_id=txn["id"],
        ),
        **common,
    )
    # The platform's balance: the charge less Stripe's fee, the transfer out, the fee back in.
    platform = settlement_of(txn)
    for part in (transfer, _expanded(charge.get("application_fee"))):
        part_txn = _txn_of(part)
        if part_txn is not None:
            platform = platform + replace(settlement_of(part_txn), exchange_rate=None)
    record(
        order,
        EntryType.APPLICATION_FEE,
        event_id,
        gross=app_fee,
        processor_fee=stripe_fee,
        settlement=platform,
        **common,
    )


def write_refund(
    order: Order,
    refund: Obj,
    event_id: str,
    provider: str,
    *,
    refunded_before: int,
    sale_tax: int,
    tax_refunded_before: int,
    app_fee: int,
    app_fee_refunded_before: int,
    fee_refunds: list[Obj] | None = None,
) -> None:
    """Rows for one refund: the studio's refund row, and in Connect mode the fee given back
    (``fee_refunds``: the application fee's refunds as the processor lists them)."""
    amount = int(refund["amount"])
    full = refunded_before + amount >= order.amount
    # The last refund takes what is left, so a fully refunded order nets to zero.
    tax_back = sale_tax - tax_refunded_before if full else share(amount, order.amount, sale_tax)
    txn = _expanded(refund.get("balance_transaction"))
    source = f"{event_id}:{refund['id']}"
    common: dict[str, Any] = {
        "provider": provider,
        "occurred_at": at(refund.get("created")),
        "charge_id": refund.get("charge"),
        "refund_id": refund["id"],
    }
    refunded = settlement_of(txn)
    if txn is None and refund.get("balance_transaction"):
        refunded = Settlement(balance_transaction_id=str(refund["balance_transaction"]))
    if order.destination_account_id is None:
        record(
            order,
            EntryType.REFUND,
            source,
            gross=-amount,
            tax=-tax_back,
            settlement=refunded,
            **common,
        )
        return
    # Refunds of destination charges reverse the transfer and refund the application fee in
    # proportion (Stripe's rule, rounded half up; the last refund takes the remainder).
    fee_back = app_fee - app_fee_refunded_before if full else share(amount, order.amount, app_fee)
    reversal = _expanded(refund.get("transfer_reversal"))
    reversed_amount = int(reversal["amount"]) if reversal else None
    record(
        order,
        EntryType.REFUND,
        source,
        gross=-amount,
        tax=-tax_back,
        platform_fee=-fee_back,
        settlement=Settlement(
            currency=reversal.get("currency") if reversal else None,
            amount=-reversed_amount if reversed_amount is not None else None,
            fee=-fee_back if reversal else None,
            net=-reversed_amount + fee_back if reversed_amount is not None else None,
            balance_transaction_id=refunded.balance_transaction_id,
        ),
        **common,
    )
    # The platform's balance: the refund out, the reversed transfer back in, the application
    # fee refunded out, each as its balance transaction states it.
    platform = refunded + replace(settlement_of(_txn_of(reversal)), exchange_rate=None)
    fee_refund = _fee_refund_for(refund, fee_back, fee_refunds or [])
    if fee_back and fee_refund is None:
        platform = replace(platform, amount=None, fee=None, net=None)  # not read: unknown
    elif fee_refund is not None:
        platform = platform + replace(settlement_of(_txn_of(fee_refund)), exchange_rate=None)
    record(
        order,
        EntryType.APPLICATION_FEE,
        source,
        gross=-fee_back,
        settlement=platform,
        **common,
    )


def _fee_refund_for(refund: Obj, fee_back: int, fee_refunds: list[Obj]) -> Obj | None:
    """The application fee refund made with ``refund`` (same request: same time, and the
    amount Stripe's proportional rule gives); None when it was not read."""
    same = [f for f in fee_refunds if int(f["amount"]) == fee_back and _txn_of(f) is not None]
    return next((f for f in same if f.get("created") == refund.get("created")), None) or (
        same[-1] if len(same) == 1 else None
    )


def _dispute_types(order: Order) -> tuple[EntryType, EntryType]:
    """Who bears a chargeback: the studio's own account in single-account mode; the platform's
    balance for destination charges (Stripe debits the platform, not the connected account)."""
    if order.destination_account_id is None:
        return EntryType.DISPUTE, EntryType.DISPUTE_WON
    return EntryType.PLATFORM_DISPUTE, EntryType.PLATFORM_DISPUTE_WON


def write_dispute(order: Order, dispute: Obj, event_id: str, provider: str) -> None:
    """The disputed amount and the dispute fee leave the balance that bears the chargeback."""
    withdrawal = next(
        (t for t in dispute.get("balance_transactions") or [] if int(t["amount"]) < 0), None
    )
    record(
        order,
        _dispute_types(order)[0],
        event_id,
        provider=provider,
        occurred_at=at(dispute.get("created")),
        gross=-int(dispute["amount"]),
        processor_fee=exact_fee(withdrawal, order.currency),
        settlement=settlement_of(withdrawal),
        charge_id=dispute.get("charge"),
        dispute_id=dispute["id"],
    )


def write_dispute_won(order: Order, dispute: Obj, event_id: str, provider: str) -> None:
    """The disputed amount comes back, and the dispute fee with it (a negative fee)."""
    credit = next(
        (t for t in dispute.get("balance_transactions") or [] if int(t["amount"]) > 0), None
    )
    record(
        order,
        _dispute_types(order)[1],
        event_id,
        provider=provider,
        occurred_at=at(credit.get("created") if credit else None),
        gross=int(dispute["amount"]),
        processor_fee=exact_fee(credit, order.currency),
        settlement=settlement_of(credit),
        charge_id=dispute.get("charge"),
        dispute_id=dispute["id"],
    )
