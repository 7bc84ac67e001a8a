"""Platform-wide figures for admins: sales volume and application fees per currency and studio."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ...extensions import db
from ...models import PLATFORM_ENTRY_TYPES, EntryType, Studio
from ...models.ledger import HOLDER_COUNTS_AS
from .filters import LEDGER, ReportFilter, conditions

# A festival's part of a ticket: moved between studios (or paid to the festival by transfer).
FESTIVAL_TYPES = (EntryType.FESTIVAL_SHARE, EntryType.FESTIVAL_INCOME)


@dataclass
class PlatformFigures:
    """One currency, for the whole platform or for one studio. Outflows are positive.

    sales_volume: what buyers paid (tax included); application_fees: the platform's fees less
    refunded fees; platform_disputes: chargebacks debited from the platform's own balance (Connect)
    less what won disputes returned (also counted in disputes, with those studios bear);
    holder_shares: sales charged on the platform transferred to the title's holders and, for a
    festival ticket, to the festival, less reversals;
    platform_net: what the platform keeps after Stripe's fees, those chargebacks and the
    holders' transfers (on a co-produced sale: its platform fee, less Stripe's fee it bears);
    studio_net: what studios earned (their ledger rows' net, holders' transfers included).
    """

    currency: str
    studio_id: int | None = None
    studio_name: str = ""
    sales: int = 0
    sales_volume: int = 0
    refunds: int = 0
    disputes: int = 0
    application_fees: int = 0
    platform_disputes: int = 0
    platform_stripe_fees: int = 0
    platform_net: int = 0
    studio_net: int = 0
    holder_shares: int = 0  # transferred to co-producing holders, less reversals

    def add(
        self, entry_type: EntryType, gross: int, processor_fee: int, net: int, count: int
    ) -> None:
        if entry_type in PLATFORM_ENTRY_TYPES:
            if entry_type == EntryType.APPLICATION_FEE:
                self.application_fees += gross
            elif entry_type == EntryType.SPLIT_SALE:  # a co-produced sale, on the platform
                self.sales += count
                self.sales_volume += gross
            elif entry_type == EntryType.SPLIT_REFUND:
                self.refunds -= gross
            elif entry_type == EntryType.PLATFORM_TRANSFER:
                self.holder_shares -= gross
            else:  # counted with every chargeback, and as the platform's own
                self.platform_disputes -= gross
                self.disputes -= gross
            self.platform_stripe_fees += processor_fee
            self.platform_net += net
            return
        if entry_type in HOLDER_COUNTS_AS or entry_type in FESTIVAL_TYPES:
            # Already in sales, refunds and disputes (the platform's rows of a co-produced
            # sale, or the filmmaker's sale row): a holder's transfers and a festival's part
            # count only as what studios earned.
            self.studio_net += net
            return
        if entry_type == EntryType.SALE:
            self.sales += count
            self.sales_volume += gross
        elif entry_type == EntryType.REFUND:
            self.refunds -= gross
        else:
            self.disputes -= gross
        self.studio_net += net


@dataclass
class PlatformReport:
    currencies: list[PlatformFigures]
    studios: list[PlatformFigures]


def platform_report(f: ReportFilter) -> PlatformReport:
    """Sums per studio, currency and entry type in SQL; per currency rolled up here."""
    c = LEDGER.c
    stmt = (
        sa.select(
            c.studio_id,
            c.currency,
            c.entry_type,
            sa.cast(sa.func.sum(c.gross), sa.BigInteger).label("gross"),
            sa.cast(sa.func.sum(c.processor_fee), sa.BigInteger).label("processor_fee"),
            sa.cast(sa.func.sum(c.net), sa.BigInteger).label("net"),
            sa.func.count().label("rows"),
        )
        .where(*conditions(f.with_(studio_id=None)))
        .group_by(c.studio_id, c.currency, c.entry_type)
    )
    rows = db.session.execute(stmt).all()
    names = dict(
        db.session.execute(
            sa.select(Studio.id, Studio.name).where(
                Studio.id.in_({r.studio_id for r in rows if r.studio_id is not None})
            )
        ).all()
    )
    per_currency: dict[str, PlatformFigures] = {}
    per_studio: dict[tuple[int | None, str], PlatformFigures] = {}
    for row in rows:
        entry_type = EntryType(row.entry_type)
        total = per_currency.setdefault(row.currency, PlatformFigures(row.currency))
        total.add(entry_type, row.gross, row.processor_fee, row.net, row.rows)
        studio = per_studio.setdefault(
            (row.studio_id, row.currency),
            PlatformFigures(row.currency, row.studio_id, names.get(row.studio_id, "")),
        )
        studio.add(entry_type, row.gross, row.processor_fee, row.net, row.rows)
    return PlatformReport(
        sorted(per_currency.values(), key=lambda t: (-t.sales_volume, t.currency)),
        sorted(per_studio.values(), key=lambda t: (t.studio_name, t.currency)),
    )
