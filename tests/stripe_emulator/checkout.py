"""Checkout Sessions: creation with Stripe's validation, payment and expiry."""

from __future__ import annotations

import re

from . import ledger, objects
from . import params as p
from .catalog import (
    LOCALES,
    MINIMUM_AMOUNT,
    PAYMENT_METHOD_TYPES,
    SESSION_CREATE,
    THREE_DECIMAL,
)
from .money import MAXIMUM_AMOUNT, format_amount
from .params import StripeError
from .state import DASHBOARD, Obj, RequestContext, State

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _line_items(state: State, params: Obj) -> list[Obj]:
    raw = p.get(params, "line_items")
    if not raw:
        raise p.missing("line_items")
    if not isinstance(raw, list):
        raise StripeError("Invalid array", param="line_items")
    items: list[Obj] = []
    for i, _ in enumerate(raw):
        base = f"line_items.{i}"
        if p.string(params, f"{base}.price"):
            price = p.string(params, f"{base}.price") or ""
            raise p.no_such("price", price, param=p.bracket(f"{base}.price"), status=400)
        if p.get(params, f"{base}.price_data") is None:
            raise p.missing(p.bracket(f"{base}.price_data"))
        currency = (p.string(params, f"{base}.price_data.currency", required=True) or "").lower()
        if not re.fullmatch(r"[a-z]{3}", currency):
            raise StripeError(
                f"Invalid currency: {currency}", param=p.bracket(f"{base}.price_data.currency")
            )
        unit = p.integer(params, f"{base}.price_data.unit_amount", minimum=0)
        if unit is None:
            decimal = p.string(params, f"{base}.price_data.unit_amount_decimal")
            if decimal is None:
                raise p.missing(p.bracket(f"{base}.price_data.unit_amount"))
            unit = int(float(decimal))
        product = p.string(params, f"{base}.price_data.product")
        if product:
            raise p.no_such("product", product, p.bracket(f"{base}.price_data.product"), 400)
        name = p.string(params, f"{base}.price_data.product_data.name", required=True)
        quantity = p.integer(params, f"{base}.quantity", required=True, minimum=1) or 1
        total = unit * quantity
        price_obj = {
            "id": objects.new_id("price"),
            "object": "price",
            "active": False,
            "billing_scheme": "per_unit",
            "created": state.now(),
            "currency": currency,
            "custom_unit_amount": None,
            "livemode": False,
            "lookup_key": None,
            "metadata": {},
            "nickname": None,
            "product": objects.new_id("prod", 14),
            "recurring": None,
            "tax_behavior": p.string(params, f"{base}.price_data.tax_behavior") or "unspecified",
            "tiers_mode": None,
            "transform_quantity": None,
            "type": "one_time",
            "unit_amount": unit,
            "unit_amount_decimal": str(unit),
        }
        items.append(
            {
                "id": objects.new_id("li"),
                "object": "item",
                "amount_discount": 0,
                "amount_subtotal": total,
                "amount_tax": 0,
                "amount_total": total,
                "currency": currency,
                "description": name,
                "price": price_obj,
                "quantity": quantity,
                "_product_description": p.string(
                    params, f"{base}.price_data.product_data.description"
                ),
            }
        )
    if len({item["currency"] for item in items}) > 1:
        raise StripeError("All line items must have the same currency.", param="line_items")
    return items


def _check_amount(total: int, currency: str) -> None:
    minimum = MINIMUM_AMOUNT.get(currency)
    if minimum is not None and total < minimum:
        raise StripeError(
            "The Checkout Session's total amount due must add up to at least "
            f"{format_amount(minimum, currency)}",
            code="amount_too_small",
        )
    if total > MAXIMUM_AMOUNT:
        raise StripeError(
            f"The Checkout Session's total amount due must be no more than "
            f"{format_amount(MAXIMUM_AMOUNT, currency)}",
            code="amount_too_large",
        )
    if currency in THREE_DECIMAL and total % 10:
        raise StripeError(
            f"Amounts in {currency.upper()} must be rounded to the nearest ten minor units.",
            param="line_items",
            code="invalid_charge_amount",
        )


def _payment_intent_data(state: State, params: Obj, total: int, ctx: RequestContext) -> Obj:
    fee = p.integer(params, "payment_intent_data.application_fee_amount", minimum=0)
    destination = p.string(params, "payment_intent_data.transfer_data.destination")
    transfer_amount = p.integer(params, "payment_intent_data.transfer_data.amount", minimum=1)
    if destination:
        param = "payment_intent_data[transfer_data][destination]"
        acct = state.find(destination, "account")
        if acct is None:
            raise StripeError(
                f"No such destination: '{destination}'", param=param, code="resource_missing"
            )
        if acct["capabilities"].get("transfers") != "active":
            raise StripeError(
                "Your destination account needs to have at least one of the following "
                "capabilities enabled: transfers, crypto_transfers, legacy_payments",
                param=param,
                code="insufficient_capabilities_for_transfer",
            )
    elif transfer_amount is not None:
        raise p.missing("payment_intent_data[transfer_data][destination]")
    if fee is not None and not destination and not ctx.account:
        raise StripeError(
            "Can only apply an application_fee_amount when the PaymentIntent is attempting a "
            "direct payment (using an OAuth key or Stripe-Account header) or destination "
            "payment (using `transfer_data[destination]`).",
            param="payment_intent_data[application_fee_amount]",
        )
    if fee is not None and transfer_amount is not None:
        raise StripeError(
            "You cannot specify both application_fee_amount and transfer_data[amount].",
            param="payment_intent_data[application_fee_amount]",
        )
    if (fee or 0) > total or (transfer_amount or 0) > total:
        raise StripeError(
            "The application fee or transfer amount cannot be greater than the total amount.",
            param="payment_intent_data",
        )
    return {
        "application_fee_amount": fee,
        "destination": destination,
        "transfer_amount": transfer_amount,
        "metadata": p.metadata(params, "payment_intent_data.metadata"),
        "description": p.string(params, "payment_intent_data.description"),
        "receipt_email": p.string(params, "payment_intent_data.receipt_email"),
        "transfer_group": p.string(params, "payment_intent_data.transfer_group"),
    }


def create_session(state: State, params: Obj, ctx: RequestContext) -> Obj:
    """``POST /v1/checkout/sessions``."""
    p.check_unknown(params, SESSION_CREATE)
    mode = p.string(params, "mode", required=True)
    if mode != "payment":
        raise StripeError(
            f"Invalid mode: only `payment` is supported by this emulator, got `{mode}`.",
            param="mode",
        )
    if (p.string(params, "ui_mode") or "hosted") != "hosted":
        raise StripeError("Only ui_mode=hosted is supported by this emulator.", param="ui_mode")
    success_url = p.url(params, "success_url", required=True)
    cancel_url = p.url(params, "cancel_url")
    items = _line_items(state, params)
    currency = items[0]["currency"]
    total = sum(item["amount_total"] for item in items)
    _check_amount(total, currency)
    email = p.string(params, "customer_email")
    if email is not None and not _EMAIL.match(email):
        raise StripeError(
            f"Invalid email address: {email}", param="customer_email", code="email_invalid"
        )
    locale = p.string(params, "locale")
    if locale is not None and locale not in LOCALES:
        raise StripeError(
            f"Invalid locale: {locale}. Must be one of: {', '.join(sorted(LOCALES))}",
            param="locale",
        )
    reference = p.string(params, "client_reference_id")
    if reference is not None and len(reference) > 200:
        raise StripeError(
            "client_reference_id must be at most 200 characters.", param="client_reference_id"
        )
    methods = p.string_list(params, "payment_method_types") or ["card"]
    for i, method in enumerate(methods):
        if method not in PAYMENT_METHOD_TYPES:
            raise StripeError(
                f"Invalid payment_method_types[{i}]: must be one of "
                + ", ".join(sorted(PAYMENT_METHOD_TYPES)),
                param=f"payment_method_types[{i}]",
            )
    now = state.now()
    expires_at = p.integer(params, "expires_at")
    if expires_at is None:
        expires_at = now + 24 * 3600
    elif expires_at > now + 24 * 3600:
        raise StripeError(
            "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.",
            param="expires_at",
        )
    elif expires_at < now + 30 * 60:
        raise StripeError(
            "The `expires_at` timestamp must be at least 30 minutes from Checkout Session "
            "creation.",
            param="expires_at",
        )
    tax = p.boolean(params, "automatic_tax.enabled")
    pi_data = _payment_intent_data(state, params, total, ctx)
    metadata = p.metadata(params)
    session = objects.checkout_session(
        amount_subtotal=total,
        amount_total=total,
        automatic_tax={
            "enabled": tax,
            "liability": {"type": "self"} if tax else None,
            "provider": "stripe" if tax else None,
            "status": "requires_location_inputs" if tax else None,
        },
        cancel_url=cancel_url,
        client_reference_id=reference,
        created=now,
        currency=currency,
        customer_email=email,
        expires_at=expires_at,
        locale=locale,
        metadata=metadata,
        payment_method_types=methods,
        success_url=success_url,
    )
    session["url"] = f"{state.base_url}/c/pay/{session['id']}"
    state.put(session)
    state.line_items[session["id"]] = [
        {k: v for k, v in item.items() if not k.startswith("_")} for item in items
    ]
    state.private[session["id"]] = {
        "payment_intent_data": pi_data,
        "declines": 0,
        "product_description": items[0]["_product_description"],
    }
    return session


def expire_if_due(state: State, session: Obj) -> None:
    """Expire an open session whose ``expires_at`` has passed (as Stripe does)."""
    if session["status"] == "open" and state.now() >= session["expires_at"]:
        expire(state, session, DASHBOARD)


def expire(state: State, session: Obj, ctx: RequestContext) -> Obj:
    """``POST /v1/checkout/sessions/{id}/expire``."""
    if session["status"] != "open":
        raise StripeError(
            'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout '
            f'Session has a status of "{session["status"]}".',
            code="checkout_session_expired" if session["status"] == "expired" else None,
        )
    session["status"] = "expired"
    session["url"] = None
    state.emit("checkout.session.expired", session, ctx)
    return session


def _require_open(state: State, session: Obj) -> None:
    expire_if_due(state, session)
    if session["status"] != "open":
        raise StripeError(
            f"Checkout Session {session['id']} is {session['status']}; it cannot be paid.",
            code="checkout_session_not_open",
        )


def decline(state: State, session: Obj) -> Obj:
    """The customer's card is declined: the session stays open, nothing is charged."""
    _require_open(state, session)
    state.private[session["id"]]["declines"] += 1
    return session


def complete(
    state: State,
    session: Obj,
    *,
    delayed: bool = False,
    email: str | None = None,
    card_country: str = "US",
) -> Obj:
    """The customer pays: immediately (card) or with a delayed method (``delayed``)."""
    _require_open(state, session)
    extra = state.private[session["id"]]
    pi_data = extra["payment_intent_data"]
    email = session["customer_email"] or email or "jenny.rosen@example.com"
    destination = pi_data["destination"]
    intent = objects.payment_intent(
        amount=session["amount_total"],
        currency=session["currency"],
        created=state.now(),
        description=pi_data["description"],
        metadata=dict(pi_data["metadata"]),
        application_fee_amount=pi_data["application_fee_amount"],
        payment_method_types=list(session["payment_method_types"]),
        receipt_email=pi_data["receipt_email"],
        status="processing" if delayed else "requires_payment_method",
    )
    if destination:
        intent["transfer_data"] = {"destination": destination}
        if pi_data["transfer_amount"] is not None:
            intent["transfer_data"]["amount"] = pi_data["transfer_amount"]
        intent["transfer_group"] = pi_data["transfer_group"] or f"group_{intent['id']}"
    else:  # separate charges and transfers: the group the platform's transfers will carry
        intent["transfer_group"] = pi_data["transfer_group"]
    state.put(intent)
    state.emit("payment_intent.created", intent)
    extra["card_country"] = card_country
    extra["email"] = email
    if delayed:
        state.emit("payment_intent.processing", intent)
    else:
        ledger.capture(state, intent, email=email, card_country=card_country)
    session.update(
        status="complete",
        payment_status="unpaid" if delayed else "paid",
        payment_intent=intent["id"],
        url=None,
        customer_details={
            "address": {**dict.fromkeys(("city", "line1", "line2", "postal_code", "state")),
                        "country": card_country},
            "email": email,
            "name": "Jenny Rosen",
            "phone": None,
            "tax_exempt": "none",
            "tax_ids": [],
        },
    )  # fmt: skip
    if session["automatic_tax"]["enabled"]:
        session["automatic_tax"]["status"] = "complete"
    state.emit("checkout.session.completed", session)
    return session


def settle_delayed(state: State, session: Obj, *, succeeded: bool) -> Obj:
    """The delayed payment method finally succeeds or fails."""
    intent = state.find(session.get("payment_intent"), "payment_intent")
    if session["status"] != "complete" or intent is None or intent["status"] != "processing":
        raise StripeError(f"Checkout Session {session['id']} has no delayed payment pending.")
    extra = state.private[session["id"]]
    if succeeded:
        ledger.capture(state, intent, email=extra["email"], card_country=extra["card_country"])
        session["payment_status"] = "paid"
        state.emit("checkout.session.async_payment_succeeded", session)
    else:
        intent["status"] = "requires_payment_method"
        intent["last_payment_error"] = {
            "code": "payment_intent_payment_attempt_failed",
            "decline_code": None,
            "doc_url": "https://stripe.com/docs/error-codes/payment-intent-payment-attempt-failed",
            "message": "The payment failed.",
            "type": "invalid_request_error",
        }
        state.emit("payment_intent.payment_failed", intent)
        state.emit("checkout.session.async_payment_failed", session)
    return session
