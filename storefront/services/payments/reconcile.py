"""Compare what the processor reports (charges, refunds, disputes, their balance transactions,
transfers and application fees) with our orders, entitlements and every ledger row, and list
every difference by kind. Read-only. The row-by-row money checks are in ``reconcile_ledger``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ...adapters.payments import PaymentGateway
from ...extensions import db
from ...models import Entitlement, LedgerEntry, Order, OrderStatus, WebhookEvent
from ...models.ledger import REFUND_TYPES, SALE_TYPES
from . import reconcile_ledger as rows
from . import reconcile_transfers
from .orders import SETTLED_STATUSES, find_order_for_charge
from .refunds import standing

Obj = dict[str, Any]
GRANTING = SETTLED_STATUSES - {OrderStatus.FLAGGED}


@dataclass(frozen=True)
class Difference:
    kind: str
    detail: str
    order: str | None = None  # public id
    charge: str | None = None

    def __str__(self) -> str:
        where = " ".join(
            f"{k}={v}" for k, v in (("order", self.order), ("charge", self.charge)) if v
        )
        return f"{self.kind}: {self.detail}" + (f" [{where}]" if where else "")


def _ledger_by_order(order_ids: set[int]) -> dict[int, list[LedgerEntry]]:
    rows: dict[int, list[LedgerEntry]] = defaultdict(list)
    if order_ids:
        for entry in db.session.scalars(
            sa.select(LedgerEntry).where(LedgerEntry.order_id.in_(order_ids))
        ):
            rows[entry.order_id].append(entry)  # type: ignore[index]
    return rows


def _refunds_of(gateway: PaymentGateway, charge: Obj) -> list[Obj]:
    """The charge's refunds with their balance transactions and transfer reversals."""
    listing = charge.get("refunds")
    if isinstance(listing, dict) and not listing.get("has_more") and not listing.get("data"):
        return []
    return gateway.list_refunds(charge["id"])


def _check_charge(
    gateway: PaymentGateway, charge: Obj, order: Order, ledger: list[LedgerEntry]
) -> list[Difference]:
    found: list[Difference] = []

    def diff(kind: str, detail: str) -> None:
        found.append(Difference(kind, detail, order.public_id, charge["id"]))

    currency = str(charge["currency"]).upper()
    if order.charge_id and order.charge_id != charge["id"]:
        diff("charge mismatch", f"the order records charge {order.charge_id}")
    if order.status not in SETTLED_STATUSES:
        diff("order not paid", f"the processor charged it but the order is {order.status.value}")
    if charge["amount"] != order.amount or currency != order.currency.upper():
        diff(
            "amount mismatch",
            f"charged {charge['amount']} {currency}, order {order.amount} {order.currency}",
        )
    if order.status == OrderStatus.FLAGGED:
        diff("flagged order", order.flag_reason or "held for an admin")
        return found
    sales = [e for e in ledger if e.entry_type in SALE_TYPES]
    if order.status in GRANTING and len(sales) != 1:
        diff(
            "sale not in ledger" if not sales else "sale recorded twice", f"{len(sales)} sale rows"
        )
    elif sales and sales[0].gross != charge["amount"]:
        diff("ledger amount mismatch", f"sale row {sales[0].gross}, charged {charge['amount']}")
    refunds = standing(_refunds_of(gateway, charge))
    booked = _standing_refunds(ledger)
    for refund in refunds:
        entry = booked.get(refund["id"])
        if entry is None:
            diff("refund not in ledger", f"refund {refund['id']} of {refund['amount']} {currency}")
        elif -entry.gross != refund["amount"]:
            diff(
                "refund amount mismatch",
                f"refund {refund['id']}: {refund['amount']} at the "
                f"processor, {-entry.gross} in the ledger",
            )
    for refund_id in set(booked) - {r["id"] for r in refunds}:
        diff("refund unknown to the processor", f"ledger refund {refund_id}")
    rows.check_sale(diff, order, charge, ledger)
    rows.check_refunds(diff, order, refunds, ledger)
    fee = charge.get("application_fee")
    if order.destination_account_id is not None and fee:
        fee_id = fee.get("id") if isinstance(fee, dict) else fee
        rows.check_fee_refunds(diff, charge, gateway.application_fee_refunds(fee_id), ledger)
    if charge.get("disputed") or any(e.dispute_id for e in ledger):
        rows.check_disputes(diff, order, gateway.list_disputes(charge["id"]), ledger)
    if order.amount_refunded != charge.get("amount_refunded", 0):
        diff(
            "refunded amount differs",
            f"processor {charge.get('amount_refunded', 0)}, order {order.amount_refunded}",
        )
    for kind, detail in reconcile_transfers.check_order(gateway, order):  # rights holders
        diff(kind, detail)
    return found


def _standing_refunds(ledger: list[LedgerEntry]) -> dict[str | None, LedgerEntry]:
    """Each recorded refund's row, leaving out refunds that failed and were undone."""
    rows = [e for e in ledger if e.entry_type in REFUND_TYPES]
    undone = {e.refund_id for e in rows if e.gross > 0}
    return {e.refund_id: e for e in rows if e.gross < 0 and e.refund_id not in undone}


def reconcile(gateway: PaymentGateway, since: datetime | None = None) -> list[Difference]:
    """Every difference between the processor's charges since ``since`` and our records."""
    created_gte = int(since.timestamp()) if since else None
    differences: list[Difference] = []
    matched: dict[str, tuple[Obj, Order]] = {}
    for charge in gateway.list_charges(created_gte=created_gte):
        if charge.get("status") != "succeeded" or not charge.get("captured", True):
            continue
        order = find_order_for_charge(
            charge["id"], charge.get("payment_intent"), charge.get("metadata")
        )
        if order is None:
            differences.append(
                Difference(
                    "missing order",
                    f"charge of {charge['amount']} {str(charge['currency']).upper()} "
                    "matches no order",
                    charge=charge["id"],
                )
            )
            continue
        matched[charge["id"]] = (charge, order)
    ledger = _ledger_by_order({order.id for _, order in matched.values()})
    for charge, order in matched.values():
        differences += _check_charge(gateway, charge, order, ledger.get(order.id, []))

    seen = {order.id for _, order in matched.values()}
    query = sa.select(Order).where(
        Order.status.in_(SETTLED_STATUSES), Order.provider == gateway.name
    )
    if since is not None:
        query = query.where(Order.paid_at >= since)
    entitled = set(db.session.scalars(sa.select(Entitlement.order_id)))
    for order in db.session.scalars(query.order_by(Order.id)):
        if order.id not in seen:
            differences.append(
                Difference(
                    "charge missing at the processor",
                    f"order {order.status.value} but no charge "
                    f"{order.charge_id or ''} was reported",
                    order.public_id,
                    order.charge_id,
                )
            )
        if order.status in GRANTING and order.id not in entitled:
            differences.append(
                Difference(
                    "paid order without entitlement",
                    f"{order.title_name} ({order.kind.value})",
                    order.public_id,
                    order.charge_id,
                )
            )
    for event in db.session.scalars(
        sa.select(WebhookEvent).where(WebhookEvent.processed_at.is_(None))
    ):
        differences.append(
            Difference(
                "event not processed", f"{event.id} ({event.type}): {event.outcome or 'pending'}"
            )
        )
    return differences
