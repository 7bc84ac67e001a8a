"""A studio shares a film's page with its code in the link (a newsletter's
/films/<slug>?code=NEWSLETTER20): the page leads on to the price with that code, for a viewer
signed in and for one who must log in first."""

from __future__ import annotations

import re
from html import unescape

from tests.conftest import PASSWORD
from tests.payments.promo import make_promotion

RENT = {"kind": "rent", "amount": 499, "currency": "EUR"}


def test_a_signed_in_viewer_is_led_to_the_price_with_the_shared_code(
    viewer_client, studio, make_title
):
    film = make_title("Night Train", studio=studio, offers=[dict(RENT)])
    make_promotion(studio, percent_off=20, code="NEWSLETTER20")

    page = unescape(viewer_client.get(f"/films/{film.slug}?code=NEWSLETTER20").text)

    assert f'href="/buy/{film.slug}?code=NEWSLETTER20"' in page
    assert "See the price with the code NEWSLETTER20" in page
    checkout = viewer_client.get(f"/buy/{film.slug}?code=NEWSLETTER20").text
    assert "€3.99" in checkout


def test_a_visitor_logs_in_and_keeps_the_shared_code(client, viewer, studio, make_title):
    film = make_title("Night Train", studio=studio, offers=[dict(RENT)])
    make_promotion(studio, percent_off=20, code="NEWSLETTER20")

    page = unescape(client.get(f"/films/{film.slug}?code=NEWSLETTER20").text)

    assert "Log in to use the code NEWSLETTER20" in page
    login = re.search(r'href="(/login\?next=[^"]+)"', page).group(1)
    signed_in = client.post(login, data={"email": viewer.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert signed_in.location == f"/buy/{film.slug}?code=NEWSLETTER20"
    assert "€3.99" in client.get(signed_in.location).text


def test_without_a_code_the_page_offers_none(viewer_client, studio, make_title):
    film = make_title("Night Train", studio=studio, offers=[dict(RENT)])

    page = viewer_client.get(f"/films/{film.slug}").text

    assert "See the price with the code" not in page and "?code=" not in page
