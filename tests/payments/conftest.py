"""Payments tests: the app speaks to the Stripe emulator through the official SDK over HTTP.

Every test here runs with PAYMENTS_BACKEND=stripe pointed at the emulator, unless its module
sets ``PAYMENTS_BACKEND = "offline"``. ``webhooks`` registers the app's webhook endpoint with
the emulator (a callable that posts into the Flask test client, so delivery is in-process).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import stripe
from flask import Flask

from storefront.extensions import db
from storefront.models import Offer, Order, OrderStatus, Studio, Title, User

SECRET_KEY = "sk_test_storefront_suite"
WEBHOOK_SECRET = "whsec_storefront_suite"
RENT = {"kind": "rent", "amount": 499, "currency": "EUR"}
BUY = {"kind": "buy", "amount": 1299, "currency": "EUR"}


@pytest.fixture
def settings(settings: dict, request: pytest.FixtureRequest) -> dict:
    backend = getattr(request.module, "PAYMENTS_BACKEND", "stripe")
    settings["PAYMENTS_BACKEND"] = backend
    if backend == "stripe":
        emu = request.getfixturevalue("stripe_emu")
        settings.update(
            STRIPE_SECRET_KEY=SECRET_KEY,
            STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
            STRIPE_API_BASE=emu.url,
            STRIPE_MAX_NETWORK_RETRIES=0,
            STRIPE_TIMEOUT_SECONDS=5,
        )
    return settings


@pytest.fixture
def emu(stripe_emu):  # type: ignore[no-untyped-def]
    return stripe_emu


@pytest.fixture
def webhooks(app: Flask, emu) -> Any:  # type: ignore[no-untyped-def]
    """Deliver the emulator's events to the app's endpoint, in-process."""
    client = app.test_client()

    def endpoint(body: bytes, headers: dict[str, str]) -> Any:
        return client.post("/webhooks/stripe", data=body, headers=headers)

    return emu.add_webhook_endpoint(endpoint, WEBHOOK_SECRET)


@pytest.fixture
def sdk(emu) -> stripe.StripeClient:  # type: ignore[no-untyped-def]
    return stripe.StripeClient(
        SECRET_KEY,
        base_addresses={"api": emu.url, "connect": emu.url, "files": emu.url},
        max_network_retries=0,
    )


@pytest.fixture
def film(make_title: Callable[..., Title], studio: Studio) -> Title:
    """A published film of the filmmaker's studio, for rent and for sale worldwide."""
    return make_title("Night Train", studio=studio, offers=[dict(RENT), dict(BUY)])


def checkout(client, title: Title, kind: str = "rent", country: str | None = None):  # type: ignore[no-untyped-def]
    headers = {"X-Test-Country": country} if country else {}
    return client.post(f"/buy/{title.slug}", data={"kind": kind}, headers=headers)


def session_id_from(location: str) -> str:
    return location.rstrip("/").rsplit("/", 1)[-1]


def fresh(model: type, key: object) -> Any:
    """A row as the database has it now (other requests changed it)."""
    return db.session.get(model, key, populate_existing=True)


def latest_order(user: User | None = None) -> Order:
    db.session.expire_all()
    query = db.select(Order).order_by(Order.id.desc())
    if user is not None:
        query = query.filter_by(user_id=user.id)
    order = db.session.scalar(query)
    assert order is not None
    return order


def offer_of(title: Title, kind: str) -> Offer:
    return db.session.scalar(db.select(Offer).filter_by(title_id=title.id, kind=kind))


@pytest.fixture
def paid_order(app: Flask, viewer: User, film: Title, emu, webhooks) -> Order:  # type: ignore[no-untyped-def]
    """The viewer bought the film for 12.99 EUR (their own client, not the test's)."""
    from tests.conftest import PASSWORD

    buyer = app.test_client()
    buyer.post("/login", data={"email": viewer.email, "password": PASSWORD})
    emu.pay(session_id_from(checkout(buyer, film, "buy").location))
    order = latest_order(viewer)
    assert order.status == OrderStatus.PAID
    return order


def order_url(order: Order) -> str:
    """The order's page on its studio's side, where refunds are made."""
    return f"/studio/{order.title.studio.slug}/orders/{order.public_id}"


def flagged_payment(client, viewer: User, film: Title, emu) -> Order:  # type: ignore[no-untyped-def]
    """A rental paid at 4.99 EUR for an order of 3.99: held (flagged) for an admin to check."""
    response = checkout(client, film, "rent")
    order = latest_order(viewer)
    order.amount = 399  # the session says 4.99: the payment does not match its order
    db.session.commit()
    emu.pay(session_id_from(response.location))
    return order


def pay_twice(client, viewer: User, film: Title, emu) -> Order:  # type: ignore[no-untyped-def]
    """The viewer buys the film, then an old checkout page of theirs (whose expiry failed at
    Stripe) is paid too: the second payment's order, refunded by itself, is returned."""
    old_page = checkout(client, film, "buy").location
    first = latest_order(viewer)
    emu.fail_next(f"/v1/checkout/sessions/{first.checkout_session_id}/expire", status=500)
    offer_of(film, "buy").amount = 1199
    db.session.commit()
    new_page = checkout(client, film, "buy").location
    emu.pay(session_id_from(new_page))
    offer_of(film, "buy").amount = 1299
    db.session.commit()

    emu.pay(session_id_from(old_page))  # the second payment arrives
    db.session.expire_all()
    return fresh(Order, first.id)


@pytest.fixture
def admin_client_factory(app: Flask, make_user: Callable[..., User]) -> Callable[[], Any]:
    """A second, logged-in admin client (tests often need a viewer and an admin at once)."""
    from tests.conftest import PASSWORD

    def make() -> Any:
        admin = make_user(admin=True)
        client = app.test_client()
        client.post("/login", data={"email": admin.email, "password": PASSWORD})
        return client

    return make


# The columns a single-account sale row fills, whichever gateway sold it.
SALE_ROW_SHAPE = frozenset(
    {"occurred_at", "entry_type", "order_id", "title_id", "studio_id", "title_name", "kind",
     "country", "currency", "gross", "tax", "processor_fee", "platform_fee", "net",
     "settlement_currency", "settlement_amount", "settlement_fee", "settlement_net", "provider",
     "charge_id", "balance_transaction_id",
     "source_event_id", "id", "discount", "preorder"}
)  # fmt: skip


def filled_columns(entry: object) -> frozenset[str]:
    """The names of a row's columns that hold a value."""
    table = type(entry).__table__  # type: ignore[attr-defined]
    return frozenset(c.key for c in table.columns if getattr(entry, c.key) is not None)


@pytest.fixture
def paid_event(viewer_client, viewer, film, emu):  # type: ignore[no-untyped-def]
    """A real checkout.session.completed event, not yet delivered to the app."""
    emu.hold_webhooks = True
    emu.pay(session_id_from(checkout(viewer_client, film, "rent").location))
    event = next(e for e in emu.held_events if e["type"] == "checkout.session.completed")
    return json.dumps(event).encode()
