"""Availability in plain words for viewers: the sentences title and catalogue pages show.

Never a bare error: when nothing is offered the viewer reads the detected country and why
("Not available in Norway", "Available in Norway from 1 March 2027"...), in their language.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import format_date
from flask_babel import gettext as _

from ..countries import country_in_sentence
from ..i18n import current_locale
from ..models import OfferKind
from ..services.catalog.availability import Availability, Reason


def _place(code: str | None) -> str:
    """A country as the sentences below name it, after "in" ("in the Netherlands")."""
    return country_in_sentence(code, current_locale()) if code else ""


def availability_sentences(availability: Availability) -> list[str]:
    """What applies to this viewer, as short sentences (empty when all is on offer)."""
    a, country = availability, _place(availability.country)
    sentences: list[str] = []
    if a.is_available:
        if a.country is None:
            sentences.append(
                _("We could not tell which country you are in, so only worldwide offers apply.")
            )
        for w in a.withheld:
            if w.reason == Reason.NOT_YET and w.at:
                sentences.append(_opens(w.kind, country, format_date(w.at, "long")))
        offered = {o.kind for o in a.options}
        if a.withheld and len(offered) == 1:
            sentences.insert(0, _only_kind(next(iter(offered)), country))
        return sentences
    # A viewer the store cannot place still meets worldwide windows: say when, not where.
    if a.reason == Reason.NOT_YET and a.opens_at:
        when = format_date(a.opens_at, "long")
        return [
            _("Available in %(country)s from %(date)s.", country=country, date=when)
            if country
            else _("Available from %(date)s.", date=when)
        ]
    if a.reason == Reason.ENDED and a.ended_at:
        when = format_date(a.ended_at, "long")
        return [
            _("No longer available in %(country)s since %(date)s.", country=country, date=when)
            if country
            else _("No longer available since %(date)s.", date=when)
        ]
    if a.reason == Reason.NOT_IN_COUNTRY:
        return [_("Not available in %(country)s.", country=country)]
    if a.reason == Reason.UNKNOWN_COUNTRY or a.country is None:
        return [
            _(
                "We could not tell which country you are in, so only worldwide offers apply, "
                "and this film is offered only in some countries."
            )
        ]
    return [_("Not for sale at the moment.")]


def _opens(kind: OfferKind, country: str, when: str) -> str:
    if kind == OfferKind.RENT:
        return (
            _("Renting opens in %(country)s on %(date)s.", country=country, date=when)
            if country
            else _("Renting opens on %(date)s.", date=when)
        )
    return (
        _("Buying opens in %(country)s on %(date)s.", country=country, date=when)
        if country
        else _("Buying opens on %(date)s.", date=when)
    )


def _only_kind(offered: OfferKind, country: str) -> str:
    if offered == OfferKind.RENT:
        return (
            _("Only for rent in %(country)s.", country=country)
            if country
            else _("Only for rent where you are.")
        )
    return (
        _("Only for sale in %(country)s.", country=country)
        if country
        else _("Only for sale where you are.")
    )


def why_not_offered(availability: Availability, kind: OfferKind | str | None = None) -> str:
    """Why ``kind`` (or anything at all) cannot be bought here now, in the title page's words."""
    offered = {o.kind for o in availability.options}
    if offered:
        if kind is None or kind in offered:
            return ""
        return _only_kind(next(iter(offered)), _place(availability.country))
    return " ".join(availability_sentences(availability))


def init_app(app: Flask) -> None:
    app.jinja_env.globals["availability_sentences"] = availability_sentences
