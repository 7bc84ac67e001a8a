"""How a promotion's codes were used: per code and currency, the uses, what was paid (gross),
the discount given and the comps, read from the ledger's sale and comp rows; plus the uses
checkouts hold right now and those full refunds gave back (``codes.counted`` decides which
uses count)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from ...extensions import db
from ...models import EntryType, LedgerEntry, PromoRedemption, Promotion, RedemptionStatus
from ...models.ledger import SALE_TYPES
from .codes import counted, given_back


@dataclass
class CurrencyLine:
    currency: str
    uses: int = 0
    comps: int = 0
    gross: int = 0
    discount: int = 0


@dataclass
class CodeUsage:
    code_id: int
    code: str
    max_uses: int | None
    redeemed: int = 0  # paid (or comps) and kept
    held: int = 0
    given_back: int = 0  # refunded in full: free to use again
    lines: list[CurrencyLine] = field(default_factory=list)

    @property
    def uses_left(self) -> int | None:
        if self.max_uses is None:
            return None
        return max(0, self.max_uses - self.redeemed - self.held)


@dataclass
class PromotionUsage:
    codes: list[CodeUsage]
    totals: list[CurrencyLine]

    @property
    def redeemed(self) -> int:
        return sum(c.redeemed for c in self.codes)

    @property
    def held(self) -> int:
        return sum(c.held for c in self.codes)

    @property
    def given_back(self) -> int:
        return sum(c.given_back for c in self.codes)


def uses_by_code(promotion: Promotion) -> dict[int, int]:
    """Uses of each of the promotion's codes that count against its limits."""
    rows = db.session.execute(
        sa.select(PromoRedemption.code_id, sa.func.count())
        .where(PromoRedemption.promotion_id == promotion.id, counted())
        .group_by(PromoRedemption.code_id)
    ).all()
    return {code_id: count for code_id, count in rows}


def _how_many(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def usage(promotion: Promotion) -> PromotionUsage:
    """The redemption view of one promotion (codes that were never used included)."""
    paid = PromoRedemption.status == RedemptionStatus.REDEEMED
    states = db.session.execute(
        sa.select(
            PromoRedemption.code_id,
            _how_many(sa.and_(paid, counted())),
            _how_many(sa.and_(PromoRedemption.status == RedemptionStatus.RESERVED, counted())),
            _how_many(sa.and_(PromoRedemption.status != RedemptionStatus.RELEASED, given_back())),
        )
        .where(PromoRedemption.promotion_id == promotion.id)
        .group_by(PromoRedemption.code_id)
    ).all()
    by_code = {
        c.id: CodeUsage(c.id, c.code, c.max_uses if c.max_uses else promotion.max_uses)
        for c in promotion.codes
    }
    for code_id, redeemed, held, back in states:
        usage_row = by_code.get(code_id)
        if usage_row is not None:
            usage_row.redeemed, usage_row.held, usage_row.given_back = (
                int(redeemed),
                int(held),
                int(back),
            )
    names = {c.code: c.id for c in promotion.codes}
    money = db.session.execute(
        sa.select(
            LedgerEntry.promo_code,
            LedgerEntry.currency,
            sa.func.count(),
            sa.func.sum(sa.case((LedgerEntry.entry_type == EntryType.COMP, 1), else_=0)),
            sa.func.coalesce(sa.func.sum(LedgerEntry.gross), 0),
            sa.func.coalesce(sa.func.sum(LedgerEntry.discount), 0),
        )
        .where(
            LedgerEntry.studio_id == promotion.studio_id,
            LedgerEntry.entry_type.in_([*SALE_TYPES, EntryType.COMP]),
            LedgerEntry.promo_code.in_(list(names) or [""]),
        )
        .group_by(LedgerEntry.promo_code, LedgerEntry.currency)
        .order_by(LedgerEntry.promo_code, LedgerEntry.currency)
    ).all()
    totals: dict[str, CurrencyLine] = defaultdict(lambda: CurrencyLine(""))
    for code, currency, uses, comps, gross, discount in money:
        line = CurrencyLine(currency, int(uses), int(comps or 0), int(gross), int(discount))
        by_code[names[code]].lines.append(line)
        total = totals[currency]
        total.currency = currency
        total.uses += line.uses
        total.comps += line.comps
        total.gross += line.gross
        total.discount += line.discount
    return PromotionUsage(codes=list(by_code.values()), totals=[totals[c] for c in sorted(totals)])
