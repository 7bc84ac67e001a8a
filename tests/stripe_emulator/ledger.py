"""Money movements: charges, refunds and disputes with their balance transactions.

The platform receives the full charge (minus Stripe's fee); a destination charge's transfer,
application fee and the connected account's side are in ``destination_charges``. Summing every
balance transaction's ``net`` gives the platform's balance to the minor unit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import destination_charges, objects
from . import params as p
from .catalog import DISPUTE_REASONS
from .money import format_amount
from .params import ANY, StripeError
from .state import DASHBOARD, Obj, RequestContext, State

REFUND_CREATE = {
    "charge": None,
    "payment_intent": None,
    "amount": None,
    "reason": None,
    "metadata": ANY,
    "refund_application_fee": None,
    "reverse_transfer": None,
    "expand": [None],
    "instructions_email": None,
    "origin": None,
    "currency": None,
    "customer": None,
}
REFUND_REASONS = ("duplicate", "fraudulent", "requested_by_customer")
OPEN_DISPUTE = ("warning_needs_response", "warning_under_review", "needs_response", "under_review")


def _txn(
    state: State,
    *,
    amount: int,
    currency: str,
    fee: Callable[[int, str], int] | None = None,
    fee_description: str = "Stripe processing fees",
    **fields: Any,
) -> Obj:
    """Book ``amount`` of ``currency`` on the account's balance, converted into its settlement
    currency when that differs (``exchange_rate`` set); ``fee(settled, currency)`` gives the
    fee in the settlement currency (negative when a fee is given back)."""
    settled, settle_currency, rate = state.settle(amount, currency)
    details = []
    if fee is not None:
        details = [
            objects.fee_detail(fee(settled, settle_currency), settle_currency, fee_description)
        ]
    return state.put(
        objects.balance_transaction(
            created=state.now(),
            amount=settled,
            currency=settle_currency,
            fee_details=details,
            exchange_rate=float(rate) if rate is not None else None,
            **fields,
        )
    )


def capture(state: State, intent: Obj, *, email: str, card_country: str) -> Obj:
    """Charge the card for a PaymentIntent and book every resulting movement."""
    amount, currency = intent["amount"], intent["currency"]
    charge = objects.charge(
        email=email,
        card_country=card_country,
        amount=amount,
        amount_captured=amount,
        currency=currency,
        created=state.now(),
        description=intent["description"],
        metadata=dict(intent["metadata"]),
        payment_intent=intent["id"],
        payment_method=intent["payment_method"],
        receipt_email=intent["receipt_email"],
        application_fee_amount=intent["application_fee_amount"],
        transfer_data=dict(intent["transfer_data"]) if intent["transfer_data"] else None,
        transfer_group=intent["transfer_group"],
    )
    charge["receipt_url"] = f"{state.base_url}/receipts/{charge['id']}"
    txn = _txn(
        state,
        amount=amount,
        currency=currency,
        type="charge",
        source=charge["id"],
        fee=lambda settled, settle_currency: state.fees.processing_fee(settled, settle_currency),
    )
    charge["balance_transaction"] = txn["id"]
    state.put(charge)
    intent.update(status="succeeded", amount_received=amount, latest_charge=charge["id"])
    later = (
        destination_charges.transfer_funds(state, intent, charge) if intent["transfer_data"] else []
    )
    state.emit("charge.succeeded", charge)
    state.emit("payment_intent.succeeded", intent)
    for type_, obj in later:
        state.emit(type_, obj)
    return charge


def refund(state: State, params: Obj, ctx: RequestContext) -> Obj:
    """``POST /v1/refunds``."""
    p.check_unknown(params, REFUND_CREATE)
    charge_id = p.string(params, "charge")
    intent_id = p.string(params, "payment_intent")
    if not charge_id and not intent_id:
        raise StripeError(
            "One of the following params should be provided for this request: "
            "payment_intent or charge.",
            code="parameter_missing",
        )
    if intent_id:
        intent = state.require(intent_id, "payment_intent", param="payment_intent", status=400)
        if intent["status"] != "succeeded" or not intent["latest_charge"]:
            raise StripeError(
                f"This PaymentIntent ({intent_id}) does not have a successful charge to refund.",
                param="payment_intent",
                code="charge_not_refundable",
            )
        if charge_id and charge_id != intent["latest_charge"]:
            raise StripeError(
                f"Charge {charge_id} does not belong to PaymentIntent {intent_id}.", param="charge"
            )
        charge_id = intent["latest_charge"]
    charge = state.require(charge_id or "", "charge", param="charge", status=400)
    dispute = next((d for d in state.all("dispute") if d["charge"] == charge["id"]), None)
    if dispute is not None and dispute["status"] not in ("won", "warning_closed", *INQUIRY):
        raise StripeError(
            f"Charge {charge['id']} has been charged back; cannot issue a refund.",
            code="charge_disputed",
        )
    remaining = charge["amount"] - charge["amount_refunded"]
    if remaining <= 0:
        raise StripeError(
            f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded"
        )
    amount = p.integer(params, "amount", minimum=1)
    amount = remaining if amount is None else amount
    currency = charge["currency"]
    if amount > remaining:
        raise StripeError(
            f"Refund amount ({format_amount(amount, currency)}) is greater than unrefunded "
            f"amount on charge ({format_amount(remaining, currency)})",
            param="amount",
            code="amount_too_large",
        )
    reason = p.string(params, "reason")
    if reason is not None and reason not in REFUND_REASONS:
        raise StripeError(
            "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer",
            param="reason",
        )
    reverse_transfer = p.boolean(params, "reverse_transfer")
    refund_fee = p.boolean(params, "refund_application_fee")
    re = objects.refund(
        amount=amount,
        charge=charge["id"],
        currency=currency,
        created=state.now(),
        metadata=p.metadata(params),
        payment_intent=charge["payment_intent"],
        reason=reason,
    )
    if state.pending_refunds > 0:
        state.pending_refunds -= 1
        re["status"] = "pending"
    re["balance_transaction"] = _txn(
        state, amount=-amount, currency=currency, type="refund", source=re["id"]
    )["id"]
    state.put(re)
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] == charge["amount"]
    _prepend(charge["refunds"], re)
    later = destination_charges.give_back(
        state, charge, re, reverse_transfer=bool(reverse_transfer), refund_fee=bool(refund_fee)
    )
    state.emit("charge.refunded", charge, ctx)
    state.emit("refund.created", re, ctx)
    for type_, obj in later:
        state.emit(type_, obj, ctx)
    return re


def _prepend(listing: Obj, item: Obj) -> None:
    listing["data"].insert(0, item)
    listing["total_count"] = len(listing["data"])


INQUIRY = ("warning_needs_response", "warning_under_review")


def open_dispute(
    state: State, charge_id: str, reason: str, amount: int | None, *, inquiry: bool = False
) -> Obj:
    """The cardholder disputes a charge: funds plus the dispute fee are withdrawn. An inquiry
    (the issuer asks before charging back, as American Express does) withdraws nothing, and
    the charge can still be refunded, until it escalates (``escalate_dispute``)."""
    charge = state.require(charge_id, "charge")
    if charge["disputed"]:
        raise StripeError(f"Charge {charge_id} is already disputed.")
    if reason not in DISPUTE_REASONS:
        raise StripeError(f"Invalid dispute reason: {reason}")
    amount = charge["amount"] - charge["amount_refunded"] if amount is None else amount
    currency = charge["currency"]
    dispute = objects.dispute(
        amount=amount,
        charge=charge["id"],
        currency=currency,
        created=state.now(),
        payment_intent=charge["payment_intent"],
        reason=reason,
    )
    dispute["evidence_details"]["due_by"] = state.now() + 7 * 86400
    if inquiry:
        dispute.update(status="warning_needs_response", is_charge_refundable=True)
    else:
        _withdraw(state, dispute)
    state.put(dispute)
    charge["disputed"] = True
    state.emit("charge.dispute.created", dispute)
    if not inquiry:
        state.emit("charge.dispute.funds_withdrawn", dispute)
    return dispute


def _withdraw(state: State, dispute: Obj) -> None:
    debit = _txn(
        state,
        amount=-dispute["amount"],
        currency=dispute["currency"],
        type="adjustment",
        source=dispute["id"],
        fee=lambda settled, settle_currency: state.fees.dispute_fee_for(settle_currency),
        fee_description="Dispute fee",
        reporting_category="dispute",
        description=f"Chargeback withdrawal for {dispute['charge']}",
    )
    dispute["balance_transactions"] = [dict(debit)]


def escalate_dispute(state: State, dispute: Obj) -> Obj:
    """The issuer turns an inquiry into a chargeback: the funds and the dispute fee leave now
    (``charge.dispute.updated``, then ``charge.dispute.funds_withdrawn``)."""
    if dispute["status"] not in INQUIRY:
        raise StripeError(f"Dispute {dispute['id']} is not an inquiry ({dispute['status']}).")
    previous = {"status": dispute["status"], "is_charge_refundable": True}
    dispute.update(status="needs_response", is_charge_refundable=False)
    _withdraw(state, dispute)
    state.emit("charge.dispute.updated", dispute, previous=previous)
    state.emit("charge.dispute.funds_withdrawn", dispute)
    return dispute


def update_dispute(state: State, dispute: Obj, params: Obj, ctx: RequestContext) -> Obj:
    """``POST /v1/disputes/{id}``: store evidence and (by default) submit it."""
    p.check_unknown(params, {"evidence": ANY, "metadata": ANY, "submit": None, "expand": [None]})
    if dispute["status"] not in OPEN_DISPUTE:
        raise StripeError(f"This dispute is already closed ({dispute['status']}).")
    previous = {"status": dispute["status"]}
    evidence = p.get(params, "evidence") or {}
    for key, value in evidence.items():
        if key not in dispute["evidence"]:
            raise StripeError(
                f"Received unknown parameter: evidence[{key}]", param=f"evidence[{key}]"
            )
        dispute["evidence"][key] = value
    dispute["metadata"].update(p.metadata(params))
    dispute["evidence_details"]["has_evidence"] = any(dispute["evidence"].values())
    if p.boolean(params, "submit", default=True):
        dispute["evidence_details"]["submission_count"] += 1
        dispute["status"] = "under_review"
    state.emit("charge.dispute.updated", dispute, ctx, previous=previous)
    return dispute


def close_dispute(state: State, dispute: Obj, *, won: bool, ctx: RequestContext = DASHBOARD) -> Obj:
    """The bank decides: won returns the disputed funds and the dispute fee (a negative fee on
    the reinstating balance transaction), lost keeps them withdrawn; an inquiry closes as
    ``warning_closed`` with nothing withdrawn or returned."""
    if dispute["status"] not in OPEN_DISPUTE:
        raise StripeError(f"This dispute is already closed ({dispute['status']}).")
    if dispute["status"] in INQUIRY:  # resolved before any chargeback: nothing moves
        dispute.update(status="warning_closed", is_charge_refundable=False)
        state.emit("charge.dispute.closed", dispute, ctx)
        return dispute
    dispute["status"] = "won" if won else "lost"
    if won:
        withdrawn_fee = sum(t["fee"] for t in dispute["balance_transactions"] if t["amount"] < 0)
        credit = _txn(
            state,
            amount=dispute["amount"],
            currency=dispute["currency"],
            fee=lambda settled, settle_currency: -withdrawn_fee,
            fee_description="Dispute fee",
            type="adjustment",
            source=dispute["id"],
            reporting_category="dispute_reversal",
            description=f"Chargeback reversal for {dispute['charge']}",
        )
        dispute["balance_transactions"].append(dict(credit))
    state.emit("charge.dispute.closed", dispute, ctx)
    return dispute
