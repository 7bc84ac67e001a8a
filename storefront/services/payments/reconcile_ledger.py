"""Row by row: each ledger row of an order against the processor's object behind it.

``reconcile`` checks charges, refunds, orders and access; this module checks the money on
every kind of ledger row: the sale's fee and settlement against the charge's balance
transaction, the platform's application fee and the transfer to the studio (Connect), each
refund's settlement and transfer reversal, and each dispute and its outcome with their fees.
Each difference is named by kind so a person knows where to look. Read-only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ...models import EntryType, LedgerEntry, Order
from ...models.ledger import REFUND_TYPES, SALE_TYPES
from .settlement import exact_fee, settlement_of

Obj = dict[str, Any]
Report = Callable[[str, str], None]
OPENED = (EntryType.DISPUTE, EntryType.PLATFORM_DISPUTE)
WON = (EntryType.DISPUTE_WON, EntryType.PLATFORM_DISPUTE_WON)


def _expanded(value: Any) -> Obj | None:
    return value if isinstance(value, dict) else None


def _settled_as_stated(entry: LedgerEntry) -> tuple:
    return (
        (entry.settlement_currency or "").upper(),
        entry.settlement_amount,
        entry.settlement_fee,
        entry.settlement_net,
        entry.exchange_rate,
    )


def _stated(txn: Obj) -> tuple:
    s = settlement_of(txn)
    return ((s.currency or "").upper(), s.amount, s.fee, s.net, s.exchange_rate)


def _compare_settlement(
    report: Report, kind: str, what: str, entry: LedgerEntry, txn: Obj | None
) -> None:
    if txn is None:
        return
    if entry.balance_transaction_id and entry.balance_transaction_id != txn["id"]:
        report(kind, f"{what}: ledger {entry.balance_transaction_id}, processor {txn['id']}")
        return
    ours, theirs = _settled_as_stated(entry), _stated(txn)
    if ours != theirs:
        names = ("currency", "amount", "fee", "net", "exchange rate")
        changed = ", ".join(
            f"{name} {a} vs {b}" for name, a, b in zip(names, ours, theirs, strict=True) if a != b
        )
        report(kind, f"{what}: ledger vs processor: {changed}")


def check_sale(report: Report, order: Order, charge: Obj, rows: list[LedgerEntry]) -> None:
    """The sale's fee and settlement; in Connect mode the application fee and the transfer."""
    sale = next((e for e in rows if e.entry_type in SALE_TYPES), None)
    txn = _expanded(charge.get("balance_transaction"))
    if sale is None or txn is None:
        return
    connect = order.destination_account_id is not None
    if not connect:
        stated = exact_fee(txn, order.currency)
        if sale.processor_fee != stated:
            report("processor fee differs", f"sale row {sale.processor_fee}, processor {stated}")
        _compare_settlement(report, "sale settlement differs", "sale", sale, txn)
        return
    app_fee = int(charge.get("application_fee_amount") or 0)
    fee_row = next(
        (e for e in rows if e.entry_type == EntryType.APPLICATION_FEE and e.gross >= 0), None
    )
    if sale.platform_fee != app_fee or fee_row is None or fee_row.gross != app_fee:
        booked = fee_row.gross if fee_row is not None else None
        report(
            "application fee differs",
            f"processor {app_fee}, sale row {sale.platform_fee}, platform row {booked}",
        )
    if fee_row is not None and (
        fee_row.settlement_fee != int(txn["fee"])
        or fee_row.exchange_rate != settlement_of(txn).exchange_rate
    ):
        report(
            "platform settlement differs",
            f"platform row fee {fee_row.settlement_fee} at {fee_row.exchange_rate}, "
            f"charge's balance transaction {txn['fee']} at {txn.get('exchange_rate')}",
        )
    transfer = _expanded(charge.get("transfer"))
    if transfer is not None and sale.settlement_amount != int(transfer["amount"]):
        report(
            "transfer differs",
            f"transfer {transfer['id']} of {transfer['amount']}, "
            f"studio's sale row {sale.settlement_amount}",
        )


def check_refunds(
    report: Report, order: Order, refunds: Iterable[Obj], rows: list[LedgerEntry]
) -> None:
    """Each recorded refund's settlement, and in Connect mode its transfer reversal."""
    booked = {e.refund_id: e for e in rows if e.entry_type in REFUND_TYPES and e.gross < 0}
    for refund in refunds:
        entry = booked.get(refund["id"])
        if entry is None:
            continue  # named by reconcile ("refund not in ledger")
        what = f"refund {refund['id']}"
        if order.destination_account_id is None:
            txn = _expanded(refund.get("balance_transaction"))
            _compare_settlement(report, "refund settlement differs", what, entry, txn)
            continue
        reversal = _expanded(refund.get("transfer_reversal"))
        reversed_amount = -int(reversal["amount"]) if reversal else None
        if entry.settlement_amount != reversed_amount:
            report(
                "transfer reversal differs",
                f"{what}: reversed {reversed_amount}, studio's row {entry.settlement_amount}",
            )


def check_fee_refunds(
    report: Report, charge: Obj, fee_refunds: Iterable[Obj], rows: list[LedgerEntry]
) -> None:
    """Connect: the application fee refunded at the processor against the platform's rows."""
    fee = _expanded(charge.get("application_fee"))
    refunded = sum(int(f["amount"]) for f in fee_refunds)
    if fee is not None:
        refunded = max(refunded, int(fee.get("amount_refunded") or 0))
    booked = -sum(
        e.gross for e in rows if e.entry_type == EntryType.APPLICATION_FEE and e.refund_id
    )
    if refunded != booked:
        report(
            "application fee refund differs",
            f"processor refunded {refunded} of the fee, platform rows {booked}",
        )


def check_disputes(
    report: Report, order: Order, disputes: Iterable[Obj], rows: list[LedgerEntry]
) -> None:
    """Every dispute and outcome the processor knows is booked, with its amount and fees."""
    known = set()
    for dispute in disputes:
        known.add(dispute["id"])
        what = f"dispute {dispute['id']}"
        opened = [e for e in rows if e.dispute_id == dispute["id"] and e.entry_type in OPENED]
        won = [e for e in rows if e.dispute_id == dispute["id"] and e.entry_type in WON]
        txns = dispute.get("balance_transactions") or []
        withdrawal = next((t for t in txns if int(t["amount"]) < 0), None)
        reinstated = next((t for t in txns if int(t["amount"]) > 0), None)
        if not opened:
            if withdrawal is not None:
                report(
                    "dispute not in ledger", f"{what} of {dispute['amount']} ({dispute['status']})"
                )
            continue
        if opened[0].gross != -int(dispute["amount"]):
            report(
                "dispute amount differs",
                f"{what}: processor {dispute['amount']}, ledger {-opened[0].gross}",
            )
        _compare_settlement(report, "dispute fee differs", what, opened[0], withdrawal)
        if reinstated is not None and not won:
            report("dispute outcome not in ledger", f"{what} was {dispute['status']}")
        elif won and dispute.get("status") != "won":
            report("dispute outcome differs", f"{what}: ledger won, processor {dispute['status']}")
        elif won:
            _compare_settlement(report, "dispute fee differs", f"{what} won", won[0], reinstated)
    for entry in rows:
        if entry.dispute_id and entry.dispute_id not in known:
            report("dispute unknown to the processor", f"ledger dispute {entry.dispute_id}")
            known.add(entry.dispute_id)
