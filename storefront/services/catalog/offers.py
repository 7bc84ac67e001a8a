"""A filmmaker's offers for one title: check every rule first, then write them all at once.

The studio form turns its fields into an `OffersPlan`. `save_offers` checks the whole plan and
raises `OffersInvalid` (errors keyed by field path, e.g. "rent.territories.2.amount") before
anything is written, so a bad row never leaves half a plan saved.

How a plan maps onto the rule's rows (see availability.py):
- worldwide: the offer is WORLDWIDE; each override row becomes a territory row;
- only these countries: ALLOW; every listed country gets a row, overrides add price/dates;
- worldwide except these: DENY; every listed country gets a blocked row, and no override may
  name a listed country (it cannot be both excluded and priced).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _

from ... import money
from ...countries import country_name, is_country
from ...extensions import db
from ...models import Offer, OfferKind, OfferTerritory, TerritoryMode, Title
from .. import ServiceError
from .pricing import PriceError, check_amount, parse_price

RENTAL_START_DAYS = (1, 365)
RENTAL_WATCH_HOURS = (1, 720)


@dataclass
class TerritoryPlan:
    country: str
    price: str | None = None  # as typed; parsed into `amount` by check_plan
    amount: int | None = None
    currency: str | None = None
    available_from: datetime | None = None
    available_until: datetime | None = None
    row: int = 0  # position in the form, for error keys


@dataclass
class OfferPlan:
    kind: OfferKind
    enabled: bool
    price: str | None = None  # as typed; parsed into `amount` by check_plan
    amount: int | None = None
    currency: str | None = None
    mode: TerritoryMode = TerritoryMode.WORLDWIDE
    countries: list[str] = field(default_factory=list)
    available_from: datetime | None = None
    available_until: datetime | None = None
    overrides: list[TerritoryPlan] = field(default_factory=list)


@dataclass
class OffersPlan:
    offers: list[OfferPlan]
    rental_start_days: int
    rental_watch_hours: int


class OffersInvalid(ServiceError):
    """The plan breaks a rule; `errors` maps field paths to messages. Nothing was saved."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(_("Some offers need fixing; nothing was saved."))
        self.errors = errors


def _window_error(start: datetime | None, until: datetime | None) -> str | None:
    if start is not None and until is not None and until <= start:
        return _("The end must be after the start.")
    return None


class _Errors:
    def __init__(self, errors: dict[str, list[str]], prefix: str) -> None:
        self.errors, self.prefix = errors, prefix

    def add(self, path: str, message: str) -> None:
        self.errors.setdefault(f"{self.prefix}.{path}", []).append(message)


def _priced(
    target: OfferPlan | TerritoryPlan, errors: _Errors, prefix: str, required: bool
) -> None:
    """Parse the typed price into `target.amount` and check Stripe can charge it."""
    typed = (target.price or "").strip()
    currency = (target.currency or "").strip().upper() or None
    target.currency = currency
    if not required and not typed and target.amount is None:
        if currency and prefix:  # a currency alone on an override row
            errors.add(f"{prefix}amount", _("Give both a price and its currency, or neither."))
        return
    if currency is None or not money.is_supported(currency):
        errors.add(f"{prefix}currency", _("Choose a currency from the list."))
        return
    try:
        if typed:
            target.amount = parse_price(typed, currency)
        elif target.amount is None:
            raise PriceError(_("Enter a price."))
        else:
            check_amount(target.amount, currency)
    except PriceError as exc:
        target.amount = None
        errors.add(f"{prefix}amount", str(exc))


def _check_offer(plan: OfferPlan, locale: str, all_errors: dict[str, list[str]]) -> None:
    errors = _Errors(all_errors, plan.kind.value)
    _priced(plan, errors, "", required=True)
    if message := _window_error(plan.available_from, plan.available_until):
        errors.add("available_until", message)

    unknown = [c for c in plan.countries if not is_country(c)]
    if unknown:
        errors.add("countries", _("Unknown country code: %(codes)s.", codes=", ".join(unknown)))
    if plan.mode == TerritoryMode.ALLOW and not plan.countries:
        errors.add("countries", _("Choose at least one country, or sell worldwide."))
    listed = set(plan.countries)

    seen: dict[str, int] = {}
    for rule in plan.overrides:
        at = f"territories.{rule.row}."
        rule.country = (rule.country or "").strip().upper()
        if not is_country(rule.country):
            errors.add(f"{at}country", _("Unknown country code: %(codes)s.", codes=rule.country))
            continue
        name = country_name(rule.country, locale)
        if rule.country in seen:
            errors.add(
                f"{at}country",
                _(
                    "%(country)s already has a rule in row %(row)d.",
                    country=name,
                    row=seen[rule.country] + 1,
                ),
            )
            continue
        seen[rule.country] = rule.row
        if plan.mode == TerritoryMode.DENY and rule.country in listed:
            errors.add(
                f"{at}country",
                _(
                    "%(country)s is excluded above, so it cannot have a price or dates.",
                    country=name,
                ),
            )
        if plan.mode == TerritoryMode.ALLOW and rule.country not in listed:
            errors.add(
                f"{at}country",
                _(
                    "%(country)s is not among the chosen countries: add it or clear this row.",
                    country=name,
                ),
            )
        _priced(rule, errors, at, required=False)
        nothing = not (rule.price or "").strip() and rule.amount is None and not rule.currency
        if nothing and rule.available_from is None and rule.available_until is None:
            errors.add(
                f"{at}country",
                _("Set a price or dates for %(country)s, or clear the row.", country=name),
            )
        start = rule.available_from or plan.available_from
        until = rule.available_until or plan.available_until
        if message := _window_error(start, until):
            errors.add(f"{at}available_until", message)


def check_plan(plan: OffersPlan, locale: str = "en") -> dict[str, list[str]]:
    """Every broken rule in the plan, keyed by field path; empty when it can be saved.

    Typed prices are parsed into the plan's `amount` fields on the way.
    """
    errors: dict[str, list[str]] = {}
    kinds = [o.kind for o in plan.offers]
    if len(kinds) != len(set(kinds)):
        errors.setdefault("form", []).append(_("Each kind of offer can appear only once."))
    for offer in plan.offers:
        if offer.enabled:
            _check_offer(offer, locale, errors)
    for name, value, (low, high) in (
        ("rental_start_days", plan.rental_start_days, RENTAL_START_DAYS),
        ("rental_watch_hours", plan.rental_watch_hours, RENTAL_WATCH_HOURS),
    ):
        if value is None or not low <= value <= high:
            errors.setdefault(name, []).append(
                _("Enter a whole number from %(low)d to %(high)d.", low=low, high=high)
            )
    return errors


def _desired_rows(plan: OfferPlan) -> dict[str, dict]:
    rows: dict[str, dict] = {}
    if plan.mode in (TerritoryMode.ALLOW, TerritoryMode.DENY):
        blocked = plan.mode == TerritoryMode.DENY
        for country in plan.countries:
            rows[country] = {"blocked": blocked}
    for rule in plan.overrides:
        rows.setdefault(rule.country, {"blocked": False}).update(
            amount=rule.amount,
            currency=rule.currency,
            available_from=rule.available_from,
            available_until=rule.available_until,
        )
    return rows


def _apply_offer(title: Title, offer: Offer | None, plan: OfferPlan) -> None:
    if not plan.enabled:
        if offer is not None:
            offer.active = False  # kept, so switching it back on restores its rules
        return
    if offer is None:
        offer = Offer(title_id=title.id, kind=plan.kind)
        db.session.add(offer)
    offer.active = True
    offer.amount = plan.amount
    offer.currency = plan.currency
    offer.territory_mode = plan.mode
    offer.available_from = plan.available_from
    offer.available_until = plan.available_until
    wanted = _desired_rows(plan)
    # Update rows in place and delete the rest: deleting and re-adding a country in one flush
    # would trip the (offer, country) unique constraint.
    for row in list(offer.territories):
        if row.country not in wanted:
            offer.territories.remove(row)
    existing = {row.country: row for row in offer.territories}
    for country, values in sorted(wanted.items()):
        row = existing.get(country) or OfferTerritory(country=country)
        row.blocked = values["blocked"]
        row.amount = values.get("amount")
        row.currency = values.get("currency")
        row.available_from = values.get("available_from")
        row.available_until = values.get("available_until")
        if country not in existing:
            offer.territories.append(row)


def offers_of(title: Title) -> dict[OfferKind, Offer]:
    offers = db.session.scalars(db.select(Offer).filter_by(title_id=title.id))
    return {OfferKind(o.kind): o for o in offers}


def save_offers(title: Title, plan: OffersPlan, locale: str = "en") -> None:
    """Check the whole plan, then write it; OffersInvalid means nothing was written."""
    errors = check_plan(plan, locale)
    if errors:
        raise OffersInvalid(errors)
    title.rental_start_days = plan.rental_start_days
    title.rental_watch_hours = plan.rental_watch_hours
    existing = offers_of(title)
    for offer_plan in plan.offers:
        _apply_offer(title, existing.get(offer_plan.kind), offer_plan)
    db.session.flush()
