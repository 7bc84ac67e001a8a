"""Reading a processor balance transaction: what moved on a balance, in its settlement
currency, with the fee and exchange rate exactly as stated. Ledger rows and reconcile both
read movements through here."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

Obj = dict[str, Any]


@dataclass(frozen=True)
class Settlement:
    """What moved on a balance: currency, amount, fee and net (amount - fee), the exchange rate
    as stated, and the balance transaction's id."""

    currency: str | None = None
    amount: int | None = None
    fee: int | None = None
    net: int | None = None
    exchange_rate: str | None = None
    balance_transaction_id: str | None = None

    def __add__(self, other: Settlement) -> Settlement:
        """Two movements on the same balance (same settlement currency) as one."""
        if other.currency is None:
            return self
        if self.currency is None:
            return other
        if self.currency.lower() != other.currency.lower():
            raise ValueError(f"cannot add {self.currency} and {other.currency} movements")
        return replace(
            self,
            amount=(self.amount or 0) + (other.amount or 0),
            fee=(self.fee or 0) + (other.fee or 0),
            net=(self.net or 0) + (other.net or 0),
        )


def exchange_rate_text(value: Any) -> str | None:
    """The rate as the processor wrote it (a JSON number) as exact decimal text."""
    if value is None:
        return None
    return str(Decimal(str(value)))


def settlement_of(txn: Obj | None) -> Settlement:
    """A balance transaction's movement, as stated (empty when it was not read)."""
    if not txn:
        return Settlement()
    return Settlement(
        currency=str(txn["currency"]),
        amount=int(txn["amount"]),
        fee=int(txn["fee"]),
        net=int(txn["net"]),
        exchange_rate=exchange_rate_text(txn.get("exchange_rate")),
        balance_transaction_id=txn["id"],
    )


def exact_fee(txn: Obj | None, currency: str) -> int:
    """The balance transaction's fee when it is stated in ``currency``, else 0 (the fee is then
    on the row in its settlement currency only)."""
    if not txn or str(txn["currency"]).lower() != currency.lower():
        return 0
    return int(txn["fee"])
