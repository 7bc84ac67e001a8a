"""Reconciling rights holders' payouts with the processor's transfers, order by order.

Each paid payout must be the transfer (or reversal) the processor has, for the same amount,
to the holder's account; the processor must have no transfer or reversal in the order's
``transfer_group`` the store does not know; and what each holder received (transfers less
reversals) must equal the sum of its paid payouts. What each payout moved on the holder's own
balance (its destination payment's balance transaction, or the refund of it, in the
account's settlement currency) must be what the store recorded and shows the holder.
Each difference is named by kind.
Read-only. Amounts owed by hand (single-account mode) have no processor object to compare.
"""

from __future__ import annotations

from typing import Any

from ...adapters.payments import PaymentGateway
from ...models import HolderPayout, Order, PayoutKind, PayoutStatus, Studio
from .payout_execution import destination
from .settlement import settlement_of
from .transfers import payout_mode, payouts_of, transfer_group

Obj = dict[str, Any]


def _account(studio: Studio | None, mode: str) -> str | None:
    """The holder's account, even when it cannot receive payouts right now."""
    if studio is None or mode != "connect":
        return destination(studio, mode)
    return studio.stripe_account_id


def _reversals(transfer: Obj) -> list[Obj]:
    listing = transfer.get("reversals") or {}
    return list(listing.get("data") or [])


def check_order(gateway: PaymentGateway, order: Order) -> list[tuple[str, str]]:
    """The differences between the order's holder payouts and the processor's transfers."""
    mode = payout_mode(gateway)
    payouts = [p for p in payouts_of(order.id) if p.status == PayoutStatus.PAID]
    if mode == "owed" or not payouts_of(order.id):
        return []
    found: list[tuple[str, str]] = []
    transfers = {t["id"]: t for t in gateway.list_transfers(transfer_group(order))}
    reversals = {r["id"]: r for t in transfers.values() for r in _reversals(t)}
    known_transfers = {p.transfer_id for p in payouts if p.kind != PayoutKind.REVERSAL}
    known_reversals = {p.reversal_id for p in payouts if p.kind == PayoutKind.REVERSAL}
    for payout in payouts:
        found.extend(_check_payout(payout, transfers, reversals, mode))
        found.extend(_check_holder_side(gateway, payout, transfers, reversals, mode))
    for transfer_id in sorted(set(transfers) - known_transfers):
        found.append(("unrecorded transfer", f"order {order.public_id}: {transfer_id}"))
    for reversal_id in sorted(set(reversals) - known_reversals):
        found.append(("unrecorded transfer reversal", f"order {order.public_id}: {reversal_id}"))
    received: dict[str, int] = {}
    for transfer in transfers.values():
        account = str(transfer.get("destination"))
        received[account] = received.get(account, 0) + transfer["amount"]
        received[account] -= transfer.get("amount_reversed") or 0
    booked: dict[str, int] = {}
    for payout in payouts:
        account = _account(payout.studio, mode)
        if account and payout.amount:
            booked[account] = booked.get(account, 0) + payout.amount
    for account in sorted(set(received) | set(booked)):
        if received.get(account, 0) != booked.get(account, 0):
            found.append(
                (
                    "holder total differs",
                    f"order {order.public_id}, {account}: ledger {booked.get(account, 0)}, "
                    f"processor {received.get(account, 0)}",
                )
            )
    return found


def _check_payout(
    payout: HolderPayout, transfers: dict[str, Obj], reversals: dict[str, Obj], mode: str
) -> list[tuple[str, str]]:
    if payout.amount == 0:
        return []
    what = f"payout {payout.id} ({payout.cause})"
    if payout.kind == PayoutKind.REVERSAL:
        reversal = reversals.get(payout.reversal_id or "")
        if reversal is None:
            return [("transfer reversal missing", f"{what}: {payout.reversal_id}")]
        if reversal["amount"] != -payout.amount:
            return [
                ("transfer reversal differs", f"{what}: ledger {-payout.amount}, "
                 f"processor {reversal['amount']}")
            ]  # fmt: skip
        return []
    transfer = transfers.get(payout.transfer_id or "")
    if transfer is None:
        return [("transfer missing", f"{what}: {payout.transfer_id}")]
    problems = []
    if transfer["amount"] != payout.amount:
        problems.append(
            ("transfer differs", f"{what}: ledger {payout.amount}, processor {transfer['amount']}")
        )
    if str(transfer["currency"]).upper() != payout.currency:
        problems.append(("transfer currency differs", f"{what}: {transfer['currency']}"))
    if transfer.get("destination") != _account(payout.studio, mode):
        problems.append(("transfer destination differs", f"{what}: {transfer['destination']}"))
    return problems


def _check_holder_side(
    gateway: PaymentGateway,
    payout: HolderPayout,
    transfers: dict[str, Obj],
    reversals: dict[str, Obj],
    mode: str,
) -> list[tuple[str, str]]:
    """The holder's own balance transaction for the payout against what the store recorded."""
    if payout.kind == PayoutKind.REVERSAL:
        movement = reversals.get(payout.reversal_id or "")
    else:
        movement = transfers.get(payout.transfer_id or "")
    account = _account(payout.studio, mode)
    if movement is None or not account or not payout.amount:
        return []
    txn = gateway.destination_balance_transaction(account, movement)
    if txn is None:
        return []
    own = settlement_of(txn)
    what = f"payout {payout.id} ({payout.cause})"
    recorded = (payout.holder_currency, payout.holder_amount)
    stated = ((own.currency or "").upper(), own.net)
    if recorded == stated:
        return []
    return [
        (
            "holder settlement differs",
            f"{what}: ledger {recorded[1]} {recorded[0]}, processor {stated[1]} {stated[0]}",
        )
    ]
