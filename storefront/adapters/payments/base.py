"""What the app asks of a payment processor, and the errors it may answer with.

Objects come back as plain dicts shaped like Stripe's API objects (ids are strings unless the
call says it expands them), whichever gateway produced them, so the fulfilment code that reads
them is the same for Stripe and for offline test payments.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask_babel import lazy_gettext as _l

Obj = dict[str, Any]
WEBHOOK_TOLERANCE_SECONDS = 300

# The expansions fulfilment needs to read the processor fee, the net and, in Connect mode, the
# transfer to the studio's account and the application fee, each with the balance transaction
# that moved the platform's balance (in its settlement currency).
SESSION_PAYMENT_EXPANSIONS = (
    "payment_intent.latest_charge.balance_transaction",
    "payment_intent.latest_charge.transfer.balance_transaction",
    "payment_intent.latest_charge.application_fee.balance_transaction",
)
# What reconciliation reads on each listed charge.
CHARGE_EXPANSIONS = (
    "data.refunds",
    "data.balance_transaction",
    "data.transfer",
    "data.application_fee",
)
# The expansions refund bookkeeping needs (each refund's and transfer reversal's movement).
REFUND_EXPANSIONS = (
    "data.balance_transaction",
    "data.transfer_reversal.balance_transaction",
    "data.failure_balance_transaction",  # the amount back on the balance when a refund failed
)


class PaymentError(Exception):
    """A payment call failed; ``str(error)`` is safe to show to the buyer or studio."""

    public_message = _l("The payment could not be processed. Please try again.")

    def __init__(self, detail: str = "") -> None:
        super().__init__(str(self.public_message))
        self.detail = detail  # technical detail, for the logs only


class PaymentUnavailable(PaymentError):
    """The processor could not be reached, timed out or failed on its side: try again later."""

    public_message = _l(
        "We could not reach our payment provider. Nothing was charged; please try again in a "
        "moment."
    )


class PaymentRateLimited(PaymentUnavailable):
    public_message = _l(
        "Our payment provider is busy right now. Nothing was charged; please try again in a minute."
    )


class PaymentDeclined(PaymentError):
    public_message = _l("The payment was declined. Nothing was charged.")


class InvalidPaymentRequest(PaymentError):
    """The processor refused what we asked (a bug, or a state that changed meanwhile)."""

    public_message = _l("The payment provider refused this request. Nothing was charged.")


class InsufficientBalance(InvalidPaymentRequest):
    """A balance (the platform's, or a connected account's for a reversal) cannot cover the
    movement now; it may later, so the movement waits and is tried again."""


class InvalidWebhook(Exception):
    """A webhook whose signature, timestamp or body cannot be trusted."""


def parse_event(payload: bytes) -> Obj:
    """The event in a webhook body whose signature was already checked."""
    try:
        event = json.loads(payload)
    except (ValueError, RecursionError) as exc:  # deep nesting exhausts the parser's stack
        raise InvalidWebhook(f"malformed body: {exc}") from exc
    if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
        raise InvalidWebhook("not an event")
    return event


@dataclass(frozen=True)
class CheckoutRequest:
    """Everything a hosted checkout page needs, taken from a pending order."""

    order_ref: str
    amount: int  # minor units
    currency: str  # ISO 4217, any case
    product_name: str
    success_url: str  # may contain {CHECKOUT_SESSION_ID}
    cancel_url: str
    expires_at: int  # unix time
    idempotency_key: str
    product_description: str | None = None
    customer_email: str | None = None
    locale: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    automatic_tax: bool = False
    destination_account: str | None = None  # Connect: the studio's account
    application_fee: int = 0  # Connect: the platform's share, minor units
    # Separate charges and transfers (co-productions): the group every transfer of the order
    # carries; the charge stays on the platform's account.
    transfer_group: str | None = None


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


class PaymentGateway(Protocol):
    """The payment processor as the app uses it."""

    name: str  # stored on orders, events and ledger rows: "stripe" or "offline"
    supports_connect: bool

    def create_checkout_session(self, request: CheckoutRequest) -> CheckoutSession: ...

    def redirect_origins(self) -> list[str]:
        """Origins the store's forms redirect to (hosted checkout, onboarding)."""
        ...

    def retrieve_checkout_session(self, session_id: str, *, expand_payment: bool = True) -> Obj:
        """The session; with ``expand_payment`` its payment intent, charge, balance
        transaction and transfer inline (see SESSION_PAYMENT_EXPANSIONS)."""
        ...

    def expire_checkout_session(self, session_id: str) -> Obj: ...

    def list_refunds(self, charge_id: str) -> list[Obj]:
        """Every refund of a charge, oldest first, balance transaction and transfer reversal
        expanded."""
        ...

    def create_refund(
        self, charge_id: str, amount: int, *, idempotency_key: str, connect: bool
    ) -> Obj: ...

    def application_fee_refunds(self, fee_id: str) -> list[Obj]:
        """The refunds of an application fee (Connect), balance transactions expanded."""
        ...

    def list_charges(self, *, created_gte: int | None = None) -> Iterator[Obj]:
        """Every charge (newest first), across all pages, with its refunds, balance
        transaction, transfer and application fee inline (see CHARGE_EXPANSIONS)."""
        ...

    def list_disputes(self, charge_id: str) -> list[Obj]:
        """Every dispute of a charge, with its balance transactions."""
        ...

    def create_account(self, *, email: str, country: str, idempotency_key: str) -> Obj: ...

    def create_account_link(self, account_id: str, *, refresh_url: str, return_url: str) -> str: ...

    def retrieve_account(self, account_id: str) -> Obj: ...

    def construct_event(self, payload: bytes, signature: str | None) -> Obj:
        """The verified event as a dict, or InvalidWebhook."""
        ...

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
        """Move ``amount`` from the platform's balance to a connected account."""
        ...

    def create_transfer_reversal(
        self, transfer_id: str, *, amount: int, idempotency_key: str, metadata: dict[str, str]
    ) -> Obj:
        """Take ``amount`` of a transfer back to the platform's balance."""
        ...

    def retrieve_balance_transaction(self, txn_id: str) -> Obj: ...

    def destination_balance_transaction(self, account_id: str, movement: Obj) -> Obj | None:
        """The connected account's own balance transaction for a transfer (its destination
        payment) or a transfer reversal (that payment's refund), read as the account; None
        when the account has no balance of its own (offline pseudo-accounts)."""
        ...

    def list_transfers(self, transfer_group: str) -> list[Obj]:
        """Every transfer of a group, oldest first, with its reversals inline."""
        ...
