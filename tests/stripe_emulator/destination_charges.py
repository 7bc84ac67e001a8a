"""Destination charges (``transfer_data[destination]``): what a paid charge moves besides the
platform's own charge, and what a refund with ``reverse_transfer`` or
``refund_application_fee`` gives back.

Following Stripe's destination-charge flow: the platform transfers the full amount to the
connected account (``transfer_data[amount]``: only that much) with a ``transfer`` balance
transaction, and, with ``application_fee_amount``, collects the fee back as an
``application_fee`` (its own balance transaction). On the connected account the transfer is
its ``destination_payment`` (a ``py_`` charge, read with ``Stripe-Account``) with a ``payment``
balance transaction in the account's settlement currency (``account_rates``), the application
fee as its fee, like the destination payments of separate transfers (``transfers``).

A refund reverses the transfer (``reverse_transfer``) and the fee (``refund_application_fee``)
in proportion; on the account the reversal refunds the destination payment (``pyr_``,
``payment_refund``) and a fee given back is credited (``application_fee_refund``). Stripe
refuses reversing a ``transfer_group`` transfer the account's balance cannot cover, not a
destination charge's: that account's balance may go negative.
"""

from __future__ import annotations

from decimal import Decimal

from . import objects
from .money import convert, round_half_up
from .state import Obj, State
from .transfers import pay_destination, refund_destination

Later = list[tuple[str, Obj]]


def _book(state: State, *, amount: int, currency: str, **fields: object) -> str:
    """A platform balance transaction, in its settlement currency; its id."""
    settled, settle_currency, rate = state.settle(amount, currency)
    txn = objects.balance_transaction(
        created=state.now(),
        amount=settled,
        currency=settle_currency,
        exchange_rate=float(rate) if rate is not None else None,
        **fields,  # type: ignore[arg-type]
    )
    return str(state.put(txn)["id"])


def transfer_funds(state: State, intent: Obj, charge: Obj) -> Later:
    """The charge's transfer to its destination, the destination payment on the account and
    the application fee; the events to emit after ``charge.succeeded``."""
    later: Later = []
    destination = intent["transfer_data"]["destination"]
    currency = charge["currency"]
    moved = intent["transfer_data"].get("amount") or charge["amount"]
    fee = intent["application_fee_amount"] or 0
    transfer = objects.transfer(
        amount=moved,
        currency=currency,
        destination=destination,
        source_transaction=charge["id"],
        transfer_group=intent["transfer_group"],
        created=state.now(),
    )
    transfer["balance_transaction"] = _book(
        state, amount=-moved, currency=currency, type="transfer", source=transfer["id"]
    )
    state.put(transfer)
    pay_destination(state, transfer, application_fee=fee)
    charge["transfer"] = transfer["id"]
    later.append(("transfer.created", transfer))
    if fee:
        app_fee = objects.application_fee(
            account=destination,
            amount=fee,
            charge=charge["id"],
            currency=currency,
            originating_transaction=charge["id"],
            created=state.now(),
        )
        app_fee["balance_transaction"] = _book(
            state,
            amount=fee,
            currency=currency,
            type="application_fee",
            source=app_fee["id"],
            reporting_category="fee",
        )
        state.put(app_fee)
        charge["application_fee"] = app_fee["id"]
        later.append(("application_fee.created", app_fee))
    return later


def _given_back(charge: Obj, refund: Obj, whole: int, done: int) -> int:
    """What ``refund`` gives back of ``whole`` (``done`` of it given back already): its part in
    proportion to the amount refunded, rounded half-up; all that is left once the charge is
    fully refunded."""
    left = whole - done
    if charge["refunded"]:
        return left
    return min(left, round_half_up(Decimal(whole) * refund["amount"] / charge["amount"]))


def _reverse_transfer(state: State, charge: Obj, refund: Obj, transfer: Obj) -> Obj | None:
    back = _given_back(charge, refund, transfer["amount"], transfer["amount_reversed"])
    if back <= 0:
        return None
    reversal_id = objects.new_id("trr")
    reversal = {
        "id": reversal_id,
        "object": "transfer_reversal",
        "amount": back,
        "balance_transaction": _book(
            state,
            amount=back,
            currency=charge["currency"],
            type="transfer_refund",
            source=reversal_id,
            reporting_category="transfer_reversal",
        ),
        "created": state.now(),
        "currency": charge["currency"],
        "destination_payment_refund": refund_destination(
            state, transfer, back, reversal_id, covered=False
        ),
        "metadata": {},
        "source_refund": refund["id"],
        "transfer": transfer["id"],
    }
    state.put(reversal)
    transfer["amount_reversed"] += back
    transfer["reversed"] = transfer["amount_reversed"] == transfer["amount"]
    _prepend(transfer["reversals"], reversal)
    refund["transfer_reversal"] = reversal["id"]
    return transfer


def _credit_account_fee(state: State, app_fee: Obj, back: int, fee_refund_id: str) -> None:
    """The fee given back reaches the account, at its destination payment's rate."""
    account = app_fee["account"]
    charge = state.require(app_fee["charge"], "charge")
    transfer = state.require(charge["transfer"], "transfer")
    payment = state.require(transfer["destination_payment"], "charge", account=account)
    paid = state.require(payment["balance_transaction"], "balance_transaction", account=account)
    rate = paid["exchange_rate"]
    credit = back
    if rate is not None:
        credit = convert(back, app_fee["currency"], paid["currency"], Decimal(str(rate)))
    state.put(
        objects.balance_transaction(
            created=state.now(),
            amount=credit,
            currency=paid["currency"],
            type="application_fee_refund",
            source=fee_refund_id,
            exchange_rate=rate,
        ),
        account=account,
    )


def _refund_fee(state: State, charge: Obj, refund: Obj, app_fee: Obj) -> Obj | None:
    back = _given_back(charge, refund, app_fee["amount"], app_fee["amount_refunded"])
    if back <= 0:
        return None
    fee_refund_id = objects.new_id("fr")
    fee_refund = {
        "id": fee_refund_id,
        "object": "fee_refund",
        "amount": back,
        "balance_transaction": _book(
            state,
            amount=-back,
            currency=charge["currency"],
            type="application_fee_refund",
            source=fee_refund_id,
            reporting_category="platform_earning_refund",
        ),
        "created": state.now(),
        "currency": charge["currency"],
        "fee": app_fee["id"],
        "metadata": {},
    }
    state.put(fee_refund)
    _credit_account_fee(state, app_fee, back, fee_refund_id)
    app_fee["amount_refunded"] += back
    app_fee["refunded"] = app_fee["amount_refunded"] == app_fee["amount"]
    _prepend(app_fee["refunds"], fee_refund)
    return app_fee


def give_back(
    state: State, charge: Obj, refund: Obj, *, reverse_transfer: bool, refund_fee: bool
) -> Later:
    """What a refund of a destination charge reverses, in proportion to the amount refunded
    (all that is left once the charge is fully refunded); the events to emit."""
    later: Later = []
    transfer = state.find(charge.get("transfer"), "transfer")
    if reverse_transfer and transfer and _reverse_transfer(state, charge, refund, transfer):
        later.append(("transfer.reversed", transfer))
    app_fee = state.find(charge.get("application_fee"), "application_fee")
    if refund_fee and app_fee and _refund_fee(state, charge, refund, app_fee):
        later.append(("application_fee.refunded", app_fee))
    return later


def _prepend(listing: Obj, item: Obj) -> None:
    listing["data"].insert(0, item)
    listing["total_count"] = len(listing["data"])
