"""Separate charges and transfers: ``POST /v1/transfers`` and transfer reversals.

Follows Stripe's Connect guide: the platform charges on its own account, then moves funds to
connected accounts with transfers that may carry a ``transfer_group`` and a
``source_transaction`` (the charge whose funds the transfer waits for; the transfer's
currency must be the currency of that charge's balance transaction, and the transfers
tied to one charge may not exceed what it brought in). A transfer without
``source_transaction`` is paid from the platform's available balance and refused
(``balance_insufficient``) when that is short. Each transfer debits the platform
balance with a ``transfer`` balance transaction; each reversal credits it back with a
``transfer_refund`` one, and a transfer cannot be reversed beyond what is left of it.

On the connected account a transfer creates its ``destination_payment`` (a ``py_`` charge
whose ``payment`` balance transaction is in the account's currency, with ``exchange_rate``
when it was converted); a reversal creates that payment's refund
(``destination_payment_refund``, a ``pyr_`` refund with a ``payment_refund`` balance
transaction). Both are read with the account's ``Stripe-Account`` header. A reversal is refused
(``balance_insufficient``) when the account's balance cannot cover it, as Stripe documents
for transfers made with ``transfer_group``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from decimal import Decimal

from . import objects
from . import params as p
from .money import convert, round_half_up
from .params import ANY, StripeError
from .state import Obj, RequestContext, State

TRANSFER_CREATE = {
    "amount": None,
    "currency": None,
    "destination": None,
    "description": None,
    "metadata": ANY,
    "source_transaction": None,
    "source_type": None,
    "transfer_group": None,
    "expand": [None],
}
REVERSAL_CREATE = {
    "amount": None,
    "description": None,
    "metadata": ANY,
    "refund_application_fee": None,
    "expand": [None],
}


def _txn(state: State, **fields: object) -> Obj:
    return state.put(objects.balance_transaction(created=state.now(), **fields))  # type: ignore[arg-type]


INSUFFICIENT_PLATFORM = (
    "You have insufficient available funds in your Stripe account. Try adding funds directly "
    "to your available balance by creating Charges using the 4000000000000077 test card. "
    "See: https://stripe.com/docs/testing#available-balance"
)


def _on_account(state: State, account: str, **fields: object) -> Obj:
    return state.put(
        objects.balance_transaction(created=state.now(), **fields),  # type: ignore[arg-type]
        account=account,
    )


def pay_destination(state: State, transfer: Obj, application_fee: int = 0) -> Obj:
    """The transfer's ``destination_payment`` on the connected account, with its balance
    transaction in the account's settlement currency; a destination charge's application fee
    is that transaction's fee (in the same currency, at the same rate)."""
    account = transfer["destination"]
    acct = state.require(account, "account")
    amount, currency, rate = state.settle_for_account(
        transfer["amount"], transfer["currency"], acct
    )
    fee = application_fee
    if fee and rate is not None:
        fee = convert(fee, transfer["currency"], currency, rate)
    fees = [objects.fee_detail(fee, currency, "Application fee", "application_fee")] if fee else []
    if fees:
        fees[0]["application"] = "ca_StorefrontEmulator"
    payment = objects.charge(
        email=None,
        card_country=acct["country"],
        id=transfer["destination_payment"],
        amount=transfer["amount"],
        amount_captured=transfer["amount"],
        currency=transfer["currency"],
        created=state.now(),
        payment_method_details={"stripe_account": {}, "type": "stripe_account"},
        source_transfer=transfer["id"],
        billing_details={
            "address": {
                k: None for k in ("city", "country", "line1", "line2", "postal_code", "state")
            },
            "email": None,
            "name": None,
            "phone": None,
        },
    )
    payment["refunds"]["url"] = f"/v1/charges/{payment['id']}/refunds"
    payment["balance_transaction"] = _on_account(
        state,
        account,
        amount=amount,
        currency=currency,
        type="payment",
        source=payment["id"],
        reporting_category="charge",
        exchange_rate=float(rate) if rate is not None else None,
        fee_details=fees,
    )["id"]
    return state.put(payment, account=account)


def refund_destination(
    state: State, transfer: Obj, amount: int, reversal_id: str, *, covered: bool = True
) -> str:
    """The reversal's refund of the destination payment (debiting the connected account in
    the payment's settlement currency, at the payment's rate); refused when the account's
    balance cannot cover it, unless ``covered`` is False (a destination charge's transfer)."""
    account = transfer["destination"]
    payment = state.require(transfer["destination_payment"], "charge", account=account)
    paid = state.require(payment["balance_transaction"], "balance_transaction", account=account)
    if paid["exchange_rate"] is None:
        debit = amount
    else:
        debit = round_half_up(Decimal(paid["amount"]) * amount / payment["amount"])
    if covered and state.available(paid["currency"], account) < debit:
        raise StripeError(
            "The destination account does not have a sufficient balance available to cover "
            "this reversal.",
            code="balance_insufficient",
        )
    refund = objects.refund(
        id=objects.new_id("pyr"),
        amount=amount,
        charge=payment["id"],
        currency=payment["currency"],
        created=state.now(),
        destination_details=None,
        source_transfer_reversal=reversal_id,
    )
    refund["balance_transaction"] = _on_account(
        state,
        account,
        amount=-debit,
        currency=paid["currency"],
        type="payment_refund",
        source=refund["id"],
        reporting_category="refund",
        exchange_rate=paid["exchange_rate"],
    )["id"]
    state.put(refund, account=account)
    payment["amount_refunded"] += amount
    payment["refunded"] = payment["amount_refunded"] == payment["amount"]
    payment["refunds"]["data"].insert(0, refund)
    payment["refunds"]["total_count"] = len(payment["refunds"]["data"])
    return refund["id"]


def create_transfer(state: State, params: Obj, ctx: RequestContext) -> Obj:
    """``POST /v1/transfers``."""
    p.check_unknown(params, TRANSFER_CREATE)
    amount = p.integer(params, "amount", required=True, minimum=1)
    currency = (p.string(params, "currency", required=True) or "").lower()
    destination = p.string(params, "destination", required=True) or ""
    acct = state.require(destination, "account", param="destination", status=400)
    if acct["capabilities"].get("transfers") != "active":
        raise StripeError(
            "Your destination account needs to have at least one of the following "
            "capabilities enabled: transfers, crypto_transfers, legacy_payments",
            param="destination",
            code="insufficient_capabilities_for_transfer",
        )
    source = p.string(params, "source_transaction")
    if source is not None:
        charge = state.require(source, "charge", param="source_transaction", status=400)
        settled = state.require(charge["balance_transaction"], "balance_transaction")
        if settled["currency"] != currency:
            raise StripeError(
                f"The currency of source_transaction's balance transaction "
                f"({settled['currency']}) must be the same as the transfer currency ({currency})",
                param="currency",
            )
        already = sum(
            t["amount"] - t["amount_reversed"]
            for t in state.all("transfer")
            if t["source_transaction"] == source
        )
        if already + (amount or 0) > settled["amount"]:
            raise StripeError(
                "Insufficient funds in the source transaction for this transfer.",
                param="amount",
                code="balance_insufficient",
            )
    elif state.available(currency) < (amount or 0):
        raise StripeError(INSUFFICIENT_PLATFORM, code="balance_insufficient")
    transfer = objects.transfer(
        amount=amount,
        currency=currency,
        description=p.string(params, "description"),
        destination=destination,
        metadata=p.metadata(params),
        source_transaction=source,
        transfer_group=p.string(params, "transfer_group"),
        created=state.now(),
    )
    transfer["balance_transaction"] = _txn(
        state, amount=-(amount or 0), currency=currency, type="transfer", source=transfer["id"]
    )["id"]
    state.put(transfer)
    pay_destination(state, transfer)
    state.emit("transfer.created", transfer, ctx)
    return transfer


def create_reversal(state: State, transfer: Obj, params: Obj, ctx: RequestContext) -> Obj:
    """``POST /v1/transfers/{id}/reversals``: all that is left unless ``amount`` says less."""
    p.check_unknown(params, REVERSAL_CREATE)
    left = transfer["amount"] - transfer["amount_reversed"]
    amount = p.integer(params, "amount", minimum=1)
    amount = left if amount is None else amount
    if left <= 0:
        raise StripeError(
            f"Transfer {transfer['id']} has already been fully reversed.",
            code="transfer_already_reversed",
        )
    if amount > left:
        raise StripeError(
            f"Reversal amount ({amount}) is greater than the amount left on the transfer ({left}).",
            param="amount",
        )
    reversal_id = objects.new_id("trr")
    # A destination charge's transfer is reversed whatever the account's balance.
    source = state.find(transfer["source_transaction"], "charge")
    covered = source is None or source.get("transfer") != transfer["id"]
    reversal = {
        "id": reversal_id,
        "object": "transfer_reversal",
        "amount": amount,
        "balance_transaction": None,
        "created": state.now(),
        "currency": transfer["currency"],
        "destination_payment_refund": refund_destination(
            state, transfer, amount, reversal_id, covered=covered
        ),
        "metadata": p.metadata(params),
        "source_refund": None,
        "transfer": transfer["id"],
    }
    reversal["balance_transaction"] = _txn(
        state,
        amount=amount,
        currency=transfer["currency"],
        type="transfer_refund",
        source=reversal["id"],
        reporting_category="transfer_reversal",
    )["id"]
    state.put(reversal)
    transfer["amount_reversed"] += amount
    transfer["reversed"] = transfer["amount_reversed"] == transfer["amount"]
    transfer["reversals"]["data"].insert(0, reversal)
    transfer["reversals"]["total_count"] = len(transfer["reversals"]["data"])
    state.emit("transfer.reversed", transfer, ctx)
    return reversal


class BalanceControls:
    """``StripeEmulator`` methods: connected accounts' rates, and payouts out of a balance."""

    state: State

    def account_rates(self, source: str, rates: Mapping[str, Decimal | str]) -> None:
        """Connected accounts whose ``default_currency`` is one of ``rates`` settle transfers in
        ``source`` into it at that rate (major units per major unit of ``source``); without a
        rate an account keeps the transfer's currency. ``reset()`` forgets them."""
        with self.state.lock:
            for target, rate in rates.items():
                pair = (source.lower(), target.lower())
                self.state.account_rates[pair] = Decimal(str(rate))

    def pay_out(self, account_id: str | None, amount: int, currency: str) -> Obj:
        """A payout of ``amount`` to the bank from a connected account's balance, or from the
        platform's (``account_id`` None, as automatic payouts do): a ``payout`` balance
        transaction, so less is left to cover reversals or transfers."""
        with self.state.lock:
            if account_id is not None:
                self.state.require(account_id, "account")
            txn = objects.balance_transaction(
                amount=-amount,
                currency=currency.lower(),
                type="payout",
                source=objects.new_id("po"),
                created=self.state.now(),
            )
            return copy.deepcopy(self.state.put(txn, account=account_id))
