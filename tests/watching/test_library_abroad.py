"""A viewer abroad, where the rights do not reach: the library says the film cannot be watched
here instead of offering a Watch button that the player then refuses."""

from __future__ import annotations

from storefront.models import OfferKind

from .conftest import grant


def test_the_library_says_a_film_cannot_be_watched_in_this_country(
    viewer_client, viewer, make_title, hls_package
):
    from .conftest import store_hls

    offers = [
        {
            "kind": OfferKind.BUY,
            "amount": 1000,
            "currency": "EUR",
            "territories": [{"country": "IT", "blocked": True}],
        }
    ]
    title = make_title("Rights Elsewhere", offers=offers)
    store_hls(title, hls_package)
    grant(viewer, title, country="FR")

    at_home = viewer_client.get("/library", headers={"X-Test-Country": "FR"}).text
    assert f'href="/watch/{title.slug}"' in at_home

    abroad = viewer_client.get(
        "/library", headers={"X-Test-Country": "IT", "Accept-Language": "en"}
    ).text
    assert f'href="/watch/{title.slug}"' not in abroad
    assert "This film cannot be watched in the country you are in now." in abroad
    # Still the viewer's: the library keeps it, and says it is bought.
    assert "Rights Elsewhere" in abroad and "Bought" in abroad
