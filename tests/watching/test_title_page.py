"""The title page in each state a viewer meets, and the library."""

from __future__ import annotations

from datetime import timedelta

from storefront.extensions import db
from storefront.models import EntitlementStatus, OfferKind, TitleStatus, utcnow

from .conftest import grant


def text(response) -> str:
    return response.get_data(as_text=True)


def test_title_page_shows_what_a_viewer_needs_before_paying(client, film):
    page = text(client.get(f"/films/{film.slug}", headers={"X-Test-Country": "FR"}))
    for expected in (
        "Northern Lights",
        "Two sisters in Tromsø.",
        "Ingrid Solberg",
        "Åse Berg",
        "Norway and Sweden",  # co-producing countries
        "Norwegian",  # spoken language
        "French",  # subtitles offered, named in the page's language
        "Berlinale Forum 2025",
        "30 days to start watching, then 48 hours to finish once started",
        "€4.99",
        "€14.99",
    ):
        assert expected in page, expected
    assert "Watch</a>" not in page


def test_title_page_says_why_it_is_not_offered(client, make_title):
    opens = utcnow() + timedelta(days=20)
    offers = [
        {
            "kind": OfferKind.BUY,
            "amount": 1000,
            "currency": "EUR",
            "territory_mode": "allow",
            "territories": [{"country": "NO", "available_from": opens}, {"country": "SE"}],
        }
    ]
    make_title("Later", offers=offers)
    norway = text(client.get("/films/later", headers={"X-Test-Country": "NO"}))
    assert "Available in Norway from" in norway
    france = text(client.get("/films/later", headers={"X-Test-Country": "FR"}))
    assert "Not available in France" in france
    assert "€10.00" not in france


def test_entitled_viewer_gets_watch_and_others_get_the_reason(viewer_client, viewer, film):
    page = text(viewer_client.get(f"/films/{film.slug}"))
    assert "/watch/northern-lights" not in page
    entitlement = grant(viewer, film).entitlement
    page = text(viewer_client.get(f"/films/{film.slug}"))
    assert 'href="/watch/northern-lights"' in page
    entitlement.status = EntitlementStatus.REVOKED
    db.session.commit()
    page = text(viewer_client.get(f"/films/{film.slug}"))
    assert "This order was refunded" in page
    assert "€14.99" in page  # and can buy again


def test_rental_terms_stand_with_the_rent_button_only(viewer_client, viewer, film):
    """A viewer who holds the film sees "Watch", not the terms of a rental they cannot take
    (nor mistake them for their own rental's, whose terms were fixed when they paid)."""
    grant(viewer, film, OfferKind.RENT, start_days=7, watch_hours=72)
    page = text(viewer_client.get(f"/films/{film.slug}"))
    assert 'href="/watch/northern-lights"' in page
    assert "to start watching" not in page


def test_a_renter_is_offered_to_buy_the_film_to_keep(viewer_client, viewer, film):
    """Renting first and then keeping the film is what stores offer: the renter sees Watch and
    the buy button (checkout allows it), never a second rental."""
    grant(viewer, film, OfferKind.RENT)
    page = text(viewer_client.get(f"/films/{film.slug}"))
    assert 'href="/watch/northern-lights"' in page
    assert 'data-testid="checkout-buy"' in page and "€14.99" in page
    assert 'data-testid="checkout-rent"' not in page
    assert "Buy it to keep it" in page


def test_an_owner_is_offered_nothing_more(viewer_client, viewer, film):
    grant(viewer, film, OfferKind.BUY)
    page = text(viewer_client.get(f"/films/{film.slug}"))
    assert 'href="/watch/northern-lights"' in page
    assert 'data-testid="checkout-' not in page


def test_library_lists_purchases_rentals_and_their_clocks(viewer_client, viewer, make_title, film):
    grant(viewer, film, OfferKind.BUY)
    fresh = make_title("Fresh Rental")
    grant(viewer, fresh, OfferKind.RENT)
    running = make_title("Running Rental")
    started = grant(viewer, running, OfferKind.RENT).entitlement
    started.started_at = utcnow() - timedelta(hours=47)
    started.expires_at = started.started_at + timedelta(hours=48)
    gone = make_title("Gone Rental")
    old = grant(viewer, gone, OfferKind.RENT, at=utcnow() - timedelta(days=5)).entitlement
    old.started_at = utcnow() - timedelta(days=4)
    old.expires_at = old.started_at + timedelta(hours=48)
    db.session.commit()

    page = text(viewer_client.get("/library"))
    assert "My films" in page
    assert "Yours to watch any time" in page
    assert "29 days left to start watching" in page  # rounded down
    assert 'data-countdown="' in page  # server-computed, the script only ticks
    countdown = int(page.split('data-countdown="')[1].split('"')[0])
    assert 3500 <= countdown <= 3600
    assert "Rental expired" in page
    gone_item = page[page.index("Gone Rental") :]
    assert "Rent again" in gone_item and "/films/gone-rental" in gone_item


def test_continue_watching_from_the_saved_position(viewer_client, viewer, film):
    grant(viewer, film)
    info = viewer_client.post(f"/watch/{film.slug}/start", json={}).json
    viewer_client.post(info["heartbeat_url"], json={"position": 125, "duration": 5400})
    page = text(viewer_client.get("/library"))
    assert "Continue watching" in page
    assert "Stopped at 2:05" in page


def test_a_film_the_studio_removed_is_not_offered_to_watch(viewer_client, viewer, film):
    """The library said "Yours to watch any time" with a Watch button and a title link,
    both leading to "not found"."""
    grant(viewer, film)
    film.status = TitleStatus.REMOVED
    db.session.commit()
    page = text(viewer_client.get("/library"))
    assert "This film is no longer on the store." in page
    assert "Yours to watch any time" not in page
    assert f"/watch/{film.slug}" not in page and f"/films/{film.slug}" not in page


def test_library_needs_an_account(client):
    response = client.get("/library")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_refunded_item_offers_to_get_it_again(viewer_client, viewer, make_title, film):
    rented = make_title("Refunded Rental")
    rental = grant(viewer, rented, OfferKind.RENT).entitlement
    bought = grant(viewer, film, OfferKind.BUY).entitlement
    rental.status = bought.status = EntitlementStatus.REVOKED  # what a full refund does
    db.session.commit()
    page = text(viewer_client.get("/library"))
    rental_item = page[page.index("Refunded Rental") :]
    assert "Rent again" in rental_item.split("</li>")[0]
    film_item = page[page.index("Northern Lights") :]
    assert "Buy again" in film_item.split("</li>")[0]


def test_rental_terms_are_said_once(client, film):
    page = text(client.get(f"/films/{film.slug}"))
    assert page.count("to start watching") == 1
    assert "Start watching within" not in page
