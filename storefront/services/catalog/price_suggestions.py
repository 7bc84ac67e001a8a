"""Suggested local prices: a studio's price in one currency, converted with the operator's
exchange-rate table and rounded to a price people expect to see, for the studio to edit.

The table is the operator's (``EXCHANGE_RATES``, or the CSV file ``EXCHANGE_RATES_FILE`` with
lines ``currency,rate``): units of each currency per one unit of a common base. It is never
fetched from anywhere. A suggestion only fills the offers form; nothing is charged at it until
the studio saves the offers, and what is saved is whatever the studio left in the form.
"""

from __future__ import annotations

import csv
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from babel.numbers import get_territory_currencies
from flask import current_app

from ... import money

# Rounding steps by size of the converted price, in major units: 4.99, 49, 120, 1,500...
_STEPS = ((Decimal(10), Decimal("0.5")), (Decimal(100), Decimal(1)), (Decimal(1000), Decimal(10)))


def parse_rates(text: str) -> dict[str, Decimal]:
    """``"EUR=1;NOK=11.6"`` or CSV lines ``NOK,11.6`` -> {currency: rate}; bad lines skipped.

    A rate must be a finite positive number: "NaN" or "Infinity" would break every suggestion.
    ``NOK=11,6`` and a quoted ``NOK,"11,6"`` read as 11.6 (a decimal comma); an unquoted
    ``NOK,11,6`` is ambiguous (11.6, or 11 and a stray column) and is skipped, never read as 11.
    """
    rates: dict[str, Decimal] = {}
    for line in text.replace(";", "\n").splitlines():
        if "=" in line:
            cells = [cell.strip() for cell in line.split("=", 1)]
        else:
            cells = [cell.strip() for row in csv.reader([line]) for cell in row]
            cells = [cell for cell in cells if cell]
        if len(cells) != 2:
            continue
        code, value = cells[0].upper(), cells[1]
        if "," in value and "." not in value and value.count(",") == 1:
            value = value.replace(",", ".")
        try:
            rate = Decimal(value)
        except InvalidOperation:
            continue
        if money.is_supported(code) and rate.is_finite() and rate > 0:
            rates[code] = rate
    return rates


def exchange_rates() -> dict[str, Decimal]:
    """The operator's table: the setting, or the CSV file it names (read each time: small)."""
    text = current_app.config.get("EXCHANGE_RATES") or ""
    path = current_app.config.get("EXCHANGE_RATES_FILE")
    if path and Path(path).is_file():
        text += "\n" + Path(path).read_text(encoding="utf-8")
    return parse_rates(text)


def local_currency(country: str) -> str | None:
    """The currency a country's people pay in today (CLDR), if the store can charge it."""
    for code in get_territory_currencies(country, tender=True):
        if money.is_supported(code):
            return code
    return None


def rounded(value: Decimal, currency: str) -> int:
    """A converted major-unit value as a familiar price in minor units: 4.99, 49.00, 120,
    1,500, never below what Stripe can charge."""
    step = next((s for limit, s in _STEPS if value < limit), Decimal(50 if value < 10_000 else 100))
    digits = money.display_digits(currency)
    whole = (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step
    whole = max(whole, step)
    minor = int(whole.scaleb(money.exponent(currency)))
    if digits and step >= 1:
        minor -= 1  # 5.00 -> 4.99, 49.00 -> 48.99: charm pricing where cents exist
    minor -= minor % money.step(currency)
    return max(minor, money.minimum_charge(currency))


def suggest(
    amount: int, currency: str, country: str, rates: dict[str, Decimal]
) -> tuple[int, str] | None:
    """The suggested price in ``country``'s own currency, or None (same currency, no rate)."""
    target = local_currency(country)
    source = currency.upper()
    if target is None or target == source or source not in rates or target not in rates:
        return None
    value = money.to_decimal(amount, source) * rates[target] / rates[source]
    if value > money.to_decimal(money.STRIPE_MAXIMUM_AMOUNT, target):
        return None  # a rate off by powers of ten: no price Stripe could charge anyway
    return rounded(value, target), target
