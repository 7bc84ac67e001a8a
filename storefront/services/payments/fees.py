"""The platform's application fee on Connect sales: a percentage plus a fixed amount.

Computed in integer minor units of the sale's currency: percent × amount is rounded half up to
a whole minor unit, then the currency's fixed fee is added; the total never exceeds the amount.
Configured with PLATFORM_FEE_PERCENT (basis-point precision, e.g. "7.5") and
PLATFORM_FEE_FIXED ("EUR:30,USD:30,JPY:0", minor units; unlisted currencies pay no fixed fee).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from ...config_values import parse_fee_fixed, parse_fee_percent


def round_half_up(value: Decimal) -> int:
    """A Decimal amount of minor units rounded to a whole one, halves away from zero."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def share(part: int, whole: int, of: int) -> int:
    """``of`` scaled by ``part / whole``, rounded half up (0 when ``whole`` is 0)."""
    return round_half_up(Decimal(of) * part / whole) if whole else 0


def platform_fee(
    amount: int,
    currency: str,
    percent: Decimal | str | int | None,
    fixed: Mapping[str, int] | str | None,
) -> int:
    """The application fee for a sale of ``amount`` minor units of ``currency``."""
    rate = parse_fee_percent(percent)
    fixed_by_currency = parse_fee_fixed(fixed)
    fee = round_half_up(Decimal(amount) * rate / 100) + fixed_by_currency.get(currency.upper(), 0)
    return max(0, min(amount, fee))
