"""What checkout refuses, and how it behaves when Stripe is down, slow or rate-limiting."""

from __future__ import annotations

import logging
import re
import time
from datetime import timedelta

import pytest

from storefront.extensions import db
from storefront.models import Entitlement, LedgerEntry, Order, OrderStatus, utcnow

from .conftest import checkout, fresh, latest_order, offer_of, pay_twice, session_id_from


def orders_count() -> int:
    return db.session.scalar(db.select(db.func.count(Order.id)))


def test_a_viewer_who_owns_the_film_is_not_sold_it_again(
    viewer_client, viewer, film, emu, webhooks
):
    emu.pay(session_id_from(checkout(viewer_client, film, "buy").location))

    for kind in ("buy", "rent"):
        response = checkout(viewer_client, film, kind)
        assert response.status_code == 409
        assert "You already own this film." in response.text
        assert "Watch now" in response.text
    assert orders_count() == 1 and len(emu.objects("checkout.session")) == 1


def test_an_active_rental_refuses_renting_again_but_allows_buying(
    viewer_client, viewer, film, emu, webhooks
):
    emu.pay(session_id_from(checkout(viewer_client, film, "rent").location))

    again = checkout(viewer_client, film, "rent")
    upgrade = checkout(viewer_client, film, "buy")

    assert again.status_code == 409 and "You are already renting this film." in again.text
    assert "Watch now" in again.text
    assert upgrade.status_code == 303


def notice_of(html: str) -> str:
    return re.search(r'<p class="notice" role="alert">\s*(.*?)\s*</p>', html, re.S).group(1)


def test_an_unavailable_offer_is_refused_with_the_reason(viewer_client, make_title, studio):
    title = make_title(
        "Fjord",
        studio=studio,
        offers=[
            {
                "kind": "rent",
                "amount": 4900,
                "currency": "NOK",
                "territory_mode": "allow",
                "territories": [{"country": "NO"}],
            }
        ],
    )

    elsewhere = checkout(viewer_client, title, "rent", country="DE")
    not_for_sale = checkout(viewer_client, title, "buy", country="NO")
    bad_kind = viewer_client.post(f"/buy/{title.slug}", data={"kind": "steal"})

    assert elsewhere.status_code == 409 and "Not available in Germany." in elsewhere.text
    assert not_for_sale.status_code == 409 and "Only for rent in Norway." in not_for_sale.text
    # The refusal uses the title page's own words for the same viewer.
    page = viewer_client.get(f"/films/{title.slug}", headers={"X-Test-Country": "DE"})
    assert notice_of(elsewhere.text) in page.text
    assert bad_kind.status_code == 400
    assert viewer_client.post("/buy/no-such-film", data={"kind": "rent"}).status_code == 404
    assert orders_count() == 0


@pytest.mark.parametrize(
    "offer",
    [
        pytest.param({"territory_mode": "allow", "territories": [{"country": "NO"}]}, id="rights"),
        pytest.param({"available_until": utcnow() - timedelta(days=2)}, id="ended"),
        pytest.param({"available_from": utcnow() + timedelta(days=2)}, id="not yet"),
        pytest.param({"active": False}, id="withdrawn"),
    ],
)
def test_the_buy_page_says_why_in_the_title_pages_words(viewer_client, make_title, studio, offer):
    title = make_title(
        "Why Not",
        studio=studio,
        offers=[{"kind": "rent", "amount": 499, "currency": "EUR", **offer}],
    )
    refusal = checkout(viewer_client, title, "rent", country="DE")
    page = viewer_client.get(f"/films/{title.slug}", headers={"X-Test-Country": "DE"})
    assert refusal.status_code == 409
    assert notice_of(refusal.text) in page.text


def test_the_price_charged_is_the_one_for_the_viewers_country(
    viewer_client, viewer, make_title, studio, emu
):
    title = make_title(
        "Prices",
        studio=studio,
        offers=[
            {
                "kind": "rent",
                "amount": 499,
                "currency": "EUR",
                "territories": [{"country": "JP", "amount": 600, "currency": "JPY"}],
            }
        ],
    )

    response = checkout(viewer_client, title, "rent", country="JP")

    order = latest_order(viewer)
    assert (order.amount, order.currency, order.country) == (600, "JPY", "JP")
    session = emu.get(session_id_from(response.location))
    assert (session["amount_total"], session["currency"]) == (600, "jpy")


def test_checkout_page_lists_prices_and_rental_terms(viewer_client, film):
    page = viewer_client.get(f"/buy/{film.slug}")

    assert page.status_code == 200
    assert "Rent for €4.99" in page.text and "Buy for €12.99" in page.text
    assert "30 days to start watching" in page.text and "48 hours" in page.text


def test_checkout_page_says_why_one_kind_is_missing_as_the_title_page_does(
    viewer_client, make_title
):
    offers = [
        {"kind": "rent", "amount": 499, "currency": "EUR"},
        {
            "kind": "buy",
            "amount": 1299,
            "currency": "EUR",
            "territories": [{"country": "FR", "blocked": True}],
        },
    ]
    title = make_title("Rent Only Here", offers=offers)
    headers = {"X-Test-Country": "FR"}

    film_page = viewer_client.get(f"/films/{title.slug}", headers=headers)
    checkout_page = viewer_client.get(f"/buy/{title.slug}", headers=headers)

    assert "Only for rent in France." in film_page.text
    assert "Only for rent in France." in checkout_page.text
    assert "Buy for" not in checkout_page.text


def test_anonymous_viewers_are_asked_to_log_in(client, film):
    assert client.post(f"/buy/{film.slug}", data={"kind": "rent"}).status_code == 302


def _assert_kept_pending(viewer_client, viewer, response, message: str) -> None:
    assert response.status_code == 303 and "/problem" in response.location
    order = latest_order(viewer)
    assert order.status == OrderStatus.PENDING and order.checkout_session_id is None
    page = viewer_client.get(response.location)
    assert message in page.text and 'data-testid="retry"' in page.text


class Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_stripe_down_keeps_the_order_pending_and_offers_a_retry(viewer_client, viewer, film, emu):
    recorder = Recorder()
    logger = logging.getLogger("storefront")
    logger.addHandler(recorder)
    emu.fail_next("/v1/checkout/sessions", status=500)
    try:
        response = checkout(viewer_client, film, "rent")
    finally:
        logger.removeHandler(recorder)

    _assert_kept_pending(viewer_client, viewer, response, "could not reach our payment provider")
    assert any("Stripe failed during checkout session creation" in m for m in recorder.messages)
    assert any("failed" in m and latest_order(viewer).public_id in m for m in recorder.messages)
    retry = checkout(viewer_client, film, "rent")
    assert retry.status_code == 303 and retry.location.startswith(emu.url)


def test_stripe_rate_limiting_is_explained(viewer_client, viewer, film, emu):
    emu.fail_next("/v1/checkout/sessions", status=429)

    response = checkout(viewer_client, film, "rent")

    _assert_kept_pending(viewer_client, viewer, response, "payment provider is busy")


def test_stripe_too_slow_times_out_cleanly(app, viewer_client, viewer, film, emu):
    app.extensions["payments"] = type(app.extensions["payments"])(
        "sk_test_slow", "whsec_x", api_base=emu.url, max_network_retries=0, timeout_seconds=1
    )
    emu.delay_next("/v1/checkout/sessions", seconds=2.5)

    response = checkout(viewer_client, film, "rent")

    _assert_kept_pending(viewer_client, viewer, response, "could not reach our payment provider")
    # Stripe may still create the session after we gave up: nobody was sent to it, and it
    # names its order, which stays pending and expires. Waiting for it also keeps this slow
    # request from landing in the next test's emulator state.
    deadline = time.monotonic() + 10
    while not emu.objects("checkout.session") and time.monotonic() < deadline:
        time.sleep(0.1)
    (orphan,) = emu.objects("checkout.session")
    assert orphan["metadata"]["order_id"] == latest_order(viewer).public_id


def test_a_retried_network_call_creates_one_session(app, viewer_client, viewer, film, emu):
    # The SDK retries a failed call with the same idempotency key: one session, not two.
    app.extensions["payments"] = type(app.extensions["payments"])(
        "sk_test_retry", "whsec_x", api_base=emu.url, max_network_retries=2, timeout_seconds=5
    )
    emu.fail_next("/v1/checkout/sessions", status=500)

    response = checkout(viewer_client, film, "rent")

    assert response.status_code == 303
    assert len(emu.objects("checkout.session")) == 1


def test_a_payment_that_does_not_match_its_order_is_flagged(
    viewer_client, admin_client_factory, viewer, film, emu, webhooks
):
    response = checkout(viewer_client, film, "rent")
    order = latest_order(viewer)
    order.amount = 399  # the session says 4.99: as if the order had been tampered with
    db.session.commit()

    emu.pay(session_id_from(response.location))

    order = fresh(Order, order.id)
    assert order.status == OrderStatus.FLAGGED
    assert order.flag_reason == "paid 499 EUR but the order is for 399 EUR"
    assert db.session.scalar(db.select(db.func.count(Entitlement.id))) == 0
    assert db.session.scalar(db.select(db.func.count(LedgerEntry.id))) == 0
    assert not viewer_client.get(f"/orders/{order.public_id}/status").get_json()["ready"]
    admin_page = admin_client_factory().get("/admin/orders/flagged")
    assert admin_page.status_code == 200 and order.public_id in admin_page.text
    assert "paid 499 EUR but the order is for 399 EUR" in admin_page.text


def test_flagged_orders_are_for_admins_only(viewer_client):
    assert viewer_client.get("/admin/orders/flagged").status_code == 403


def test_automatic_tax_keeps_the_price_tax_inclusive(app, viewer_client, viewer, film, emu):
    app.config["STRIPE_AUTOMATIC_TAX"] = True
    response = checkout(viewer_client, film, "rent")

    session_id = session_id_from(response.location)
    assert emu.get(session_id)["automatic_tax"]["enabled"] is True
    (item,) = emu.state.line_items[session_id]
    assert item["price"]["tax_behavior"] == "inclusive" and item["amount_total"] == 499


def test_the_offline_test_page_does_not_exist_with_stripe(client):
    assert client.get("/payments/test-checkout/cs_test_anything").status_code == 404


@pytest.mark.parametrize("status", ["draft", "processing", "ready", "removed", "failed"])
def test_titles_off_the_store_are_unknown_to_the_buy_page(
    viewer_client, make_title, studio, status
):
    title = make_title(
        "Secret Cut",
        studio=studio,
        status=status,
        offers=[{"kind": "rent", "amount": 499, "currency": "EUR"}],
    )
    page = viewer_client.get(f"/buy/{title.slug}")
    bought = viewer_client.post(f"/buy/{title.slug}", data={"kind": "rent"})
    assert page.status_code == bought.status_code == 404
    assert "Secret Cut" not in page.text and "Secret Cut" not in bought.text
    assert orders_count() == 0


def test_two_tabs_share_one_open_checkout(viewer_client, viewer, film, emu):
    first = checkout(viewer_client, film, "rent")
    second = checkout(viewer_client, film, "rent")

    assert first.status_code == second.status_code == 303
    assert first.location == second.location  # the same Stripe page, one payment possible
    assert len(emu.objects("checkout.session")) == 1
    pending = db.session.scalars(db.select(Order).filter_by(status=OrderStatus.PENDING)).all()
    assert len(pending) == 1
    other_kind = checkout(viewer_client, film, "buy")
    assert other_kind.location != first.location  # buying is another checkout


def test_a_price_change_replaces_the_open_checkout(viewer_client, viewer, film, emu):
    old = session_id_from(checkout(viewer_client, film, "rent").location)
    offer_of(film, "rent").amount = 599
    db.session.commit()

    new = session_id_from(checkout(viewer_client, film, "rent").location)

    assert new != old and emu.get(old)["status"] == "expired"
    assert emu.get(new)["amount_total"] == 599
    statuses = sorted(o.status.value for o in db.session.scalars(db.select(Order)))
    assert statuses == ["expired", "pending"]


def test_the_replaced_checkout_paid_as_it_was_closed_still_delivers_the_film(
    viewer_client, viewer, film, emu, webhooks
):
    """The old page's payment went through while the store replaced it (its expiry failed at
    Stripe): the viewer paid, so the film is theirs, at the price they paid."""
    old = session_id_from(checkout(viewer_client, film, "rent").location)
    emu.fail_next(f"/v1/checkout/sessions/{old}/expire", status=400)
    offer_of(film, "rent").amount = 599
    db.session.commit()
    checkout(viewer_client, film, "rent")
    replaced = db.session.scalar(db.select(Order).filter_by(checkout_session_id=old))
    assert replaced.status == OrderStatus.EXPIRED

    emu.pay(old)

    db.session.expire_all()
    order = fresh(Order, replaced.id)
    assert order.status == OrderStatus.PAID and order.flag_reason is None
    entitlement = db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id))
    assert entitlement is not None and entitlement.kind.value == "rent"
    sale = db.session.scalar(db.select(LedgerEntry).filter_by(order_id=order.id))
    assert sale.gross == order.amount == emu.get(old)["amount_total"]


def test_a_second_payment_that_still_arrives_is_refunded_and_shown_to_the_admin(
    viewer_client, viewer, film, emu, webhooks, admin_client_factory
):
    # An old checkout page stays payable (its expiry failed at Stripe) while a new one is paid.
    duplicate = pay_twice(viewer_client, viewer, film, emu)

    assert duplicate.status == OrderStatus.FLAGGED
    assert duplicate.flag_reason.startswith("duplicate payment")
    assert duplicate.amount_refunded == 1299
    charge = next(c for c in emu.objects("charge") if c["amount"] == 1299)
    assert charge["refunded"] is True
    assert db.session.scalar(db.select(db.func.count(Entitlement.id))) == 1
    page = admin_client_factory().get("/admin/orders/flagged")
    assert duplicate.public_id in page.text and "refunded automatically" in page.text
