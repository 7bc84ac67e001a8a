"""Pay what you want: the viewer names the price, from the floor that applies in their country
(a regional floor: lower where incomes are lower) up; the suggested price is the offer's.
The availability rule gives the floor (``OfferOption.minimum``); the amount typed is what the
order, the processor, the ledger and any split see."""

from __future__ import annotations

from dataclasses import dataclass, replace

import sqlalchemy as sa
from flask_babel import gettext as _

from ... import money
from ...countries import country_name, is_country
from ...extensions import db
from ...i18n import current_locale
from ...models import Offer, OfferTerritory, Title
from .. import ServiceError
from ..catalog.availability import OfferOption, admits, rules_for
from ..catalog.pricing import PriceError, parse_price
from .codes import Quote


class AmountRefused(ServiceError):
    """The amount typed cannot be charged here; the message says why and is safe to show."""


def chosen_amount(text: str | None, option: OfferOption, quote: Quote | None = None) -> int:
    """Minor units the viewer chose to pay for ``option`` (the suggestion when left empty).

    With a code's ``quote`` the suggestion and the floor are the code's: a viewer may pay
    anything from the discounted floor up."""
    if quote is not None:
        option = replace(option, amount=quote.amount, minimum=quote.minimum)
    if option.minimum is None:
        return option.amount
    if text is None or not str(text).strip():
        return option.amount
    try:
        amount = parse_price(text, option.currency)
    except PriceError as exc:
        raise AmountRefused(str(exc)) from exc
    floor = max(option.minimum, money.minimum_charge(option.currency))
    if amount < floor:
        raise AmountRefused(
            _(
                "The least you can pay here is %(minimum)s.",
                minimum=money.format_amount(floor, option.currency, current_locale()),
            )
        )
    return amount


MAX_FLOOR_ROWS = 50  # a form's country rows; those past it are not read


@dataclass
class FloorRow:
    """A country's own suggested price and floor, as typed."""

    kind: str
    country: str
    currency: str
    suggested: str
    floor: str


@dataclass
class PayWhatYouWantPlan:
    enabled: dict[str, bool]  # kind -> on
    floors: dict[str, str]  # kind -> floor in the offer's currency, as typed
    rows: list[FloorRow]


def save_plan(title: Title, plan: PayWhatYouWantPlan) -> dict[str, list[str]]:
    """Apply the plan to the title's offers; returns errors by field (nothing saved then)."""
    found = db.session.scalars(sa.select(Offer).filter_by(title_id=title.id))
    offers = {o.kind.value: o for o in found}
    errors: dict[str, list[str]] = {}
    changes: list[tuple[Offer, bool, int | None]] = []
    for kind, offer in offers.items():
        on = bool(plan.enabled.get(kind))
        floor = None
        if on:
            try:
                floor = parse_price(plan.floors.get(kind), offer.currency)
            except PriceError as exc:
                errors.setdefault(f"{kind}_floor", []).append(str(exc))
            else:
                if floor > offer.amount:
                    errors.setdefault(f"{kind}_floor", []).append(
                        _("The floor must not be above the suggested price.")
                    )
        changes.append((offer, on, floor))
    rows: list[tuple[Offer, str, str, int, int]] = []
    rules = {rule.offer_id: rule for rule in rules_for(title)}
    for n, row in enumerate(plan.rows):
        offer = offers.get(row.kind)
        country = (row.country or "").strip().upper()
        if offer is None or not is_country(country):
            errors.setdefault(f"rows.{n}", []).append(_("Choose an offer and a country."))
            continue
        if not admits(rules[offer.id], country):
            # A price row would open the country: where it is sold is the offers editor's.
            errors.setdefault(f"rows.{n}", []).append(
                _(
                    "%(country)s: this offer is not sold there. Choose where it is sold in the "
                    "offers editor.",
                    country=country_name(country, current_locale()),
                )
            )
            continue
        try:
            suggested = parse_price(row.suggested, row.currency)
            floor = parse_price(row.floor, row.currency)
        except PriceError as exc:
            name = country_name(country, current_locale())
            errors.setdefault(f"rows.{n}", []).append(f"{name}: {exc}")
            continue
        if floor > suggested:
            errors.setdefault(f"rows.{n}", []).append(
                _("The floor must not be above the suggested price.")
            )
            continue
        rows.append((offer, country, row.currency.upper(), suggested, floor))
    if errors:
        return errors
    for offer, on, floor in changes:
        offer.pay_what_you_want = on
        offer.minimum_amount = floor if on else None
    for offer, country, currency, suggested, floor in rows:
        territory = next((t for t in offer.territories if t.country == country), None)
        if territory is None:
            territory = OfferTerritory(country=country)
            offer.territories.append(territory)
        territory.blocked = False
        territory.amount, territory.currency, territory.minimum_amount = suggested, currency, floor
    db.session.flush()
    return {}
