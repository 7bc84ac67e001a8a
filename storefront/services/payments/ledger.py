"""Ledger rows for payment events, following the sign and fee conventions documented on
``storefront.models.ledger.LedgerEntry`` (amounts signed from the studio's point of view,
``net == gross - tax - processor_fee - platform_fee``).

``source_event_id`` is the id of the provider event that caused the row. Refund rows append
``:<refund id>`` to it, because one ``charge.refunded`` event can bring more than one refund
that is new to us; each refund is recorded once whichever event brings it (checked by refund
id under the order's row lock).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ...extensions import db
from ...models import EntryType, LedgerEntry, Order
from .fees import share

Obj = dict[str, Any]
# Rows that carry the order's discount (refunds and disputes move money, not list prices).
_SALES = frozenset({EntryType.SALE, EntryType.COMP})


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
    settlement_currency: str | None = None,
    settlement_net: int | None = None,
    charge_id: str | None = None,
    balance_transaction_id: str | None = None,
    refund_id: str | None = None,
    dispute_id: str | None = None,
) -> LedgerEntry:
    entry = LedgerEntry(
        occurred_at=occurred_at,
        entry_type=entry_type,
        order_id=order.id,
        title_id=order.title_id,
        studio_id=order.studio_id,
        title_name=order.title_name,
        kind=order.kind,
        country=order.country,
        currency=order.currency.upper(),
        gross=gross,
        tax=tax,
        processor_fee=processor_fee,
        platform_fee=platform_fee,
        net=gross - tax - processor_fee - platform_fee,
        settlement_currency=_upper(settlement_currency),
        settlement_net=settlement_net,
        provider=provider,
        charge_id=charge_id or order.charge_id,
        balance_transaction_id=balance_transaction_id,
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


def fee_in_charge_currency(txn: Obj, charge_amount: int, charge_currency: str) -> int:
    """Stripe's fee in the charge's currency.

    The balance transaction states it in the settlement currency; when that differs, the fee's
    share of the settled amount is applied to the charged amount (no invented exchange rate).
    """
    if str(txn["currency"]).lower() == charge_currency.lower():
        return int(txn["fee"])
    return share(int(txn["fee"]), int(txn["amount"]), charge_amount)


def write_sale(order: Order, session: Obj, event_id: str, provider: str) -> None:
    """The sale row, plus the platform's application_fee row in Connect mode."""
    intent = _expanded(session.get("payment_intent")) or {}
    charge = _expanded(intent.get("latest_charge")) or {}
    txn = _expanded(charge.get("balance_transaction"))
    if txn is None:
        raise ValueError(f"session {session['id']} was read without its balance transaction")
    gross = int(session["amount_total"])
    tax = int((session.get("total_details") or {}).get("amount_tax") or 0)
    stripe_fee = fee_in_charge_currency(txn, gross, order.currency)
    common: dict[str, Any] = {
        "provider": provider,
        "occurred_at": at(charge.get("created")),
        "charge_id": charge.get("id"),
        "balance_transaction_id": txn["id"],
    }
    if order.destination_account_id is None:
        record(
            order,
            EntryType.SALE,
            event_id,
            gross=gross,
            tax=tax,
            processor_fee=stripe_fee,
            settlement_currency=txn["currency"],
            settlement_net=int(txn["net"]),
            **common,
        )
        return
    app_fee = int(charge.get("application_fee_amount") or 0)
    transfer = _expanded(charge.get("transfer"))
    moved = int(transfer["amount"]) if transfer else gross
    record(
        order,
        EntryType.SALE,
        event_id,
        gross=gross,
        tax=tax,
        platform_fee=app_fee,
        settlement_currency=(transfer or charge).get("currency") or order.currency,
        settlement_net=moved - app_fee,
        **common,
    )
    same_currency = str(txn["currency"]).lower() == order.currency.lower()
    record(
        order,
        EntryType.APPLICATION_FEE,
        event_id,
        gross=app_fee,
        processor_fee=stripe_fee,
        settlement_currency=txn["currency"],
        settlement_net=int(txn["net"]) - moved + app_fee if same_currency else None,
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
) -> None:
    """Rows for one refund: the studio's refund row, and in Connect mode the fee given back."""
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
        "balance_transaction_id": txn["id"] if txn else refund.get("balance_transaction"),
        "refund_id": refund["id"],
    }
    if order.destination_account_id is None:
        record(
            order,
            EntryType.REFUND,
            source,
            gross=-amount,
            tax=-tax_back,
            settlement_currency=txn["currency"] if txn else None,
            settlement_net=int(txn["net"]) if txn else None,
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
        settlement_currency=order.currency,
        settlement_net=-reversed_amount + fee_back if reversed_amount is not None else None,
        **common,
    )
    record(
        order,
        EntryType.APPLICATION_FEE,
        source,
        gross=-fee_back,
        settlement_currency=order.currency,
        settlement_net=(
            -amount + reversed_amount - fee_back if reversed_amount is not None else None
        ),
        **common,
    )


def write_dispute(order: Order, dispute: Obj, event_id: str, provider: str) -> None:
    """The disputed amount leaves; in single-account mode the studio also bears the fee."""
    withdrawal = next(
        (t for t in dispute.get("balance_transactions") or [] if int(t["amount"]) < 0), None
    )
    single = order.destination_account_id is None
    fee = 0
    if single and withdrawal:
        fee = fee_in_charge_currency(withdrawal, int(dispute["amount"]), order.currency)
    record(
        order,
        EntryType.DISPUTE,
        event_id,
        provider=provider,
        occurred_at=at(dispute.get("created")),
        gross=-int(dispute["amount"]),
        processor_fee=fee,
        settlement_currency=withdrawal["currency"] if single and withdrawal else None,
        settlement_net=int(withdrawal["net"]) if single and withdrawal else None,
        charge_id=dispute.get("charge"),
        balance_transaction_id=withdrawal["id"] if withdrawal else None,
        dispute_id=dispute["id"],
    )


def write_dispute_won(order: Order, dispute: Obj, event_id: str, provider: str) -> None:
    """The disputed amount comes back; the dispute fee does not."""
    credit = next(
        (t for t in dispute.get("balance_transactions") or [] if int(t["amount"]) > 0), None
    )
    single = order.destination_account_id is None
    record(
        order,
        EntryType.DISPUTE_WON,
        event_id,
        provider=provider,
        occurred_at=at(credit.get("created") if credit else None),
        gross=int(dispute["amount"]),
        settlement_currency=credit["currency"] if single and credit else None,
        settlement_net=int(credit["net"]) if single and credit else None,
        charge_id=dispute.get("charge"),
        balance_transaction_id=credit["id"] if credit else None,
        dispute_id=dispute["id"],
    )
