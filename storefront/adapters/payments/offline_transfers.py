"""Offline test payments: transfers to rights holders and their reversals, emulated.

No money moves: a transfer is a ``transfer`` object with a balance transaction debiting the
(test) platform balance, a reversal credits it back, in Stripe's shapes. Destinations are
``acct_offline_<studio id>`` pseudo-accounts, so a co-produced film's split sale shows under
``make run`` without any processor.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from .base import InvalidPaymentRequest, Obj
from .offline_store import Store, empty_list, new_id


class OfflineTransfers:
    """Mixed into OfflineGateway, which provides ``_tx`` and ``_read``."""

    _tx: Any
    _read: Any
    _connect: Any

    def _known(self, tx: Store, key: str, kind: str) -> Obj | None:
        row = tx.conn.execute("SELECT object_id FROM idempotency WHERE key = ?", (key,)).fetchone()
        return tx.get(row["object_id"], kind) if row is not None else None

    def _remember(self, tx: Store, key: str, object_id: str) -> None:
        tx.conn.execute("INSERT INTO idempotency (key, object_id) VALUES (?, ?)", (key, object_id))

    def create_transfer(
        self,
        *,
        amount: int,
        currency: str,
        destination: str,
        source_transaction: str | None,
        transfer_group: str | None,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> Obj:
        if amount < 1:
            raise InvalidPaymentRequest(f"transfer amount {amount} must be positive")
        with self._tx() as tx:
            known = self._known(tx, idempotency_key, "transfer")
            if known is not None:
                return known
            transfer_id = new_id("tr")
            txn = tx.balance_transaction(-amount, currency.lower(), "transfer", transfer_id, 0)
            transfer = {
                "id": transfer_id,
                "object": "transfer",
                "amount": amount,
                "amount_reversed": 0,
                "balance_transaction": txn["id"],
                "created": int(time.time()),
                "currency": currency.lower(),
                "description": None,
                "destination": destination,
                "destination_payment": new_id("py"),
                "livemode": False,
                "metadata": dict(metadata),
                "reversals": empty_list(f"/v1/transfers/{transfer_id}/reversals"),
                "reversed": False,
                "source_transaction": source_transaction,
                "source_type": "card",
                "transfer_group": transfer_group,
            }
            tx.put(transfer)
            self._remember(tx, idempotency_key, transfer_id)
            tx.emit("transfer.created", transfer)
        return transfer

    def create_transfer_reversal(
        self, transfer_id: str, *, amount: int, idempotency_key: str, metadata: dict[str, str]
    ) -> Obj:
        with self._tx() as tx:
            known = self._known(tx, idempotency_key, "transfer_reversal")
            if known is not None:
                return known
            transfer = tx.get(transfer_id, "transfer")
            left = transfer["amount"] - transfer["amount_reversed"]
            if amount < 1 or amount > left:
                raise InvalidPaymentRequest(f"reversal of {amount} exceeds {left} left")
            reversal_id = new_id("trr")
            txn = tx.balance_transaction(
                amount, transfer["currency"], "transfer_refund", reversal_id, 0
            )
            reversal = {
                "id": reversal_id,
                "object": "transfer_reversal",
                "amount": amount,
                "balance_transaction": txn["id"],
                "created": int(time.time()),
                "currency": transfer["currency"],
                "destination_payment_refund": new_id("pyr"),
                "metadata": dict(metadata),
                "source_refund": None,
                "transfer": transfer_id,
            }
            tx.put(reversal)
            transfer["amount_reversed"] += amount
            transfer["reversed"] = transfer["amount_reversed"] == transfer["amount"]
            transfer["reversals"]["data"].insert(0, reversal)
            tx.put(transfer)
            self._remember(tx, idempotency_key, reversal_id)
            tx.emit("transfer.reversed", transfer)
        return reversal

    def list_transfers(self, transfer_group: str) -> list[Obj]:
        conn = self._connect()
        try:
            found = Store(conn).all("transfer")
        finally:
            conn.close()
        return [t for t in found if t["transfer_group"] == transfer_group]

    def retrieve_balance_transaction(self, txn_id: str) -> Obj:
        return self._read(txn_id, "balance_transaction")

    def destination_balance_transaction(self, account_id: str, movement: Obj) -> Obj | None:
        return None  # a pseudo-account has no balance of its own: it got what was sent

    def balance_transactions(self) -> Iterator[Obj]:
        """Every balance transaction of the test platform balance (for statements' checks)."""
        conn = self._connect()
        try:
            yield from Store(conn).all("balance_transaction")
        finally:
            conn.close()
