"""Suggested local prices: converted with the operator's table, rounded to familiar prices,
only filled into the form; nothing changes until the studio saves."""

from __future__ import annotations

from decimal import Decimal

import pytest

from storefront.services.catalog import price_suggestions as ps

from .test_studio_offers import base_form, snapshot, title, url  # noqa: F401

RATES = "EUR=1;NOK=11.6;JPY=162;USD=1.08;KWD=0.33;SEK=11.2"


def test_the_table_comes_from_a_setting_or_a_csv_file(app, tmp_path):
    assert ps.parse_rates("EUR=1; NOK = 11.6 ;XXX=2;JPY=oops;USD=-1") == {
        "EUR": Decimal(1),
        "NOK": Decimal("11.6"),
    }
    table = tmp_path / "rates.csv"
    table.write_text("currency,rate\nSEK,11.2\nJPY,162\n", encoding="utf-8")
    app.config.update(EXCHANGE_RATES="EUR=1", EXCHANGE_RATES_FILE=str(table))
    with app.app_context():
        assert ps.exchange_rates() == {"EUR": 1, "SEK": Decimal("11.2"), "JPY": 162}


@pytest.mark.parametrize(
    ("amount", "currency", "country", "expected"),
    [
        (499, "EUR", "NO", (5799, "NOK")),  # 57.88 NOK -> 57.99
        (1499, "EUR", "NO", (16999, "NOK")),  # 173.88 -> 170 -> 169.99
        (499, "EUR", "JP", (810, "JPY")),  # no decimals: 808 -> 810
        (499, "EUR", "US", (550, "USD")),  # under 10: half units
        (499, "EUR", "KW", (1500, "KWD")),  # three decimals, last one 0
        (5799, "NOK", "SE", (5599, "SEK")),  # any currency of the table to any other
        (499, "EUR", "DE", None),  # same currency: nothing to suggest
        (499, "EUR", "BR", None),  # no rate for BRL
        (1, "EUR", "NO", (300, "NOK")),  # never below Stripe's minimum charge
    ],
)
def test_suggestions_are_rounded_local_prices(amount, currency, country, expected):
    assert ps.suggest(amount, currency, country, ps.parse_rates(RATES)) == expected


def test_suggesting_fills_the_rows_and_saves_nothing(app, filmmaker_client, studio, title):  # noqa: F811
    app.config.update(EXCHANGE_RATES=RATES)
    before = snapshot(title.id)
    page = filmmaker_client.get(url(studio, title)).text
    assert "Suggest local prices" in page
    form = base_form(
        suggest_prices="rent",
        **{
            "rent-mode": "allow",
            "rent-countries": ["JP", "US", "DE"],
            "rent-rules-0-country": "NO",
            "rent-rules-0-price": "",
            "rent-rules-1-country": "SE",
            "rent-rules-1-price": "45",
            "rent-rules-1-currency": "SEK",
        },
    )
    response = filmmaker_client.post(url(studio, title), data=form)
    assert response.status_code == 200
    text = response.text
    assert "Suggested prices are filled in for 3 countries" in text
    assert 'value="57.99"' in text and 'value="810"' in text and 'value="5.50"' in text
    assert 'value="45"' in text  # the studio's own price stays
    assert snapshot(title.id) == before  # nothing saved, nothing charged


def test_without_a_table_there_is_no_suggestion(app, filmmaker_client, studio, title):  # noqa: F811
    app.config.update(EXCHANGE_RATES="", EXCHANGE_RATES_FILE=None)
    assert "Suggest local prices" not in filmmaker_client.get(url(studio, title)).text


def test_bad_rows_of_the_table_are_skipped_never_misread(app, filmmaker_client, studio, title):  # noqa: F811
    """An operator's typo must neither break the editor nor turn into a wrong price: a rate
    that is not a finite number is skipped, and "11,6" (a decimal comma) means 11.6, not 11."""
    assert ps.parse_rates("EUR=1;NOK=11,6;SEK=NaN;JPY=Infinity;USD=sNaN") == {
        "EUR": Decimal(1),
        "NOK": Decimal("11.6"),
    }
    assert ps.parse_rates('currency,rate\nEUR,1\nNOK,"11,6"\nSEK,11,2\n') == {
        "EUR": Decimal(1),
        "NOK": Decimal("11.6"),
    }  # an unquoted "SEK,11,2" could be 11.2 or 11 with a stray column: no guess
    # A rate off by powers of ten suggests nothing rather than failing on a huge number.
    assert ps.suggest(499, "EUR", "NO", ps.parse_rates("EUR=1;NOK=1e999999")) is None
    app.config.update(EXCHANGE_RATES="EUR=1;NOK=11,6;SEK=NaN;JPY=Infinity")
    form = base_form(
        suggest_prices="rent", **{"rent-mode": "allow", "rent-countries": ["NO", "SE", "JP"]}
    )
    response = filmmaker_client.post(url(studio, title), data=form)
    assert response.status_code == 200
    assert 'value="57.99"' in response.text  # 4.99 EUR at 11.6, not at 11 (54.99)


def test_the_number_of_suggested_prices_is_said_with_the_right_plural(
    app,
    filmmaker_client,
    studio,
    title,  # noqa: F811
):
    app.config.update(EXCHANGE_RATES=RATES)
    one = base_form(suggest_prices="rent", **{"rent-mode": "allow", "rent-countries": ["NO"]})
    assert "filled in for 1 country." in filmmaker_client.post(url(studio, title), data=one).text
    two = dict(one, **{"rent-countries": ["NO", "JP"]})
    filmmaker_client.post("/account/language", data={"locale": "ar", "next": "/"})
    arabic = filmmaker_client.post(url(studio, title), data=two).text
    assert "لدولتين" in arabic  # Arabic's dual, not "2 دولة"
