"""Prices typed by filmmakers become exact minor units that Stripe can charge."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront import money
from storefront.services.catalog.pricing import PriceError, check_amount, parse_price


@pytest.fixture(autouse=True)
def _request(app):
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.mark.parametrize(
    ("typed", "currency", "minor"),
    [
        ("4.99", "EUR", 499),
        ("4,99", "EUR", 499),
        ("500", "JPY", 500),
        ("1 299,00", "NOK", 129900),
        ("1,299.00", "USD", 129900),
        ("1.299,50", "DKK", 129950),
        ("1.250", "KWD", 1250),
        ("1,25", "KWD", 1250),
        ("5", "ISK", 500),  # Stripe counts ISK in hundredths that must be 00
        ("49", "NOK", 4900),
        ("0.50", "USD", 50),
        ("3,00", "NOK", 300),
    ],
)
def test_typed_prices_become_exact_minor_units(typed, currency, minor):
    assert parse_price(typed, currency) == minor


@pytest.mark.parametrize(
    ("typed", "currency", "message"),
    [
        ("4.999", "EUR", "at most 2 decimals"),
        ("500.5", "JPY", "whole amounts"),
        ("1.255", "KWD", "the last one 0"),
        ("5.50", "ISK", "whole amounts"),
        ("0", "EUR", "more than zero"),
        ("-4.99", "EUR", "more than zero"),
        ("0.00", "USD", "more than zero"),
        ("0.49", "USD", r"less than \$0\.50"),
        ("0.29", "GBP", "less than £0.30"),
        ("49", "JPY", "less than ¥50"),
        ("2.99", "NOK", "less than NOK"),
        ("4.99", "XTS", "Choose a currency"),
        ("4.99", "", "Choose a currency"),
        ("four", "EUR", "as a number"),
        ("4.9.9,1", "EUR", "as a number"),
        ("", "EUR", "Enter a price"),
        ("1000000", "EUR", "more than"),
    ],
)
def test_prices_stripe_cannot_charge_are_refused_with_the_reason(typed, currency, message):
    with pytest.raises(PriceError, match=message):
        parse_price(typed, currency)


def test_exponents_follow_stripe():
    assert [money.exponent(c) for c in ("JPY", "KRW", "EUR", "KWD", "BHD", "ISK", "UGX")] == [
        0, 0, 2, 3, 3, 2, 2,
    ]  # fmt: skip
    # Three-decimal currencies step by 10 (last digit 0); ISK/UGX by whole units.
    assert money.step("KWD") == 10 and money.step("ISK") == 100 and money.step("EUR") == 1
    assert money.minimum_charge("JPY") == 50 and money.minimum_charge("KWD") == 10


def test_supported_currencies_are_iso_4217_known_to_babel():
    from babel.numbers import list_currencies

    assert list_currencies() >= money.STRIPE_CURRENCIES
    assert money.STRIPE_ZERO_DECIMAL <= money.STRIPE_CURRENCIES
    assert money.STRIPE_THREE_DECIMAL <= money.STRIPE_CURRENCIES
    assert set(money.STRIPE_MINIMUM_CHARGE) <= money.STRIPE_CURRENCIES


def test_jpy_and_kwd_amounts_display_exactly():
    assert money.format_amount(500, "JPY", "en") == "¥500"
    assert money.format_amount(1250, "KWD", "en") == "KWD\xa01.250"
    assert money.format_amount(500, "ISK", "en") == "ISK\xa05"
    assert money.to_input_string(1250, "KWD") == "1.250"


@given(
    currency=st.sampled_from(sorted(money.STRIPE_CURRENCIES)),
    units=st.integers(min_value=1, max_value=99_999),
)
def test_every_chargeable_amount_round_trips_through_what_is_shown(currency, units):
    amount = units * money.step(currency) + money.minimum_charge(currency)
    if amount > money.STRIPE_MAXIMUM_AMOUNT:
        return
    check_amount(amount, currency)
    shown = money.to_input_string(amount, currency)
    assert parse_price(shown, currency) == amount
    assert Decimal(shown) == money.to_decimal(amount, currency)
