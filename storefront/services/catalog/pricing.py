"""Prices as filmmakers type them, checked against what Stripe can charge.

A price is parsed exactly (Decimal, never float) into minor units of its currency. A filmmaker
may type "4.99", "4,99", "1 299,00", "1,299.00" or "500"; a lone separator is the decimal
separator, so "1,250" is one and a quarter, never twelve hundred and fifty.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from babel.numbers import get_currency_name
from flask_babel import gettext as _

from ... import money
from ...i18n import current_locale
from .. import ServiceError

_GROUPING = re.compile(r"[\s\u00a0\u202f'’]")
_SHAPE = re.compile(r"^[0-9.,]+$")


class PriceError(ServiceError):
    """The price cannot be charged; the message says why and is safe to show."""


def currency_choices(locale: str | None = None) -> list[tuple[str, str]]:
    """(code, "EUR – Euro") pairs for the supported currencies, sorted by code."""
    locale = locale or current_locale()
    return [
        (code, f"{code} – {get_currency_name(code, locale=locale)}")
        for code in sorted(money.STRIPE_CURRENCIES)
    ]


def check_currency(currency: str | None) -> str:
    code = (currency or "").strip().upper()
    if not money.is_supported(code):
        raise PriceError(_("Choose a currency from the list."))
    return code


def _grouped(integer_part: str, sep: str) -> str:
    """Digits of "1,299,000" (groups of three after the first), or PriceError."""
    if sep in integer_part and not re.fullmatch(rf"\d{{1,3}}(\{sep}\d{{3}})+", integer_part):
        raise PriceError(_("Enter a price as a number, for example 4.99."))
    return integer_part.replace(sep, "")


def _to_decimal(text: str) -> Decimal:
    raw = _GROUPING.sub("", text.strip())
    if raw.startswith("-"):
        raise PriceError(_("The price must be more than zero."))
    if not raw or not _SHAPE.match(raw):
        raise PriceError(_("Enter a price as a number, for example 4.99."))
    last_dot, last_comma = raw.rfind("."), raw.rfind(",")
    if last_dot >= 0 and last_comma >= 0:
        decimal_sep = "." if last_dot > last_comma else ","
        group_sep = "," if decimal_sep == "." else "."
        integer_part, _sep, fraction = raw.rpartition(decimal_sep)
        raw = f"{_grouped(integer_part, group_sep)}.{fraction}"
    elif raw.count(",") > 1 or raw.count(".") > 1:
        raw = _grouped(raw, "," if "," in raw else ".")  # "1,000,000": grouping only
    else:
        raw = raw.replace(",", ".")
    if not re.fullmatch(r"\d+(\.\d+)?|\.\d+", raw):
        raise PriceError(_("Enter a price as a number, for example 4.99."))
    try:
        return Decimal(raw)
    except InvalidOperation as exc:
        raise PriceError(_("Enter a price as a number, for example 4.99.")) from exc


def parse_price(text: str | None, currency: str, *, minimum: bool = True) -> int:
    """A typed price -> minor units of `currency`, or PriceError naming the problem.

    ``minimum=False`` for an amount that is taken off a price rather than charged (a code's
    amount off): it may be below the smallest charge."""
    currency = check_currency(currency)
    if text is None or not str(text).strip():
        raise PriceError(_("Enter a price."))
    value = _to_decimal(str(text))
    minor = value.scaleb(money.exponent(currency))
    if minor != minor.to_integral_value():
        raise _too_many_decimals(currency)
    amount = int(minor)
    check_amount(amount, currency, minimum=minimum)
    return amount


def _too_many_decimals(currency: str) -> PriceError:
    if currency in money.STRIPE_THREE_DECIMAL:
        return PriceError(
            _(
                "Use at most 3 decimals for %(currency)s, the last one 0 (for example 1.250).",
                currency=currency,
            )
        )
    decimals = money.display_digits(currency)
    if decimals == 0:
        return PriceError(
            _("%(currency)s prices are whole amounts, without decimals.", currency=currency)
        )
    return PriceError(
        _("Use at most %(n)d decimals for %(currency)s.", n=decimals, currency=currency)
    )


def check_amount(amount: int, currency: str, *, minimum: bool = True) -> None:
    """Raise PriceError unless Stripe can charge `amount` minor units of `currency`
    (``minimum=False``: whatever the smallest charge)."""
    currency = check_currency(currency)
    if amount <= 0:
        raise PriceError(_("The price must be more than zero."))
    if amount % money.step(currency):
        raise _too_many_decimals(currency)
    least = money.minimum_charge(currency)
    if minimum and amount < least:
        raise PriceError(
            _(
                "Stripe cannot charge less than %(minimum)s.",
                minimum=money.format_amount(least, currency, current_locale()),
            )
        )
    if amount > money.STRIPE_MAXIMUM_AMOUNT:
        raise PriceError(
            _(
                "Stripe cannot charge more than %(maximum)s.",
                maximum=money.format_amount(
                    money.STRIPE_MAXIMUM_AMOUNT // money.step(currency) * money.step(currency),
                    currency,
                    current_locale(),
                ),
            )
        )
