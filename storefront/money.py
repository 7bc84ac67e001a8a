"""Money as integer minor units plus an ISO 4217 currency. Never floats."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency, get_currency_precision


def exponent(currency: str) -> int:
    """Digits after the decimal point for a currency (JPY 0, EUR 2, KWD 3)."""
    return get_currency_precision(currency.upper())


def to_decimal(amount_minor: int, currency: str) -> Decimal:
    """Minor units -> exact major-unit Decimal (1999 EUR -> Decimal('19.99'))."""
    return Decimal(amount_minor).scaleb(-exponent(currency))


def to_major_string(amount_minor: int, currency: str) -> str:
    """A plain decimal string in major units with the currency's digits, for exports."""
    digits = exponent(currency)
    return f"{to_decimal(amount_minor, currency):.{digits}f}"


def format_amount(amount_minor: int, currency: str, locale: str) -> str:
    """Format for people, in their locale, with the currency's own number of digits."""
    return format_currency(
        to_decimal(amount_minor, currency), currency.upper(), locale=locale, currency_digits=True
    )
