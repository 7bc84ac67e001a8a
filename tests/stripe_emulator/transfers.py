"""Separate charges and transfers: ``POST /v1/transfers`` and transfer reversals.

Follows Stripe's Connect guide: the platform charges on its own account, then moves funds to
connected accounts with transfers that may carry a ``transfer_group`` and a
``source_transaction`` (the charge whose funds the transfer waits for; the transfer's
currency must be the currency of that charge's balance transaction, and the transfers
tied to one charge may not exceed what it brought in). Each transfer debits the platform
balance with a ``transfer`` balance transaction; each reversal credits it back with a
``transfer_refund`` one, and a transfer cannot be reversed beyond what is left of it.
"""

from __future__ import annotations

from . import objects
from . import params as p
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
    reversal = {
        "id": objects.new_id("trr"),
        "object": "transfer_reversal",
        "amount": amount,
        "balance_transaction": None,
        "created": state.now(),
        "currency": transfer["currency"],
        "destination_payment_refund": objects.new_id("pyr"),
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
