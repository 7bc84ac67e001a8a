"""The checkout page offers only what the viewer does not already have: a renter is offered
the purchase to keep the film, not a second rental the checkout would then refuse."""

from __future__ import annotations

from storefront.models import OfferKind

from .conftest import grant


def test_a_renter_is_offered_the_purchase_not_another_rental(viewer_client, viewer, film):
    grant(viewer, film, OfferKind.RENT)
    page = viewer_client.get(f"/buy/{film.slug}", headers={"Accept-Language": "en"}).text
    assert 'data-testid="checkout-buy"' in page
    assert 'data-testid="checkout-rent"' not in page
    assert "You can already watch this film." in page


def test_an_owner_is_offered_nothing_to_buy_again(viewer_client, viewer, film):
    grant(viewer, film, OfferKind.BUY)
    page = viewer_client.get(f"/buy/{film.slug}", headers={"Accept-Language": "en"}).text
    assert 'data-testid="checkout-' not in page
    assert "You can already watch this film." in page


def test_a_viewer_without_access_is_offered_both(viewer_client, film):
    page = viewer_client.get(f"/buy/{film.slug}").text
    assert 'data-testid="checkout-buy"' in page and 'data-testid="checkout-rent"' in page
