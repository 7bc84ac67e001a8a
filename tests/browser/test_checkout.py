"""A viewer rents a film in a real browser: Stripe's hosted checkout (the emulator's), back to
the store, and "Watch now" once the webhook has landed. A declined card gives no access."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from storefront.extensions import db
from storefront.models import Entitlement, Order, OrderStatus

from .conftest import screenshot

WEBHOOK_SECRET = "whsec_browser_suite"


@pytest.fixture
def settings(settings: dict, stripe_emu) -> dict:  # type: ignore[no-untyped-def]
    settings.update(
        PAYMENTS_BACKEND="stripe",
        STRIPE_SECRET_KEY="sk_test_browser_suite",
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=stripe_emu.url,
        STRIPE_MAX_NETWORK_RETRIES=0,
    )
    return settings


@pytest.fixture
def store(live_server, stripe_emu, make_user, make_title):  # type: ignore[no-untyped-def]
    """A film for rent, a viewer, and Stripe delivering webhooks to the live store."""
    stripe_emu.add_webhook_endpoint(live_server.url + "/webhooks/stripe", WEBHOOK_SECRET)
    film = make_title("Night Train", offers=[{"kind": "rent", "amount": 499, "currency": "EUR"}])
    viewer = make_user("rita@example.org")
    return film, viewer


def log_in_and_rent(page, film, email: str) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import PASSWORD

    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/buy/{film.slug}")
    expect(page.get_by_text("30 days to start watching")).to_be_visible()
    page.get_by_role("button", name="Rent for €4.99").click()
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    expect(page.get_by_text("Rent: Night Train")).to_be_visible()


def test_a_viewer_rents_pays_and_can_watch(page, store):
    film, viewer = store
    log_in_and_rent(page, film, viewer.email)
    screenshot(page, "checkout-hosted-page")

    page.get_by_test_id("pay").click()

    expect(page).to_have_url(re.compile(r"/orders/[0-9a-f-]+/done\?session_id=cs_test_"))
    expect(page.get_by_test_id("watch-now")).to_be_visible()
    expect(page.get_by_test_id("order-message")).to_have_text("Payment confirmed.")
    screenshot(page, "checkout-watch-now")
    db.session.expire_all()
    order = db.session.scalar(db.select(Order))
    assert order.status == OrderStatus.PAID
    assert db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id)) is not None


def test_the_page_waits_for_a_late_webhook(page, store, stripe_emu):
    film, viewer = store
    stripe_emu.webhook_mode = "async"
    stripe_emu.webhook_delay = 2.0
    log_in_and_rent(page, film, viewer.email)

    page.get_by_test_id("pay").click()

    expect(page.get_by_test_id("order-message")).to_contain_text("Confirming your payment")
    expect(page.get_by_test_id("watch-now")).to_be_hidden()
    expect(page.get_by_test_id("watch-now")).to_be_visible(timeout=15_000)


def test_a_declined_card_leaves_the_viewer_without_access(page, store):
    film, viewer = store
    log_in_and_rent(page, film, viewer.email)

    page.get_by_test_id("decline").click()

    expect(page.get_by_role("alert")).to_have_text("Your card was declined.")
    page.get_by_test_id("cancel").click()
    expect(page.get_by_text("Payment cancelled: nothing was charged.")).to_be_visible()
    db.session.expire_all()
    order = db.session.scalar(db.select(Order))
    assert order.status == OrderStatus.PENDING
    assert db.session.scalar(db.select(db.func.count(Entitlement.id))) == 0
    page.goto(f"/orders/{order.public_id}/done")
    expect(page.get_by_test_id("watch-now")).to_be_hidden()
