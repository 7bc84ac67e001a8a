"""The catalogue's "available to me" filter against the availability rule, on real rows.

The filter narrows titles in SQL before the rule decides. It must never hide a title the rule
says is available here and now, and with the rule applied after it, the page shows exactly
the titles the rule makes available, in every mode, for known and unknown countries.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storefront.extensions import db
from storefront.models import Offer, OfferKind, OfferTerritory, TerritoryMode, Title, TitleStatus
from storefront.services.catalog.availability import availability_for, has_admitting_offer
from storefront.services.catalog.catalogue import browse
from storefront.services.catalog.catalogue_query import CatalogueQuery

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)
COUNTRIES = ["NO", "SE", "FR", "JP"]
VIEWERS = [*COUNTRIES, "BR", None]

moments = st.none() | st.sampled_from([NOW - timedelta(days=2), NOW + timedelta(days=2)])


@st.composite
def territory_rows(draw) -> list[dict]:
    countries = draw(st.lists(st.sampled_from(COUNTRIES), unique=True, max_size=3))
    return [
        {
            "country": c,
            "blocked": draw(st.booleans()),
            "available_from": draw(moments),
            "available_until": draw(moments),
        }
        for c in countries
    ]


@st.composite
def offer_specs(draw) -> list[dict]:
    kinds = draw(st.lists(st.sampled_from(list(OfferKind)), unique=True, max_size=2))
    return [
        {
            "kind": kind,
            "territory_mode": draw(st.sampled_from(list(TerritoryMode))),
            "active": draw(st.booleans() | st.just(True)),
            "available_from": draw(moments),
            "available_until": draw(moments),
            "territories": draw(territory_rows()),
        }
        for kind in kinds
    ]


def _add_title(studio_id: int, number: int, offers: list[dict]) -> Title:
    title = Title(
        studio_id=studio_id,
        slug=f"prop-{number}",
        name=f"Film {number}",
        status=TitleStatus.PUBLISHED,
        published_at=NOW - timedelta(days=number),
    )
    db.session.add(title)
    db.session.flush()
    for spec in offers:
        spec = dict(spec)
        rows = spec.pop("territories")
        offer = Offer(title_id=title.id, amount=499, currency="EUR", **spec)
        offer.territories = [OfferTerritory(**row) for row in rows]
        db.session.add(offer)
    db.session.flush()
    return title


@pytest.fixture
def studio_id(studio) -> int:
    return studio.id


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(shelf=st.lists(offer_specs(), min_size=1, max_size=4))
def test_the_prefilter_never_hides_what_the_rule_offers(app, studio_id, shelf):
    try:
        titles = [_add_title(studio_id, i, offers) for i, offers in enumerate(shelf)]
        ids = [t.id for t in titles]
        for country in VIEWERS:
            by_rule = {t.id for t in titles if availability_for(t, country, NOW).is_available}
            candidates = set(
                db.session.scalars(
                    db.select(Title.id).where(Title.id.in_(ids), has_admitting_offer(country))
                )
            )
            assert by_rule <= candidates, (country, by_rule - candidates)
            page = browse(CatalogueQuery(available=True), country, NOW)
            assert {card.id for card in page.cards} == by_rule, country
    finally:
        db.session.rollback()


def test_worldwide_except_nobody_is_listed_for_a_viewer_of_unknown_country(make_title, studio):
    """A "deny" list left empty excludes nobody, so an unknown country sees the film."""
    title = make_title(
        "Open Borders",
        studio=studio,
        offers=[{"kind": "rent", "amount": 499, "currency": "EUR", "territory_mode": "deny"}],
    )
    assert availability_for(title, None, NOW).is_available
    page = browse(CatalogueQuery(available=True), None, NOW)
    assert [card.slug for card in page.cards] == [title.slug]
