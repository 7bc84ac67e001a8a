"""Pay what you want: the viewer names the price, from the floor that applies in their country
(a regional floor: lower where incomes are lower) up; the suggested price is the offer's.
The availability rule gives the floor (``OfferOption.minimum``); the amount typed is what the
order, the processor, the ledger and any split see."""

from __future__ import annotations

from flask_babel import gettext as _

from ... import money
from ...i18n import current_locale
from .. import ServiceError
from ..catalog.availability import OfferOption
from ..catalog.pricing import PriceError, parse_price


class AmountRefused(ServiceError):
    """The amount typed cannot be charged here; the message says why and is safe to show."""


def chosen_amount(text: str | None, option: OfferOption) -> int:
    """Minor units the viewer chose to pay for ``option`` (the suggestion when left empty)."""
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
