"""A studio's promotions: creating one (a shared code or a batch of single-use codes),
withdrawing it, and listing its codes.

Errors are collected per field (``PromotionInvalid.errors``: field name -> messages) so the
form can show each next to its field.
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from ...countries import is_country
from ...extensions import db
from ...models import (
    DiscountType,
    OfferKind,
    PromoCode,
    Promotion,
    Studio,
    TerritoryMode,
    Title,
    is_row_id,
    promotion_titles,
    utcnow,
)
from .. import ServiceError
from ..catalog.availability import SELLABLE_STATUSES
from ..catalog.pricing import PriceError, parse_price
from ..reports.export import safe_title
from .codes import CODE_PATTERN, normalise

MAX_BATCH = 1000
MAX_USES = 1_000_000  # uses of a code in all, or per viewer; the columns hold 32-bit numbers
# No 0/O or 1/I/L: codes are read aloud and typed from paper.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class PromotionInvalid(ServiceError):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = errors


@dataclass
class PromotionPlan:
    """What the studio asked for, as typed (the service parses and checks it)."""

    name: str
    discount_type: str
    percent_off: int | None = None
    # currency -> "2.00"; the form's rows as (currency, "2.00") pairs, so that a currency
    # typed twice can be named rather than one of its amounts dropped
    fixed_prices: dict[str, str] | list[tuple[str, str]] = field(default_factory=dict)
    kind: str = ""  # "", "rent" or "buy"
    title_ids: list[int] = field(default_factory=list)  # empty: every title of the studio
    territory_mode: str = TerritoryMode.WORLDWIDE.value
    countries: list[str] = field(default_factory=list)
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    max_uses: int | None = None
    per_viewer_limit: int | None = 1
    code: str = ""  # the shared code; empty with batch_size
    batch_size: int | None = None
    batch_prefix: str = ""


def _add(errors: dict[str, list[str]], name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


def _discount(plan: PromotionPlan, errors: dict[str, list[str]]) -> tuple[DiscountType, dict]:
    try:
        kind = DiscountType(plan.discount_type)
    except ValueError:
        _add(errors, "discount_type", _("Choose a percentage or an amount off."))
        return DiscountType.PERCENT, {}
    if kind == DiscountType.PERCENT:
        if plan.percent_off is None or not 1 <= plan.percent_off <= 100:
            _add(errors, "percent_off", _("Enter a percentage from 1 to 100 (100 is a comp)."))
        return kind, {}
    amounts: dict[str, int] = {}
    rows = plan.fixed_prices
    for currency, text in rows.items() if isinstance(rows, dict) else rows:
        if not (text or "").strip():
            continue
        if currency.upper() in amounts:
            _add(
                errors,
                "fixed_prices",
                _("Enter one amount per currency (%(currency)s twice).", currency=currency.upper()),
            )
            continue
        try:
            # An amount off is never charged: what is, is checked at checkout.
            amounts[currency.upper()] = parse_price(text, currency, minimum=False)
        except PriceError as exc:
            _add(errors, "fixed_prices", f"{currency}: {exc}")
    if not amounts and "fixed_prices" not in errors:
        _add(errors, "fixed_prices", _("Enter the amount off in at least one currency."))
    return kind, amounts


def _titles(studio: Studio, ids: list[int], errors: dict[str, list[str]]) -> list[Title]:
    if not ids:
        return []
    if not all(is_row_id(i) for i in ids):
        _add(errors, "title_ids", _("Choose films of this studio."))
        return []
    titles = list(
        db.session.scalars(sa.select(Title).where(Title.id.in_(ids), Title.studio_id == studio.id))
    )
    if len(titles) != len(set(ids)):
        _add(errors, "title_ids", _("Choose films of this studio."))
    return titles


def _codes(studio: Studio, plan: PromotionPlan, errors: dict[str, list[str]]) -> list[str]:
    if plan.batch_size is not None:  # a batch was chosen (0: its size was left empty)
        if not 1 <= plan.batch_size <= MAX_BATCH:
            _add(errors, "batch_size", _("Make from 1 to %(n)d codes at a time.", n=MAX_BATCH))
            return []
        prefix = normalise(plan.batch_prefix)[:12]
        if prefix and not CODE_PATTERN.match(prefix + "XXXX"):
            _add(errors, "batch_prefix", _("Use letters, digits, - and _ only."))
            return []
        return _unique_codes(studio, prefix, plan.batch_size)
    code = normalise(plan.code)
    if not CODE_PATTERN.match(code):
        _add(
            errors,
            "code",
            _("A code has 3 to 40 letters, digits, - or _, and starts with a letter or digit."),
        )
        return []
    taken = db.session.scalar(
        sa.select(PromoCode.id).where(PromoCode.studio_id == studio.id, PromoCode.code == code)
    )
    if taken is not None:
        _add(errors, "code", _("The studio already has the code %(code)s.", code=code))
    return [code]


def _unique_codes(studio: Studio, prefix: str, count: int) -> list[str]:
    existing = set(
        db.session.scalars(sa.select(PromoCode.code).where(PromoCode.studio_id == studio.id))
    )
    made: list[str] = []
    while len(made) < count:
        body = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        code = f"{prefix}-{body}" if prefix else body
        if code not in existing:
            existing.add(code)
            made.append(code)
    return made


def create_promotion(studio: Studio, plan: PromotionPlan) -> Promotion:
    """Check the plan and add the promotion with its code(s), or PromotionInvalid."""
    errors: dict[str, list[str]] = {}
    name = (plan.name or "").strip()
    if not name or len(name) > 120:
        _add(errors, "name", _("Give the promotion a name of up to 120 characters."))
    discount_type, amounts = _discount(plan, errors)
    kind = None
    if plan.kind:
        try:
            kind = OfferKind(plan.kind)
        except ValueError:
            _add(errors, "kind", _("Choose rent, buy or both."))
    titles = _titles(studio, plan.title_ids, errors)
    try:
        mode = TerritoryMode(plan.territory_mode)
    except ValueError:  # only a tampered form sends another value
        mode = TerritoryMode.WORLDWIDE
        _add(errors, "territory_mode", _("Choose where the code can be used."))
    countries = sorted({c.strip().upper() for c in plan.countries if c.strip()})
    if any(not is_country(c) for c in countries):
        _add(errors, "countries", _("Choose countries from the list."))
    if mode == TerritoryMode.ALLOW and not countries:
        _add(errors, "countries", _("Choose the countries where the code can be used."))
    if plan.valid_from and plan.valid_until and plan.valid_until <= plan.valid_from:
        _add(errors, "valid_until", _("The end must come after the start."))
    elif plan.valid_until and plan.valid_until <= utcnow():
        _add(errors, "valid_until", _("This end has already passed: no one could use the code."))
    for name_, value in (("max_uses", plan.max_uses), ("per_viewer_limit", plan.per_viewer_limit)):
        if value is not None and value < 1:
            _add(errors, name_, _("Enter a number of at least 1, or leave it empty for no limit."))
        elif value is not None and value > MAX_USES:
            _add(
                errors,
                name_,
                _("Enter at most %(max)d, or leave it empty for no limit.", max=MAX_USES),
            )
    codes = _codes(studio, plan, errors)
    if errors:
        raise PromotionInvalid(errors)
    batch = plan.batch_size is not None
    promotion = Promotion(
        studio_id=studio.id,
        name=name,
        discount_type=discount_type,
        percent_off=plan.percent_off if discount_type == DiscountType.PERCENT else None,
        fixed_amounts=amounts,
        kind=kind,
        all_titles=not titles,
        territory_mode=mode,
        countries=countries if mode != TerritoryMode.WORLDWIDE else [],
        valid_from=plan.valid_from,
        valid_until=plan.valid_until,
        max_uses=plan.max_uses,
        per_viewer_limit=plan.per_viewer_limit,
        batch=batch,
        active=True,
    )
    promotion.titles = titles
    promotion.codes = [
        PromoCode(studio_id=studio.id, code=code, max_uses=1 if batch else None) for code in codes
    ]
    db.session.add(promotion)
    db.session.flush()
    return promotion


def withdraw(promotion: Promotion) -> None:
    """No new checkout may use the promotion's codes (paid and held uses stay)."""
    promotion.active = False
    db.session.flush()


def reinstate(promotion: Promotion) -> None:
    """A withdrawn promotion's codes work again: its code stays taken in the studio and may
    already be in viewers' hands, so withdrawing must not be final."""
    promotion.active = True
    db.session.flush()


def films_covered(promotion: Promotion) -> list[Title]:
    """The films on the store a viewer can use this promotion's codes on, by name."""
    query = sa.select(Title).where(
        Title.studio_id == promotion.studio_id, Title.status.in_(SELLABLE_STATUSES)
    )
    if not promotion.all_titles:
        query = query.where(
            Title.id.in_(
                sa.select(promotion_titles.c.title_id).where(
                    promotion_titles.c.promotion_id == promotion.id
                )
            )
        )
    return list(db.session.scalars(query.order_by(Title.name)))


def promotions_of(studio: Studio) -> list[Promotion]:
    return list(
        db.session.scalars(
            sa.select(Promotion)
            .where(Promotion.studio_id == studio.id)
            .order_by(Promotion.created_at.desc(), Promotion.id.desc())
        )
    )


def codes_csv(promotion: Promotion, uses: dict[int, int]) -> str:
    """The promotion's codes for a mail merge or a printer: code, uses, uses left (the name,
    typed by the studio, is written so that a spreadsheet never runs it as a formula)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "promotion", "used", "uses_left"])
    for code in promotion.codes:
        used = uses.get(code.id, 0)
        left = "" if code.max_uses is None else max(0, code.max_uses - used)
        writer.writerow([code.code, safe_title(promotion.name), used, left])
    return out.getvalue()
