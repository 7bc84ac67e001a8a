"""Money as integer minor units plus an ISO 4217 currency. Never floats.

"Minor units" here are the units Stripe's API counts in, so the integer stored on an offer, an
order or a ledger row is exactly the `amount` sent to and received from Stripe. That is the
ISO 4217 exponent for almost every currency; where Stripe differs (see STRIPE_TWO_DECIMAL) the
store follows Stripe and only lets people type amounts that display exactly in every locale.

Sources (Stripe, "Supported currencies", docs.stripe.com/currencies, read 2026):
- presentment currencies for card payments: the list below;
- zero-decimal currencies: amounts are whole units (¥500 is 500);
- three-decimal currencies (BHD, JOD, KWD, OMR, TND): amounts have three decimals but the
  last digit must be 0 (5.124 KWD cannot be charged; 5.120 can);
- special cases: ISK and UGX became zero-decimal but the API still takes two decimals that
  must be 00 (5 ISK is 500).
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal

from babel.numbers import format_currency, get_currency_precision, get_currency_symbol


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


# fmt: off
STRIPE_CURRENCIES = _codes("""
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BWP
    BYN BZD CAD CDF CHF CLP CNY COP CRC CVE CZK DJF DKK DOP DZD EGP ETB EUR FJD FKP GBP GEL
    GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR ISK JMD JOD JPY KES KGS KHR KMF KRW KWD
    KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MUR MVR MWK MXN MYR MZN NAD NGN
    NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SEK SGD
    SHP SLE SOS SRD SZL THB TJS TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VND VUV WST XAF
    XCD XOF XPF YER ZAR ZMW
""")
STRIPE_ZERO_DECIMAL = _codes("BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF VND VUV XAF XOF XPF")
STRIPE_THREE_DECIMAL = _codes("BHD JOD KWD OMR TND")
# Whole units written with two decimals "00" (Stripe's special cases).
STRIPE_TWO_DECIMAL = _codes("ISK UGX")

# Stripe's minimum charge per currency, in minor units ("Minimum and maximum charge amounts",
# docs.stripe.com/currencies#minimum-and-maximum-charge-amounts). Stripe also refuses a charge
# worth less than the minimum of the account's settlement currency after conversion; without
# exchange rates the store cannot check that, so currencies not listed only need a positive,
# chargeable amount here and Stripe has the last word.
STRIPE_MINIMUM_CHARGE = {
    "USD": 50, "AED": 200, "AUD": 50, "BGN": 100, "BRL": 50, "CAD": 50, "CHF": 50,
    "CZK": 1500, "DKK": 250, "EUR": 50, "GBP": 30, "HKD": 400, "HUF": 17500, "INR": 50,
    "JPY": 50, "MXN": 1000, "MYR": 200, "NOK": 300, "NZD": 50, "PLN": 200, "RON": 200,
    "SEK": 300, "SGD": 50, "THB": 1000,
}
# "The amount value supports up to eight digits" (same page).
STRIPE_MAXIMUM_AMOUNT = 99_999_999
# fmt: on


def is_supported(currency: str | None) -> bool:
    """A currency viewers can be charged in (Stripe card payments)."""
    return bool(currency) and currency.upper() in STRIPE_CURRENCIES


def exponent(currency: str) -> int:
    """Digits after the decimal point in minor units (JPY 0, EUR 2, KWD 3, ISK 2)."""
    code = currency.upper()
    if code in STRIPE_CURRENCIES:
        if code in STRIPE_ZERO_DECIMAL:
            return 0
        if code in STRIPE_THREE_DECIMAL:
            return 3
        return 2
    return get_currency_precision(code)


def display_digits(currency: str) -> int:
    """Digits people see (CLDR): fewer than `exponent` for ISK, UGX, LBP and a few others."""
    return min(get_currency_precision(currency.upper()), exponent(currency))


def step(currency: str) -> int:
    """The smallest chargeable increment, in minor units.

    10 for three-decimal currencies (Stripe wants the last digit 0); 100 where Stripe counts
    two decimals but people see none (ISK, UGX, LBP...), so a price always displays exactly
    the amount that is charged.
    """
    code = currency.upper()
    if code in STRIPE_THREE_DECIMAL:
        return 10
    return 10 ** (exponent(code) - display_digits(code))


def minimum_charge(currency: str) -> int:
    """Stripe's smallest charge in this currency (minor units), or one step if not listed."""
    code = currency.upper()
    return max(STRIPE_MINIMUM_CHARGE.get(code, 0), step(code))


def to_decimal(amount_minor: int, currency: str) -> Decimal:
    """Minor units -> exact major-unit Decimal (1999 EUR -> Decimal('19.99'))."""
    return Decimal(amount_minor).scaleb(-exponent(currency))


def to_major_string(amount_minor: int, currency: str) -> str:
    """A plain decimal string in major units with the currency's digits, for exports."""
    digits = exponent(currency)
    return f"{to_decimal(amount_minor, currency):.{digits}f}"


def to_input_string(amount_minor: int, currency: str) -> str:
    """Major units as a person would type them back into a form ("4.99", "500", "1.250")."""
    digits = display_digits(currency)
    return f"{to_decimal(amount_minor, currency):.{digits}f}"


def format_amount(amount_minor: int, currency: str, locale: str) -> str:
    """Format for people, in their locale, with the currency's own number of digits."""
    text = format_currency(
        to_decimal(amount_minor, currency), currency.upper(), locale=locale, currency_digits=True
    )
    return _currency_spacing(text, get_currency_symbol(currency.upper(), locale=locale))


def _currency_spacing(text: str, symbol: str) -> str:
    """CLDR's currencySpacing, which Babel leaves out: a symbol that is letters ("NOK",
    "kr") is kept apart from the digits by a no-break space, so 'NOK 49.00', not 'NOK49.00';
    a sign ("€", "$") stays next to them."""
    if not symbol:
        return text
    if text.startswith(symbol) and not _is_sign(symbol[-1]):
        rest = text[len(symbol) :]
        if rest[:1].isdigit():
            return f"{symbol}\xa0{rest}"
    if text.endswith(symbol) and not _is_sign(symbol[0]):
        rest = text[: -len(symbol)]
        if rest[-1:].isdigit():
            return f"{rest}\xa0{symbol}"
    return text


def _is_sign(char: str) -> bool:
    return unicodedata.category(char).startswith(("S", "Z"))
