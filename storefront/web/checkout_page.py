"""The checkout page: the options the viewer can buy here and now (or pre-order), each
priced with the code the viewer typed, and why a code cannot be used."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from flask import render_template
from flask_login import current_user

from ..i18n import current_locale
from ..models import Title
from ..services.catalog.availability import Availability, OfferOption, availability_for
from ..services.catalog.title_texts import shown_text
from ..services.payments.checkout import access_covering
from ..services.promotion.codes import CodeRefused, Quote, price_with_code
from ..services.promotion.preorders import preorder_availability
from ..services.watching.access import best_entitlement
from .availability_text import availability_sentences
from .links import title_url, watch_url


@dataclass(frozen=True)
class PricedOption:
    option: OfferOption
    quote: Quote | None
    refusal: str | None  # why the code does not apply to this option


def priced_options(
    title: Title, availability: Availability, code: str, country: str | None, at: datetime
) -> list[PricedOption]:
    """Each option with the code's price (or why the code does not apply to it)."""
    priced = []
    for option in availability.options:
        quote, refusal = None, None
        if code:
            try:
                quote = price_with_code(code, title, option, country, at, current_user)
            except CodeRefused as exc:
                refusal = exc.message
        priced.append(PricedOption(option, quote, refusal))
    return priced


def choose_page(
    title: Title,
    country: str | None,
    at: datetime,
    code: str,
    *,
    refusal: str | None = None,
    amount_refusal: str | None = None,
    amount_typed: str | None = None,
) -> str:
    preorder = preorder_availability(title, country, at)
    availability = preorder or availability_for(title, country, at)
    # What the viewer already has is not offered again: the checkout would refuse it (a
    # renter is offered the purchase to keep the film, an owner nothing).
    wanted = tuple(
        o
        for o in availability.options
        if access_covering(current_user.id, title.id, o.kind, at) is None
    )
    options = priced_options(title, replace(availability, options=wanted), code, country, at)
    refusals = {o.refusal for o in options if o.refusal}
    if refusal is None and code and refusals and all(o.refusal for o in options):
        refusal = next(iter(refusals)) if len(refusals) == 1 else options[0].refusal
    access = best_entitlement(current_user.id, title.id, at)
    return render_template(
        "checkout/choose.html",
        title=title,
        shown=shown_text(title, current_locale()),
        availability=availability,
        options=options,
        code=code,
        code_refusal=refusal,
        amount_refusal=amount_refusal,
        amount_typed=amount_typed,
        release_at=title.release_at if preorder is not None else None,
        # The title page's sentences: why a kind is missing, or nothing is offered here.
        message=" ".join(availability_sentences(availability)) or None,
        watch_href=watch_url(title.slug) if access else None,
        title_href=title_url(title.slug),
    )
