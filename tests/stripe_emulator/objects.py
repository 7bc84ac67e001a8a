"""Builders for API objects, shaped like the ones Stripe sends.

Field names follow Stripe's published example objects; fields the emulator
does not model carry the value Stripe uses when the feature is unused.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from .catalog import DISPUTE_EVIDENCE

_ALPHABET = string.ascii_letters + string.digits

Obj = dict[str, Any]


def new_id(prefix: str, length: int = 24) -> str:
    """A Stripe-looking id such as ``pi_3Pq...``."""
    return prefix + "_" + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def empty_list(url: str) -> Obj:
    """An embedded list object."""
    return {"object": "list", "data": [], "has_more": False, "total_count": 0, "url": url}


def _address() -> Obj:
    return dict.fromkeys(("city", "country", "line1", "line2", "postal_code", "state"))


def checkout_session(**fields: Any) -> Obj:
    """A ``checkout.session`` in its initial (open, unpaid) state."""
    session: Obj = {
        "id": new_id("cs_test", 58),
        "object": "checkout.session",
        "adaptive_pricing": None,
        "after_expiration": None,
        "allow_promotion_codes": None,
        "amount_subtotal": None,
        "amount_total": None,
        "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
        "billing_address_collection": None,
        "cancel_url": None,
        "client_reference_id": None,
        "client_secret": None,
        "consent": None,
        "consent_collection": None,
        "created": 0,
        "currency": None,
        "custom_fields": [],
        "custom_text": {
            "after_submit": None,
            "shipping_address": None,
            "submit": None,
            "terms_of_service_acceptance": None,
        },
        "customer": None,
        "customer_creation": "if_required",
        "customer_details": None,
        "customer_email": None,
        "expires_at": 0,
        "invoice": None,
        "invoice_creation": None,
        "livemode": False,
        "locale": None,
        "metadata": {},
        "mode": "payment",
        "payment_intent": None,
        "payment_link": None,
        "payment_method_collection": "if_required",
        "payment_method_options": {},
        "payment_method_types": ["card"],
        "payment_status": "unpaid",
        "phone_number_collection": {"enabled": False},
        "recovered_from": None,
        "setup_intent": None,
        "shipping_address_collection": None,
        "shipping_cost": None,
        "shipping_details": None,
        "shipping_options": [],
        "status": "open",
        "submit_type": None,
        "subscription": None,
        "success_url": None,
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "ui_mode": "hosted",
        "url": None,
    }
    session.update(fields)
    return session


def payment_intent(**fields: Any) -> Obj:
    """A ``payment_intent`` (Checkout creates it when the customer pays)."""
    pi_id = new_id("pi")
    intent: Obj = {
        "id": pi_id,
        "object": "payment_intent",
        "amount": 0,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": None,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": "automatic_async",
        "client_secret": f"{pi_id}_secret_{new_id('x')[2:]}",
        "confirmation_method": "automatic",
        "created": 0,
        "currency": "usd",
        "customer": None,
        "description": None,
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "metadata": {},
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": new_id("pm"),
        "payment_method_options": {},
        "payment_method_types": ["card"],
        "processing": None,
        "receipt_email": None,
        "review": None,
        "setup_future_usage": None,
        "shipping": None,
        "source": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "requires_payment_method",
        "transfer_data": None,
        "transfer_group": None,
    }
    intent.update(fields)
    return intent


def charge(*, email: str | None, card_country: str, **fields: Any) -> Obj:
    """A succeeded, captured card ``charge``."""
    ch_id = new_id("ch")
    obj: Obj = {
        "id": ch_id,
        "object": "charge",
        "amount": 0,
        "amount_captured": 0,
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "balance_transaction": None,
        "billing_details": {
            "address": {**_address(), "country": card_country},
            "email": email,
            "name": "Jenny Rosen",
            "phone": None,
        },
        "calculated_statement_descriptor": "STOREFRONT",
        "captured": True,
        "created": 0,
        "currency": "usd",
        "customer": None,
        "description": None,
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": None,
        "failure_message": None,
        "fraud_details": {},
        "livemode": False,
        "metadata": {},
        "on_behalf_of": None,
        "outcome": {
            "network_status": "approved_by_network",
            "reason": None,
            "risk_level": "normal",
            "risk_score": 32,
            "seller_message": "Payment complete.",
            "type": "authorized",
        },
        "paid": True,
        "payment_intent": None,
        "payment_method": None,
        "payment_method_details": {
            "card": {
                "brand": "visa",
                "checks": {
                    "address_line1_check": None,
                    "address_postal_code_check": None,
                    "cvc_check": "pass",
                },
                "country": card_country,
                "exp_month": 12,
                "exp_year": 2034,
                "fingerprint": "Xt5EWLLDS7FJjR1c",
                "funding": "credit",
                "installments": None,
                "last4": "4242",
                "mandate": None,
                "network": "visa",
                "three_d_secure": None,
                "wallet": None,
            },
            "type": "card",
        },
        "receipt_email": None,
        "receipt_number": None,
        "receipt_url": None,
        "refunded": False,
        "refunds": empty_list(f"/v1/charges/{ch_id}/refunds"),
        "review": None,
        "shipping": None,
        "source_transfer": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "succeeded",
        "transfer": None,
        "transfer_data": None,
        "transfer_group": None,
    }
    obj.update(fields)
    return obj


def balance_transaction(
    *,
    amount: int,
    currency: str,
    type: str,
    source: str,
    created: int,
    fee_details: list[Obj] | None = None,
    reporting_category: str | None = None,
    description: str | None = None,
    exchange_rate: float | None = None,
) -> Obj:
    """A ``balance_transaction``; ``net`` is ``amount`` minus the fees. ``amount``, ``fee`` and
    ``net`` are in the account's settlement ``currency``; ``exchange_rate`` is set when the
    money was converted into it (presentment amount × rate = ``amount``)."""
    details = fee_details or []
    fee = sum(d["amount"] for d in details)
    return {
        "id": new_id("txn"),
        "object": "balance_transaction",
        "amount": amount,
        "available_on": created,
        "created": created,
        "currency": currency,
        "description": description,
        "exchange_rate": exchange_rate,
        "fee": fee,
        "fee_details": details,
        "net": amount - fee,
        "reporting_category": reporting_category or type,
        "source": source,
        "status": "available",
        "type": type,
    }


def fee_detail(amount: int, currency: str, description: str, type: str = "stripe_fee") -> Obj:
    """One entry of ``balance_transaction.fee_details``."""
    return {
        "amount": amount,
        "application": None,
        "currency": currency,
        "description": description,
        "type": type,
    }


def refund(**fields: Any) -> Obj:
    """A succeeded ``refund``."""
    obj: Obj = {
        "id": new_id("re"),
        "object": "refund",
        "amount": 0,
        "balance_transaction": None,
        "charge": None,
        "created": 0,
        "currency": "usd",
        "destination_details": {"card": {"reference_status": "pending", "type": "refund"}},
        "failure_balance_transaction": None,
        "failure_reason": None,
        "metadata": {},
        "payment_intent": None,
        "reason": None,
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": "succeeded",
        "transfer_reversal": None,
    }
    obj.update(fields)
    return obj


def dispute(**fields: Any) -> Obj:
    """A ``dispute`` awaiting the merchant's response."""
    obj: Obj = {
        "id": new_id("du"),
        "object": "dispute",
        "amount": 0,
        "balance_transactions": [],
        "charge": None,
        "created": 0,
        "currency": "usd",
        "evidence": dict.fromkeys(DISPUTE_EVIDENCE),
        "evidence_details": {
            "due_by": 0,
            "has_evidence": False,
            "past_due": False,
            "submission_count": 0,
        },
        "is_charge_refundable": False,
        "livemode": False,
        "metadata": {},
        "payment_intent": None,
        "reason": "general",
        "status": "needs_response",
    }
    obj.update(fields)
    return obj


def application_fee(**fields: Any) -> Obj:
    """An ``application_fee`` collected on a destination charge."""
    fee_id = new_id("fee")
    obj: Obj = {
        "id": fee_id,
        "object": "application_fee",
        "account": None,
        "amount": 0,
        "amount_refunded": 0,
        "application": "ca_StorefrontEmulator",
        "balance_transaction": None,
        "charge": None,
        "created": 0,
        "currency": "usd",
        "fee_source": None,
        "livemode": False,
        "originating_transaction": None,
        "refunded": False,
        "refunds": empty_list(f"/v1/application_fees/{fee_id}/refunds"),
    }
    obj.update(fields)
    return obj


def transfer(**fields: Any) -> Obj:
    """A ``transfer`` of a destination charge's funds to the connected account."""
    tr_id = new_id("tr")
    obj: Obj = {
        "id": tr_id,
        "object": "transfer",
        "amount": 0,
        "amount_reversed": 0,
        "balance_transaction": None,
        "created": 0,
        "currency": "usd",
        "description": None,
        "destination": None,
        "destination_payment": new_id("py"),
        "livemode": False,
        "metadata": {},
        "reversals": empty_list(f"/v1/transfers/{tr_id}/reversals"),
        "reversed": False,
        "source_transaction": None,
        "source_type": "card",
        "transfer_group": None,
    }
    obj.update(fields)
    return obj


def event(
    type: str,
    snapshot: Obj,
    *,
    created: int,
    api_version: str,
    request_id: str | None,
    idempotency_key: str | None,
    account: str | None,
    previous_attributes: Obj | None = None,
) -> Obj:
    """An ``event`` carrying a snapshot of ``snapshot`` in ``data.object``."""
    data: Obj = {"object": snapshot}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    obj: Obj = {
        "id": new_id("evt"),
        "object": "event",
        "api_version": api_version,
        "created": created,
        "data": data,
        "livemode": False,
        "pending_webhooks": 0,
        "request": {"id": request_id, "idempotency_key": idempotency_key},
        "type": type,
    }
    if account:
        obj["account"] = account
    return obj
