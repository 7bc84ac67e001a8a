"""Currencies, minimum amounts and the processing-fee model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from .catalog import THREE_DECIMAL, ZERO_DECIMAL

MAXIMUM_AMOUNT = 99_999_999


def exponent(currency: str) -> int:
    """Number of minor-unit digits for a currency."""
    if currency in ZERO_DECIMAL:
        return 0
    if currency in THREE_DECIMAL:
        return 3
    return 2


def to_major(amount: int, currency: str) -> Decimal:
    """Minor units -> a Decimal in major units."""
    return Decimal(amount).scaleb(-exponent(currency))


def format_amount(amount: int, currency: str, locale: str | None = None) -> str:
    """Human-readable amount for the hosted pages, e.g. ``€12.50``."""
    from babel.numbers import format_currency

    try:
        code = (locale or "en").replace("-", "_")
        return format_currency(to_major(amount, currency), currency.upper(), locale=code)
    except Exception:  # unknown locale: fall back to English
        return format_currency(to_major(amount, currency), currency.upper(), locale="en")


def round_half_up(value: Decimal, step: int = 1) -> int:
    """Round to a whole multiple of ``step`` minor units, halves away from zero."""
    return int((value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * step


@dataclass(frozen=True)
class FeeRule:
    """A processing fee of ``percent`` of the amount plus ``fixed`` minor units."""

    percent: Decimal
    fixed: int


@dataclass
class FeeSchedule:
    """Stripe processing fees by currency (configurable per emulator)."""

    default: FeeRule = field(default_factory=lambda: FeeRule(Decimal("2.9"), 30))
    zero_decimal: FeeRule = field(default_factory=lambda: FeeRule(Decimal("3.6"), 0))
    three_decimal: FeeRule = field(default_factory=lambda: FeeRule(Decimal("2.9"), 300))
    per_currency: dict[str, FeeRule] = field(default_factory=dict)
    dispute_fee: int = 1500
    dispute_fees: dict[str, int] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        fee_percent: Decimal | float | str | None = None,
        fee_fixed: int | None = None,
        fees: Mapping[str, tuple[Decimal | float | str, int]] | None = None,
        dispute_fee: int = 1500,
        dispute_fees: Mapping[str, int] | None = None,
    ) -> FeeSchedule:
        """Build a schedule from the emulator's constructor arguments."""
        schedule = cls(dispute_fee=dispute_fee, dispute_fees=dict(dispute_fees or {}))
        if fee_percent is not None or fee_fixed is not None:
            schedule.default = FeeRule(
                Decimal(str(fee_percent if fee_percent is not None else "2.9")),
                30 if fee_fixed is None else fee_fixed,
            )
        for currency, (percent, fixed) in (fees or {}).items():
            schedule.per_currency[currency.lower()] = FeeRule(Decimal(str(percent)), fixed)
        return schedule

    def rule(self, currency: str) -> FeeRule:
        """The fee rule applying to a currency."""
        if currency in self.per_currency:
            return self.per_currency[currency]
        if currency in ZERO_DECIMAL:
            return self.zero_decimal
        if currency in THREE_DECIMAL:
            return self.three_decimal
        return self.default

    def processing_fee(self, amount: int, currency: str) -> int:
        """Fee for a charge, rounded half-up to whole minor units."""
        rule = self.rule(currency)
        step = 10 if currency in THREE_DECIMAL else 1
        return round_half_up(Decimal(amount) * rule.percent / 100 + rule.fixed, step)

    def dispute_fee_for(self, currency: str) -> int:
        """Fee withdrawn when a dispute is opened."""
        if currency in self.dispute_fees:
            return self.dispute_fees[currency]
        return round_half_up(Decimal(self.dispute_fee).scaleb(exponent(currency) - 2))


def convert(amount: int, source: str, target: str, rate: Decimal) -> int:
    """Minor units of ``source`` converted at ``rate`` (major units of ``target`` per major unit
    of ``source``, as ``balance_transaction.exchange_rate`` states it), rounded half-up."""
    major = to_major(amount, source) * rate
    return round_half_up(major.scaleb(exponent(target)))
