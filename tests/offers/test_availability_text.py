"""Viewers are told plainly what applies where they are, in their language."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from flask import render_template_string

from storefront.models import OfferKind
from storefront.services.catalog.availability import Availability, OfferOption, Reason, Withheld
from storefront.web.availability_text import availability_sentences

MARCH = datetime(2027, 3, 1, 12, tzinfo=UTC)
RENT = OfferOption(1, OfferKind.RENT, 4900, "NOK", None, 30, 48)
BUY = OfferOption(2, OfferKind.BUY, 14900, "NOK", None)


@contextmanager
def speaking(app, language: str):
    """A request in `language`, with its own app context (Flask-Babel caches the locale on g)."""
    with app.app_context(), app.test_request_context(headers={"Accept-Language": language}):
        yield


MACRO = (
    '{% from "store/_availability.html" import availability_notice %}{{ availability_notice(a) }}'
)


@pytest.mark.parametrize(
    ("availability", "english", "french"),
    [
        (
            Availability(1, "NO", reason=Reason.NOT_IN_COUNTRY),
            "Not available in Norway.",
            "Non disponible dans votre pays (Norvège).",
        ),
        (
            Availability(1, "NO", reason=Reason.NOT_YET, opens_at=MARCH),
            "Available in Norway from March 1, 2027.",
            "Disponible dans votre pays (Norvège) à partir du 1 mars 2027.",
        ),
        (
            Availability(1, "NO", reason=Reason.ENDED, ended_at=MARCH),
            "No longer available in Norway since March 1, 2027.",
            "N’est plus disponible dans votre pays (Norvège) depuis le 1 mars 2027.",
        ),
        (
            Availability(
                1, "NO", (RENT,), withheld=(Withheld(OfferKind.BUY, Reason.NOT_IN_COUNTRY),)
            ),
            "Only for rent in Norway.",
            "Uniquement en location dans votre pays (Norvège).",
        ),
        (
            Availability(1, None, reason=Reason.UNKNOWN_COUNTRY),
            "We could not tell which country you are in",
            "Nous n’avons pas pu savoir dans quel pays vous êtes",
        ),
    ],
)
def test_sentences_name_the_country_and_the_reason(app, availability, english, french):
    with speaking(app, "en"):
        assert english in " ".join(availability_sentences(availability))
    with speaking(app, "fr"):
        assert french in " ".join(availability_sentences(availability))


@pytest.mark.parametrize(
    ("code", "english", "german"),
    [
        ("US", "Not available in the United States.", "Vereinigte Staaten"),
        ("NL", "Not available in the Netherlands.", "Niederlande"),
        ("GB", "Not available in the United Kingdom.", "Vereinigtes Königreich"),
        ("PH", "Not available in the Philippines.", "Philippinen"),
        ("FR", "Not available in France.", "Frankreich"),
    ],
)
def test_english_gives_a_country_its_article_and_other_languages_keep_their_own(
    app, code, english, german
):
    """ "Not available in United States" read as a translation slip. The other languages
    translate the whole sentence around the bare name: German, whose names need a case and
    an article too ("in den Vereinigten Staaten"), sets it apart as French does."""
    refused = Availability(1, code, reason=Reason.NOT_IN_COUNTRY)
    with speaking(app, "en"):
        assert availability_sentences(refused) == [english]
    with speaking(app, "de"):
        (said,) = availability_sentences(refused)
    assert said == f"In deinem Land ({german}) nicht verfügbar."


def test_the_macro_shows_prices_and_rental_terms_in_the_viewers_locale(app):
    available = Availability(1, "NO", (RENT,))
    with speaking(app, "fr"):
        html = render_template_string(MACRO, a=available)
    assert "49,00\xa0NOK" in html and "48 heures" in html and "30 jours" in html
    with speaking(app, "en"):
        html = render_template_string(MACRO, a=Availability(1, "JP", reason=Reason.NOT_IN_COUNTRY))
    assert "Not available in Japan." in html and 'role="status"' in html


def test_an_unknown_country_with_worldwide_offers_is_told_why(app):
    available = Availability(1, None, (RENT,))
    with speaking(app, "en"):
        assert availability_sentences(available) == [
            "We could not tell which country you are in, so only worldwide offers apply."
        ]


@pytest.mark.parametrize(
    ("availability", "english", "french"),
    [
        (
            Availability(1, None, reason=Reason.NOT_YET, opens_at=MARCH),
            "Available from March 1, 2027.",
            "Disponible à partir du 1 mars 2027.",
        ),
        (
            Availability(1, None, reason=Reason.ENDED, ended_at=MARCH),
            "No longer available since March 1, 2027.",
            "N’est plus disponible depuis le 1 mars 2027.",
        ),
        (
            Availability(
                1, None, (RENT,), withheld=(Withheld(OfferKind.BUY, Reason.NOT_YET, MARCH),)
            ),
            "Buying opens on March 1, 2027.",
            "L’achat ouvre le 1 mars 2027.",
        ),
        (
            Availability(
                1, None, (BUY,), withheld=(Withheld(OfferKind.RENT, Reason.NOT_YET, MARCH),)
            ),
            "Renting opens on March 1, 2027.",
            "La location ouvre le 1 mars 2027.",
        ),
    ],
)
def test_a_viewer_whose_country_is_unknown_is_told_dates_without_a_blank_place(
    app, availability, english, french
):
    """A worldwide window that opens later, for a viewer the store cannot place, used to
    read "Available in  from March 1, 2027." (an empty country in the sentence)."""
    with speaking(app, "en"):
        assert english in availability_sentences(availability)
    with speaking(app, "fr"):
        assert french in availability_sentences(availability)
