"""Refunds that stay ``pending`` and later succeed or fail, as card refunds can.

Stripe's refund object documents ``status`` (``pending``, ``succeeded``, ``failed``...),
``failure_reason`` and ``failure_balance_transaction``: "if the refund failed, this balance
transaction describes the adjustment made on your account balance that reverses the initial
balance transaction" (type ``refund_failure``). A failed refund emits ``charge.refund.updated``,
``refund.updated`` and ``refund.failed``, and the amount can be refunded again.

Stripe documents nothing else being undone: in Connect mode the transfer reversal and the
application fee refund made with the refund stay as they are (the platform keeps the reversed
amount and has refunded its fee), so the emulator leaves them too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import objects
from .params import StripeError
from .state import Obj, State

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    T = TypeVar("T")

FAILURE_REASONS = (
    "charge_for_pending_refund_disputed",
    "declined",
    "expired_or_canceled_card",
    "insufficient_funds",
    "lost_or_stolen_card",
    "merchant_request",
    "unknown",
)


def _pending(state: State, refund_id: str) -> Obj:
    refund = state.require(refund_id, "refund")
    if refund["status"] != "pending":
        raise StripeError(f"Refund {refund_id} is {refund['status']}, not pending.")
    return refund


def _emit_update(state: State, refund: Obj, *, failed: bool) -> None:
    previous = {"status": "pending"}
    if failed:
        previous.update(failure_balance_transaction=None, failure_reason=None)
    state.emit("charge.refund.updated", refund, previous=previous)
    state.emit("refund.updated", refund, previous=previous)
    if failed:
        state.emit("refund.failed", refund)


def succeed(state: State, refund_id: str) -> Obj:
    """A pending refund reaches the card: ``status`` becomes ``succeeded``."""
    refund = _pending(state, refund_id)
    refund["status"] = "succeeded"
    _emit_update(state, refund, failed=False)
    return refund


def fail(state: State, refund_id: str, reason: str = "expired_or_canceled_card") -> Obj:
    """A pending refund fails: its amount comes back to the balance in a ``refund_failure``
    balance transaction that mirrors the refund's, and the charge can be refunded again."""
    if reason not in FAILURE_REASONS:
        raise StripeError(f"Invalid failure_reason: must be one of {', '.join(FAILURE_REASONS)}")
    refund = _pending(state, refund_id)
    original = state.require(refund["balance_transaction"], "balance_transaction")
    txn = state.put(
        objects.balance_transaction(
            amount=-original["amount"],
            currency=original["currency"],
            type="refund_failure",
            source=refund["id"],
            created=state.now(),
            reporting_category="refund_failure",
            exchange_rate=original["exchange_rate"],
        )
    )
    refund.update(status="failed", failure_reason=reason, failure_balance_transaction=txn["id"])
    charge = state.require(refund["charge"], "charge")
    charge["amount_refunded"] -= refund["amount"]
    charge["refunded"] = charge["amount_refunded"] == charge["amount"]
    _emit_update(state, refund, failed=True)
    return refund


class RefundControls:
    """``StripeEmulator`` methods: hold refunds pending, then settle each one."""

    state: State

    def transact(self, fn: Callable[[], T]) -> T:  # pragma: no cover - provided by the emulator
        raise NotImplementedError

    def hold_refunds_pending(self, count: int = 1) -> None:
        """The next ``count`` refunds are created ``pending`` (``reset()`` clears it)."""
        with self.state.lock:
            self.state.pending_refunds = count

    def succeed_refund(self, refund_id: str) -> Obj:
        """A pending refund succeeds (``charge.refund.updated``, ``refund.updated``)."""
        return self.transact(lambda: succeed(self.state, refund_id))

    def fail_refund(self, refund_id: str, reason: str = "expired_or_canceled_card") -> Obj:
        """A pending refund fails (``charge.refund.updated``, ``refund.updated``,
        ``refund.failed``) and a ``refund_failure`` balance transaction returns its amount."""
        return self.transact(lambda: fail(self.state, refund_id, reason))
