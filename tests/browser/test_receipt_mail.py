"""The receipt of a rental paid in the browser reaches a real SMTP server on loopback, and
its watch link, followed in the same browser, opens the film's player for the buyer."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.smtp_server import html_of, text_of, with_smtp

from .test_checkout import WEBHOOK_SECRET, log_in_and_rent


@pytest.fixture
def settings(settings: dict, stripe_emu, smtp_server) -> dict:  # type: ignore[no-untyped-def]
    settings.update(
        PAYMENTS_BACKEND="stripe",
        STRIPE_SECRET_KEY="sk_test_browser_suite",
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=stripe_emu.url,
        STRIPE_MAX_NETWORK_RETRIES=0,
    )
    return with_smtp(settings, smtp_server)


def test_the_receipts_watch_link_opens_the_film_in_the_browser(
    page, live_server, stripe_emu, make_user, make_title, mailbox
):
    stripe_emu.add_webhook_endpoint(live_server.url + "/webhooks/stripe", WEBHOOK_SECRET)
    film = make_title("Night Train", offers=[{"kind": "rent", "amount": 499, "currency": "EUR"}])
    viewer = make_user("rita@example.org")
    log_in_and_rent(page, film, viewer.email)

    page.get_by_test_id("pay").click()
    expect(page.get_by_test_id("watch-now")).to_be_visible()

    (mail,) = mailbox.to(viewer.email)
    assert mail["Subject"] == "Your receipt for Night Train"
    watch = f"{live_server.url}/watch/{film.slug}"
    assert watch in text_of(mail)
    href = re.search(r'href="([^"]+/watch/[^"]+)"', html_of(mail)).group(1)
    assert href == watch

    page.goto(href)
    expect(page.get_by_role("heading", name="Night Train")).to_be_visible()
    expect(page.get_by_text("You have not rented or bought this film.")).to_be_hidden()
