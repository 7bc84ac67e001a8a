"""A stateful local Stripe emulator for tests.

It speaks the v1 REST API subset the storefront uses (Checkout Sessions,
PaymentIntents, charges, refunds, disputes, balance transactions, events and
Connect Express accounts) over HTTP on loopback, serves hosted Checkout and
onboarding pages, and signs and delivers webhooks exactly like Stripe.

    emu = StripeEmulator().start()
    client = stripe.StripeClient(
        "sk_test_x",
        base_addresses={"api": emu.url, "connect": emu.url, "files": emu.url},
        max_network_retries=0,
    )
"""

from .emulator import StripeEmulator
from .params import StripeError
from .webhooks import Delivery, WebhookEndpoint

__all__ = ["Delivery", "StripeEmulator", "StripeError", "WebhookEndpoint"]
