"""EU cross-border portability: a buyer at home in the EEA keeps watching what they paid for
while temporarily in another EEA country, where the film is not offered; everything else
about territories stays as it was."""

from __future__ import annotations

import pytest

from storefront.extensions import db
from storefront.models import OfferKind, Order

from .conftest import grant, store_hls

ONLY_IN_NORWAY = [
    {
        "kind": OfferKind.BUY,
        "amount": 9900,
        "currency": "NOK",
        "territory_mode": "allow",
        "territories": [{"country": "NO"}],
    },
    {
        "kind": OfferKind.RENT,
        "amount": 4900,
        "currency": "NOK",
        "territory_mode": "allow",
        "territories": [{"country": "NO"}],
    },
]


def start(client, slug: str, country: str):
    return client.post(f"/watch/{slug}/start", json={}, headers={"X-Test-Country": country})


@pytest.fixture
def norwegian_film(make_title, hls_package):
    title = make_title("Nordlys", offers=ONLY_IN_NORWAY)
    store_hls(title, hls_package)
    return title


@pytest.mark.parametrize(
    ("store_country", "setting", "home", "here", "plays"),
    [
        ("NO", "auto", "NO", "DE", True),  # a Norwegian on a trip to Germany
        ("DE", "auto", "NO", "IS", True),  # EEA, not only the EU
        ("NO", "off", "NO", "DE", False),  # the store turned it off
        ("US", "auto", "NO", "DE", False),  # a store outside the EEA: off unless asked
        (None, "on", "NO", "DE", True),  # turned on explicitly
        ("NO", "auto", "NO", "US", False),  # outside the EEA the territories decide
        ("NO", "auto", "NO", "CH", False),  # Switzerland is not in the EEA
        ("NO", "auto", "US", "DE", False),  # home outside the EEA
    ],
)
def test_portability_lets_paid_access_travel_within_the_eea(
    app, viewer_client, viewer, norwegian_film, store_country, setting, home, here, plays
):
    app.config.update(STORE_COUNTRY=store_country, PORTABILITY=setting)
    bought = grant(viewer, norwegian_film, country=home)
    bought.order.home_country = home
    db.session.commit()
    response = start(viewer_client, norwegian_film.slug, here)
    if plays:
        assert response.status_code == 200, response.json
    else:
        assert response.status_code == 403
        assert response.json["error"]["code"] == "blocked"


def test_the_home_country_is_the_billing_country_before_the_purchase_country(
    app, viewer_client, viewer, norwegian_film
):
    """Bought in Norway with a Swiss card on holiday there: home is not in the EEA."""
    app.config.update(STORE_COUNTRY="NO", PORTABILITY="auto")
    bought = grant(viewer, norwegian_film, country="NO")
    bought.order.home_country = "CH"
    db.session.commit()
    assert start(viewer_client, norwegian_film.slug, "NO").status_code == 200
    assert start(viewer_client, norwegian_film.slug, "DE").status_code == 403


def test_a_rental_travels_too_and_the_viewer_sees_why_it_plays(
    app, viewer_client, viewer, norwegian_film
):
    app.config.update(STORE_COUNTRY="NO")
    grant(viewer, norwegian_film, OfferKind.RENT, country="NO")
    assert start(viewer_client, norwegian_film.slug, "FR").status_code == 200
    page = viewer_client.get(
        f"/watch/{norwegian_film.slug}",
        headers={"X-Test-Country": "FR", "Accept-Language": "en"},
    ).text
    assert "This film is not offered in the country you are in now (France)" in page
    assert "you paid for it at home (Norway)" in page
    at_home = viewer_client.get(
        f"/watch/{norwegian_film.slug}", headers={"X-Test-Country": "NO"}
    ).text
    assert "portability-notice" not in at_home


def test_without_payment_nothing_travels(app, viewer_client, norwegian_film):
    app.config.update(STORE_COUNTRY="NO")
    response = start(viewer_client, norwegian_film.slug, "DE")
    assert response.status_code == 403
    assert response.json["error"]["code"] == "not_entitled"
    assert db.session.scalar(db.select(db.func.count()).select_from(Order)) == 0


def test_the_notice_names_the_countries_grammatically_in_each_language(
    app, viewer_client, viewer, norwegian_film
):
    """A country name cannot follow a fixed preposition: "in Netherlands", "en Portugal"
    (au Portugal), "in Niederlande" (in den Niederlanden) are wrong."""
    app.config.update(STORE_COUNTRY="NO")
    bought = grant(viewer, norwegian_film, OfferKind.RENT, country="NO")
    bought.order.home_country = "NL"
    db.session.commit()
    assert start(viewer_client, norwegian_film.slug, "PT").status_code == 200
    wrong = {
        "en": ("in Netherlands",),
        "fr": ("en Pays-Bas", "en Portugal"),
        "de": ("in Niederlande",),
    }
    for language, phrases in wrong.items():
        page = viewer_client.get(
            f"/watch/{norwegian_film.slug}",
            headers={"X-Test-Country": "PT", "Accept-Language": language},
        ).text
        notice = page.split('class="notice portability-notice"', 1)[1].split("</p>", 1)[0]
        assert "Portugal" in notice, language
        assert not [p for p in phrases if p in notice], (language, notice)
