"""Ledger rows made by hand, following the conventions in storefront/models/ledger.py."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from storefront.extensions import db
from storefront.models import EntryType, LedgerEntry, OfferKind, Studio, Title, utcnow

_ids = itertools.count(1)


class Ledger:
    """Writes rows as fulfilment does: net = gross - tax - fees, signed for the studio."""

    def __init__(self, title: Title) -> None:
        self.title = title
        self.at = utcnow() - timedelta(hours=1)

    def entry(
        self,
        entry_type: EntryType,
        gross: int,
        *,
        title: Title | None = None,
        currency: str = "EUR",
        kind: OfferKind = OfferKind.RENT,
        country: str | None = "NO",
        tax: int = 0,
        processor_fee: int = 0,
        platform_fee: int = 0,
        at: datetime | None = None,
        settlement_currency: str | None = None,
        settlement_net: int | None = None,
        charge_id: str | None = None,
        **extra: object,
    ) -> LedgerEntry:
        title = title or self.title
        n = next(_ids)
        net = gross - tax - processor_fee - platform_fee
        entry = LedgerEntry(
            occurred_at=at or self.at,
            entry_type=entry_type,
            title_id=title.id,
            studio_id=title.studio_id,
            title_name=title.name,
            kind=kind,
            country=country,
            currency=currency,
            gross=gross,
            tax=tax,
            processor_fee=processor_fee,
            platform_fee=platform_fee,
            net=net,
            settlement_currency=settlement_currency or currency,
            settlement_net=net if settlement_net is None else settlement_net,
            provider="offline",
            charge_id=charge_id or f"ch_test_{n}",
            balance_transaction_id=f"txn_test_{n}",
            source_event_id=f"evt_test_{n}",
            **extra,
        )
        db.session.add(entry)
        db.session.commit()
        return entry

    def sale(self, gross: int, **kw: object) -> LedgerEntry:
        return self.entry(EntryType.SALE, gross, **kw)  # type: ignore[arg-type]

    def refund(self, amount: int, **kw: object) -> LedgerEntry:
        kw.setdefault("refund_id", f"re_test_{next(_ids)}")
        return self.entry(EntryType.REFUND, -amount, **kw)  # type: ignore[arg-type]

    def dispute(self, amount: int, **kw: object) -> LedgerEntry:
        kw.setdefault("dispute_id", f"dp_test_{next(_ids)}")
        return self.entry(EntryType.DISPUTE, -amount, **kw)  # type: ignore[arg-type]

    def dispute_won(self, amount: int, **kw: object) -> LedgerEntry:
        return self.entry(EntryType.DISPUTE_WON, amount, **kw)  # type: ignore[arg-type]

    def application_fee(self, amount: int, **kw: object) -> LedgerEntry:
        return self.entry(EntryType.APPLICATION_FEE, amount, **kw)  # type: ignore[arg-type]


@pytest.fixture
def make_ledger(make_title: Callable[..., Title]) -> Callable[..., Ledger]:
    def make(title: Title | None = None, studio: Studio | None = None) -> Ledger:
        return Ledger(title or make_title(studio=studio))

    return make


@pytest.fixture
def ledger(make_ledger: Callable[..., Ledger], studio: Studio) -> Ledger:
    """A ledger for a title of the `filmmaker`'s studio."""
    return make_ledger(studio=studio)
