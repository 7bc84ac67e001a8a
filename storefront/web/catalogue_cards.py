"""The parts of catalogue cards that many cards share, each worked out once per page.

A page of 48 cards has a handful of distinct price lists (most films cost the same few
amounts) and of reasons a film is not offered. Rendering the prices or reason macro for
every card, with its gettext look-ups and Babel formatting, and building each card's link
with ``url_for``, was most of the time a signed-in catalogue page took to render. Here each
distinct value is rendered once, with the same macros, and handed to the template per card.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from flask import current_app, get_template_attribute, url_for
from markupsafe import Markup

from ..services.catalog.availability import Availability
from ..services.catalog.catalogue import Card

_MACROS = "store/_availability_reason.html"


def title_links(slugs: Iterable[str]) -> dict[str, str]:
    """Each slug's title page link, exactly as ``url_for("store.title", slug=...)`` builds it:
    the route is built once and each slug quoted by the route's own converter."""
    slugs = list(slugs)
    if not slugs:
        return {}
    probe = "slug"
    built = url_for("store.title", slug=probe)
    if not built.endswith("/" + probe):  # an unexpected URL shape: build every link
        return {s: url_for("store.title", slug=s) for s in slugs}
    prefix = built[: -len(probe)]
    url_map = current_app.url_map
    converter = url_map.converters["default"](url_map)
    return {s: prefix + converter.to_url(s) for s in slugs}


def offer_fragments(
    cards: Sequence[Card], price_text: dict[tuple[int, str], str], country: str | None
) -> dict[int, Markup]:
    """Per card: its prices list when it is on offer, else the reason it is not."""
    prices = get_template_attribute(_MACROS, "prices")
    reason_text = get_template_attribute(_MACROS, "reason_text")
    rendered: dict[object, Markup] = {}
    by_card: dict[int, Markup] = {}
    for card in cards:
        availability = card.availability
        key = _fragment_key(availability)
        html = rendered.get(key)
        if html is None:
            if availability.is_available:
                html = prices(availability, price_text)
            else:
                html = reason_text(availability, country)
            rendered[key] = html
        by_card[card.id] = html
    return by_card


def _fragment_key(availability: Availability) -> object:
    """What the macro's output depends on: the options' kind and price (not which offer),
    or for a film not on offer everything but the title."""
    if availability.is_available:
        return tuple((o.kind, o.amount, o.currency) for o in availability.options)
    return replace(availability, title_id=0)
