"""Figures a report shows, built from per-group sums the database computes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ...models import PLATFORM_ENTRY_TYPES, EntryType, OfferKind
from ...models.ledger import HOLDER_COUNTS_AS


@dataclass
class Totals:
    """A studio's money in one currency. Outflows (refunds, disputes, fees, tax) are positive.

    net == gross - refunds - disputes - tax - processor_fees - platform_fees - festival_shares,
    exactly, because every ledger row keeps net == gross - tax - processor_fee - platform_fee.
    """

    currency: str
    gross: int = 0  # sales, tax included
    refunds: int = 0  # returned to buyers
    disputes: int = 0  # withdrawn by chargebacks, less what won disputes returned
    tax: int = 0
    processor_fees: int = 0
    platform_fees: int = 0
    net: int = 0
    # Festivals' parts of the studio's festival ticket sales (a festival's own: negative).
    festival_shares: int = 0
    rentals: int = 0
    purchases: int = 0
    refund_count: int = 0
    dispute_count: int = 0
    # Access given for nothing (a 100 % code): the ledger's zero-value comp rows, counted
    # beside the paid rentals and purchases, never in them.
    comps: int = 0

    @property
    def fees(self) -> int:
        return self.processor_fees + self.platform_fees

    @property
    def sales(self) -> int:
        return self.rentals + self.purchases

    def add(
        self,
        entry_type: EntryType,
        kind: OfferKind,
        gross: int,
        tax: int,
        processor_fee: int,
        platform_fee: int,
        net: int,
        count: int,
    ) -> None:
        """Fold one group of ledger rows (one entry type and kind) into the totals."""
        # A co-producer's transfer is its sale; a reversal its refund or dispute.
        entry_type = HOLDER_COUNTS_AS.get(entry_type, entry_type)
        if entry_type == EntryType.SALE:
            self.gross += gross
            if kind == OfferKind.RENT:
                self.rentals += count
            else:
                self.purchases += count
        elif entry_type == EntryType.REFUND:
            self.refunds -= gross
            self.refund_count += count
        elif entry_type == EntryType.DISPUTE:
            self.disputes -= gross
            self.dispute_count += count
        elif entry_type == EntryType.DISPUTE_WON:
            self.disputes -= gross
        elif entry_type == EntryType.COMP:
            self.comps += count
            return
        elif entry_type in (EntryType.FESTIVAL_SHARE, EntryType.FESTIVAL_INCOME):
            self.festival_shares -= net
            self.net += net
            return
        else:  # the platform's own rows never reach a studio's totals
            return
        self.tax += tax
        self.processor_fees += processor_fee
        self.platform_fees += platform_fee
        self.net += net


@dataclass
class Slice:
    """One bar or point of a breakdown: sales counted, gross sales and net, in one currency."""

    key: object
    label: str = ""
    sales: int = 0
    gross: int = 0
    net: int = 0

    def add(self, entry_type: EntryType, gross: int, net: int, count: int) -> None:
        entry_type = HOLDER_COUNTS_AS.get(entry_type, entry_type)
        if entry_type == EntryType.SALE:
            self.sales += count
            self.gross += gross
        if entry_type not in PLATFORM_ENTRY_TYPES:
            self.net += net


@dataclass
class CurrencyReport:
    """Everything a dashboard shows for one currency."""

    totals: Totals
    series: list[Slice] = field(default_factory=list)  # key: first day of the bucket
    by_title: list[Slice] = field(default_factory=list)  # key: title id (None: deleted)
    by_country: list[Slice] = field(default_factory=list)  # key: country code or None
    by_kind: list[Slice] = field(default_factory=list)  # key: OfferKind

    @property
    def top_titles(self) -> list[Slice]:
        return self.by_title[:10]


@dataclass
class Dashboard:
    currencies: list[CurrencyReport]
    settlement: dict[str, int]  # settlement currency -> net that reached the account
    buckets: list[date]
    granularity: str

    @property
    def is_empty(self) -> bool:
        return not self.currencies

    def for_currency(self, currency: str) -> CurrencyReport | None:
        return next((c for c in self.currencies if c.totals.currency == currency), None)
