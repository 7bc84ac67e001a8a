"""Promo and comp codes at checkout: is this code good for this viewer, title, kind, country
and moment, and what does the viewer pay with it.

A code lowers the amount actually charged: the order, the processor's checkout, the ledger
and any split between rights holders all see the discounted amount. A 100 % code is a comp:
nothing is charged and no processor is involved.

Checking here takes no lock; `redemptions.reserve` re-checks the use limits under the
promotion's row lock when the checkout is created, so two viewers racing for the last use
cannot both get it.

The limits count the viewers who kept the discount (``counted``): an order refunded in full
(a comp given back is one) gives its use back, to its viewer or anyone; a partial refund
keeps it.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ... import money
from ...extensions import db
from ...i18n import current_locale
from ...models import (
    DiscountType,
    OfferKind,
    Order,
    OrderStatus,
    PromoCode,
    PromoRedemption,
    Promotion,
    RedemptionStatus,
    TerritoryMode,
    Title,
    User,
    promotion_titles,
)
from .. import ServiceError
from ..catalog.availability import ADMITS_UNLISTED, OfferOption
from ..payments.fees import round_half_up

CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]{2,39}$")
HOLDING = (RedemptionStatus.RESERVED, RedemptionStatus.REDEEMED)


class CodeProblem(enum.StrEnum):
    UNKNOWN = "unknown"
    REVOKED = "revoked"
    NOT_YET = "not_yet"
    EXPIRED = "expired"
    WRONG_TITLE = "wrong_title"
    WRONG_KIND = "wrong_kind"
    WRONG_TERRITORY = "wrong_territory"
    USED_UP = "used_up"
    ALREADY_USED = "already_used"
    WRONG_CURRENCY = "wrong_currency"
    BELOW_MINIMUM = "below_minimum"


MESSAGES = {
    CodeProblem.UNKNOWN: _l("There is no code “%(code)s” for this film. Check its spelling."),
    CodeProblem.REVOKED: _l("The code “%(code)s” has been withdrawn by the studio."),
    CodeProblem.NOT_YET: _l("The code “%(code)s” can be used from %(when)s."),
    CodeProblem.EXPIRED: _l("The code “%(code)s” expired on %(when)s."),
    CodeProblem.WRONG_TITLE: _l("The code “%(code)s” is not valid for this film."),
    CodeProblem.WRONG_KIND: _l("The code “%(code)s” is only valid to %(kind)s this film."),
    CodeProblem.WRONG_TERRITORY: _l(
        "The code “%(code)s” cannot be used in the country you are in."
    ),
    CodeProblem.USED_UP: _l("The code “%(code)s” has been used as many times as it allows."),
    CodeProblem.ALREADY_USED: _l("You have already used the code “%(code)s”."),
    CodeProblem.WRONG_CURRENCY: _l("The code “%(code)s” does not apply to prices in %(currency)s."),
    CodeProblem.BELOW_MINIMUM: _l(
        "With the code “%(code)s” the price would be %(amount)s, less than the smallest "
        "payment we can take (%(minimum)s)."
    ),
}
KIND_WORDS = {OfferKind.RENT: _l("rent"), OfferKind.BUY: _l("buy")}


class CodeRefused(ServiceError):
    """A code cannot be used here and now; the message says why and is safe to show."""

    def __init__(self, problem: CodeProblem, code: str, **params: object) -> None:
        self.problem = problem
        self.code = code
        self.message = str(MESSAGES[problem]) % {"code": code, **params}
        super().__init__(self.message)


@dataclass(frozen=True, slots=True)
class Quote:
    """What a viewer pays for one option with one code."""

    code: PromoCode
    kind: OfferKind
    list_amount: int
    discount: int
    amount: int
    currency: str
    # Pay what you want: the floor with the code (``amount`` is then the suggestion with it).
    minimum: int | None = None

    @property
    def is_comp(self) -> bool:
        return self.amount == 0

    def discount_at(self, paid: int) -> int:
        """What the code took off when ``paid`` is charged: its discount, or less when a
        pay-what-you-want viewer chose to pay more than the discounted suggestion."""
        return min(self.discount, max(0, self.list_amount - paid))


def normalise(text: str | None) -> str:
    """What a viewer typed, as codes are stored: no spaces, upper-case."""
    return re.sub(r"\s+", "", text or "").upper()[:40]


def find_code(studio_id: int, text: str) -> PromoCode | None:
    return db.session.scalar(
        sa.select(PromoCode).where(PromoCode.studio_id == studio_id, PromoCode.code == text)
    )


def admits_country(promotion: Promotion, country: str | None) -> bool:
    """The offers' territory rule applied to a promotion's own list of countries."""
    return territory_admits(promotion.territory_mode, promotion.countries, country)


def territory_admits(
    mode: TerritoryMode | str, listed: list[str] | None, country: str | None
) -> bool:
    """A territory choice made with the offers' picker (worldwide, only these, all but these)
    read with the availability rule's table; promotions and screeners use it."""
    countries = set(listed or [])
    mode = TerritoryMode(mode)
    if mode == TerritoryMode.WORLDWIDE:
        return True
    if country is None:
        return ADMITS_UNLISTED[mode] and not countries
    if country in countries:
        return mode == TerritoryMode.ALLOW
    return ADMITS_UNLISTED[mode]


def covers_title(promotion: Promotion, title_id: int) -> bool:
    if promotion.all_titles:
        return True
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(promotion_titles)
            .where(
                promotion_titles.c.promotion_id == promotion.id,
                promotion_titles.c.title_id == title_id,
            )
        )
        or 0
    ) > 0


def given_back() -> sa.ColumnElement[bool]:
    """A use whose order was refunded in full: its viewer kept nothing, so neither the code
    nor the viewer has spent it. (A partial refund leaves the order partially refunded.) A
    payment held for checking (flagged) keeps its status when it is given back: its
    refunded amount says so."""
    return sa.exists().where(
        Order.id == PromoRedemption.order_id,
        sa.or_(
            Order.status == OrderStatus.REFUNDED,
            sa.and_(Order.status == OrderStatus.FLAGGED, Order.amount_refunded >= Order.amount),
        ),
    )


def counted() -> sa.ColumnElement[bool]:
    """The uses that count against every limit: held by a checkout in progress, or paid and
    not given back by a full refund."""
    return sa.and_(PromoRedemption.status.in_(HOLDING), ~given_back())


def holding(*conditions: sa.ColumnElement[bool]) -> int:
    """Uses taken (``counted``) matching ``conditions``."""
    return (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(PromoRedemption).where(counted(), *conditions)
        )
        or 0
    )


def check_limits(code: PromoCode, user: User) -> None:
    """CodeRefused when the code, its promotion or this viewer has no use left.

    The viewer's own held uses do not count: starting a checkout again (after leaving the
    processor's page) replaces the one they held (see ``redemptions.reserve``).
    """
    promotion = code.promotion
    others = sa.or_(
        PromoRedemption.user_id != user.id,
        PromoRedemption.status == RedemptionStatus.REDEEMED,
    )
    if (
        code.max_uses is not None
        and holding(PromoRedemption.code_id == code.id, others) >= code.max_uses
    ):
        raise CodeRefused(CodeProblem.USED_UP, code.code)
    if (
        promotion.max_uses is not None
        and holding(PromoRedemption.promotion_id == promotion.id, others) >= promotion.max_uses
    ):
        raise CodeRefused(CodeProblem.USED_UP, code.code)
    if promotion.per_viewer_limit is not None and (
        holding(
            PromoRedemption.promotion_id == promotion.id,
            PromoRedemption.user_id == user.id,
            PromoRedemption.status == RedemptionStatus.REDEEMED,
        )
        >= promotion.per_viewer_limit
    ):
        raise CodeRefused(CodeProblem.ALREADY_USED, code.code)


def _when(at: datetime) -> str:
    from flask_babel import format_datetime

    return format_datetime(at, "medium")


def check_code(
    text: str, title: Title, kind: OfferKind, country: str | None, at: datetime, user: User
) -> PromoCode:
    """The code if this viewer may use it on this title, kind and country at ``at``."""
    typed = normalise(text)
    code = find_code(title.studio_id, typed) if typed else None
    if code is None:
        raise CodeRefused(CodeProblem.UNKNOWN, typed or (text or "").strip())
    promotion = code.promotion
    if not promotion.active:
        raise CodeRefused(CodeProblem.REVOKED, code.code)
    if promotion.valid_from is not None and at < promotion.valid_from:
        raise CodeRefused(CodeProblem.NOT_YET, code.code, when=_when(promotion.valid_from))
    if promotion.valid_until is not None and at >= promotion.valid_until:
        raise CodeRefused(CodeProblem.EXPIRED, code.code, when=_when(promotion.valid_until))
    if not covers_title(promotion, title.id):
        raise CodeRefused(CodeProblem.WRONG_TITLE, code.code)
    if promotion.kind is not None and promotion.kind != kind:
        raise CodeRefused(CodeProblem.WRONG_KIND, code.code, kind=KIND_WORDS[promotion.kind])
    if not admits_country(promotion, country):
        raise CodeRefused(CodeProblem.WRONG_TERRITORY, code.code)
    check_limits(code, user)
    return code


def discount_for(promotion: Promotion, amount: int, currency: str) -> int | None:
    """Minor units off ``amount``; None when a fixed discount has no amount in ``currency``."""
    if promotion.discount_type == DiscountType.PERCENT:
        off = round_half_up(Decimal(amount) * (promotion.percent_off or 0) / 100)
    else:
        fixed = (promotion.fixed_amounts or {}).get(currency.upper())
        if fixed is None:
            return None
        off = int(fixed)
    off = max(0, min(amount, off))
    # What is charged must be a chargeable step of the currency: round the price down.
    remainder = (amount - off) % money.step(currency)
    return off + remainder


def quote(code: PromoCode, option: OfferOption) -> Quote:
    """The price of ``option`` with ``code`` (already checked), or CodeRefused."""
    currency = option.currency.upper()
    off = discount_for(code.promotion, option.amount, currency)
    if off is None:
        raise CodeRefused(CodeProblem.WRONG_CURRENCY, code.code, currency=currency)
    amount = option.amount - off
    minimum = money.minimum_charge(currency)
    if 0 < amount < minimum:
        locale = current_locale()
        raise CodeRefused(
            CodeProblem.BELOW_MINIMUM,
            code.code,
            amount=money.format_amount(amount, currency, locale),
            minimum=money.format_amount(minimum, currency, locale),
        )
    floor = None
    if option.minimum is not None:  # the code lowers the floor as it lowers the suggestion
        floor = option.minimum - (discount_for(code.promotion, option.minimum, currency) or 0)
    return Quote(code, option.kind, option.amount, off, amount, currency, floor)


def price_with_code(
    text: str, title: Title, option: OfferOption, country: str | None, at: datetime, user: User
) -> Quote:
    """Check ``text`` for this viewer and price ``option`` with it."""
    code = check_code(text, title, option.kind, country, at, user)
    return quote(code, option)
