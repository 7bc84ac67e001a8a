"""The buyer's home country, for EU portability, comes from the payment's billing country,
else from the country at purchase."""

from __future__ import annotations

from storefront.models import OrderStatus

from .conftest import checkout, fresh, latest_order, session_id_from


def test_the_billing_country_of_the_card_is_the_home_country(
    viewer_client, viewer, film, emu, webhooks
):
    response = checkout(viewer_client, film, "buy", country="FR")
    emu.pay(session_id_from(response.location), card_country="NO")
    order = fresh(type(latest_order(viewer)), latest_order(viewer).id)
    assert order.status == OrderStatus.PAID
    assert (order.country, order.home_country) == ("FR", "NO")


def test_without_a_billing_country_the_purchase_country_is_home(
    viewer_client, viewer, film, emu, webhooks
):
    response = checkout(viewer_client, film, "buy", country="DE")
    emu.pay(session_id_from(response.location), card_country="not a country")
    order = fresh(type(latest_order(viewer)), latest_order(viewer).id)
    assert order.status == OrderStatus.PAID
    assert (order.country, order.home_country) == ("DE", "DE")
