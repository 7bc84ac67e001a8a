"""The availability rule on real rows (property tests of the pure rule live beside it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storefront.models import OfferKind, TerritoryMode, TitleStatus
from storefront.services.catalog.availability import (
    NotAvailable,
    Reason,
    availability_for,
    resolve_offer,
)

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)


def test_country_price_override_and_window(make_title):
    title = make_title(
        offers=[
            {
                "kind": OfferKind.RENT,
                "amount": 499,
                "currency": "EUR",
                "territories": [
                    {
                        "country": "NO",
                        "amount": 4900,
                        "currency": "NOK",
                        "available_from": NOW + timedelta(days=1),
                    },
                    {"country": "JP", "amount": 600, "currency": "JPY"},
                ],
            },
            {
                "kind": OfferKind.BUY,
                "amount": 1299,
                "currency": "EUR",
                "territory_mode": TerritoryMode.ALLOW,
                "territories": [{"country": "FR"}],
            },
        ]
    )
    japan = availability_for(title, "JP", NOW)
    assert japan.option("rent").amount == 600 and japan.option("rent").currency == "JPY"
    assert japan.only_kind == OfferKind.RENT
    norway = availability_for(title, "NO", NOW)
    assert not norway.is_available and norway.reason == Reason.NOT_YET
    assert norway.opens_at == NOW + timedelta(days=1)
    assert availability_for(title, "NO", NOW + timedelta(days=1)).option("rent").currency == "NOK"
    france = availability_for(title, "FR", NOW)
    assert {o.kind for o in france.options} == {OfferKind.RENT, OfferKind.BUY}
    assert france.option("rent").rental_watch_hours == 48


def test_unpublished_titles_are_not_for_sale(make_title):
    title = make_title(
        status=TitleStatus.DRAFT, offers=[{"kind": "buy", "amount": 900, "currency": "USD"}]
    )
    availability = availability_for(title, "US", NOW)
    assert availability.reason == Reason.NOT_FOR_SALE
    with pytest.raises(NotAvailable) as caught:
        resolve_offer(title, "buy", "US", NOW)
    assert caught.value.availability.reason == Reason.NOT_FOR_SALE


def test_unknown_country_sees_only_worldwide_offers(make_title):
    blocked_somewhere = make_title(
        "Blocked",
        offers=[
            {
                "kind": "buy",
                "amount": 900,
                "currency": "USD",
                "territory_mode": TerritoryMode.DENY,
                "territories": [{"country": "US", "blocked": True}],
            }
        ],
    )
    worldwide = make_title("Everywhere", offers=[{"kind": "buy", "amount": 900, "currency": "USD"}])
    assert availability_for(worldwide, None, NOW).is_available
    assert availability_for(blocked_somewhere, None, NOW).reason == Reason.UNKNOWN_COUNTRY
    assert availability_for(blocked_somewhere, "US", NOW).reason == Reason.NOT_IN_COUNTRY
    assert availability_for(blocked_somewhere, "CA", NOW).is_available
