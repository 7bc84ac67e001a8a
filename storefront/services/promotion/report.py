"""How a promotion's codes were used: per code and currency, the uses, what was paid (gross),
the discount given and the comps, read from the ledger's sale and comp rows; plus the uses
checkouts hold right now."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from ...extensions import db
from ...models import EntryType, LedgerEntry, PromoRedemption, Promotion, RedemptionStatus
from ...models.ledger import SALE_TYPES


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
    redeemed: int = 0
    held: int = 0
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


def uses_by_code(promotion: Promotion) -> dict[int, int]:
    """Redeemed and held uses of each of the promotion's codes."""
    rows = db.session.execute(
        sa.select(PromoRedemption.code_id, sa.func.count())
        .where(
            PromoRedemption.promotion_id == promotion.id,
            PromoRedemption.status.in_([RedemptionStatus.RESERVED, RedemptionStatus.REDEEMED]),
        )
        .group_by(PromoRedemption.code_id)
    ).all()
    return {code_id: count for code_id, count in rows}


def usage(promotion: Promotion) -> PromotionUsage:
    """The redemption view of one promotion (codes that were never used included)."""
    states = db.session.execute(
        sa.select(PromoRedemption.code_id, PromoRedemption.status, sa.func.count())
        .where(PromoRedemption.promotion_id == promotion.id)
        .group_by(PromoRedemption.code_id, PromoRedemption.status)
    ).all()
    by_code = {
        c.id: CodeUsage(c.id, c.code, c.max_uses if c.max_uses else promotion.max_uses)
        for c in promotion.codes
    }
    for code_id, status, count in states:
        usage_row = by_code.get(code_id)
        if usage_row is None:
            continue
        if status == RedemptionStatus.REDEEMED:
            usage_row.redeemed = count
        elif status == RedemptionStatus.RESERVED:
            usage_row.held = count
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
