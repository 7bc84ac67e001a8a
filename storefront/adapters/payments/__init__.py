"""Payments: the only code that talks to a payment processor (and the only importer of stripe).

``build_gateway(config, ...)`` picks the implementation from ``PAYMENTS_BACKEND``:

- ``stripe``: :class:`StripeGateway`, the official SDK (``STRIPE_API_BASE`` points it at a
  Stripe-compatible server such as the test suite's emulator);
- ``offline``: :class:`OfflineGateway`, labelled test payments served by the app itself,
  refused in production.

Both return Stripe-shaped dicts and raise the errors in ``base`` whose messages are safe to
show a buyer.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .base import (
    CheckoutRequest,
    CheckoutSession,
    InsufficientBalance,
    InvalidPaymentRequest,
    InvalidWebhook,
    Obj,
    PaymentDeclined,
    PaymentError,
    PaymentGateway,
    PaymentRateLimited,
    PaymentUnavailable,
)
from .offline import OfflineGateway, offline_fee

__all__ = [
    "CheckoutRequest",
    "CheckoutSession",
    "InsufficientBalance",
    "InvalidPaymentRequest",
    "InvalidWebhook",
    "Obj",
    "OfflineGateway",
    "PaymentDeclined",
    "PaymentError",
    "PaymentGateway",
    "PaymentRateLimited",
    "PaymentUnavailable",
    "build_gateway",
    "offline_fee",
]


def offline_webhook_secret(secret_key: str) -> str:
    """The offline gateway's signing secret, stable across processes sharing SECRET_KEY."""
    return hmac.new(secret_key.encode(), b"offline-payment-webhooks", hashlib.sha256).hexdigest()


def build_gateway(
    config: Mapping[str, Any],
    *,
    offline_page_url: Callable[[str], str],
    offline_notify: Callable[[str], None] | None = None,
) -> PaymentGateway:
    backend = config.get("PAYMENTS_BACKEND", "offline")
    if backend == "stripe":
        from .stripe_gateway import StripeGateway

        if not config.get("STRIPE_SECRET_KEY") or not config.get("STRIPE_WEBHOOK_SECRET"):
            raise RuntimeError(
                "PAYMENTS_BACKEND=stripe needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET"
            )
        return StripeGateway(
            config["STRIPE_SECRET_KEY"],
            config["STRIPE_WEBHOOK_SECRET"],
            api_base=config.get("STRIPE_API_BASE"),
            max_network_retries=int(config.get("STRIPE_MAX_NETWORK_RETRIES", 2)),
            timeout_seconds=float(config.get("STRIPE_TIMEOUT_SECONDS", 10)),
        )
    if backend != "offline":
        raise RuntimeError(f"unknown PAYMENTS_BACKEND {backend!r}")
    if config.get("PRODUCTION"):
        raise RuntimeError("offline test payments are refused in production")
    return OfflineGateway(
        Path(config["INSTANCE_PATH"]) / "offline_payments.db",
        offline_webhook_secret(config["SECRET_KEY"]),
        page_url=offline_page_url,
        notify=offline_notify,
    )
