"""The studio's at-a-glance view of a title's offers: who can rent or buy, where, at what price.

Computed by asking the availability rule for every country (and for an unknown one), never by
re-deriving it, so what the studio sees is what viewers get.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from ...countries import country_codes
from ...models import OfferKind, Title
from .availability import (
    SELLABLE_STATUSES,
    Availability,
    OfferOption,
    Reason,
    availability_by_country,
)


@dataclass
class PriceGroup:
    amount: int
    currency: str
    countries: list[str]


@dataclass
class DateGroup:
    at: datetime
    countries: list[str]


@dataclass
class KindSummary:
    kind: OfferKind
    offered: bool  # an active offer of this kind exists
    prices: list[PriceGroup] = field(default_factory=list)  # available now
    opening: list[DateGroup] = field(default_factory=list)  # later windows
    ended: list[DateGroup] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)  # rights exclude these countries
    unknown_country: OfferOption | None = None  # what a viewer of unknown location gets

    @property
    def available_count(self) -> int:
        return sum(len(g.countries) for g in self.prices)


@dataclass
class OffersSummary:
    at: datetime
    published: bool
    kinds: list[KindSummary]
    blocked: list[str]  # countries where nothing at all is or will be offered


def _kind_summary(
    kind: OfferKind, results: dict[str | None, Availability], offered: bool
) -> KindSummary:
    summary = KindSummary(kind, offered)
    if not offered:
        return summary
    prices: dict[tuple[int, str], list[str]] = defaultdict(list)
    opening: dict[datetime, list[str]] = defaultdict(list)
    ended: dict[datetime, list[str]] = defaultdict(list)
    for country, availability in results.items():
        option = availability.option(kind)
        if country is None:
            summary.unknown_country = option
            continue
        if option is not None:
            prices[(option.amount, option.currency)].append(country)
            continue
        withheld = next((w for w in availability.withheld if w.kind == kind), None)
        if withheld is None or withheld.reason == Reason.NOT_IN_COUNTRY:
            summary.excluded.append(country)
        elif withheld.reason == Reason.NOT_YET and withheld.at:
            opening[withheld.at].append(country)
        elif withheld.reason == Reason.ENDED and withheld.at:
            ended[withheld.at].append(country)
    summary.prices = sorted(
        (PriceGroup(a, c, sorted(cs)) for (a, c), cs in prices.items()),
        key=lambda g: (-len(g.countries), g.currency, g.amount),
    )
    summary.opening = [DateGroup(at, sorted(cs)) for at, cs in sorted(opening.items())]
    summary.ended = [DateGroup(at, sorted(cs)) for at, cs in sorted(ended.items())]
    summary.excluded.sort()
    return summary


def summarize(title: Title, at: datetime) -> OffersSummary:
    """Ask the rule about every country for this title (a draft is previewed as published)."""
    countries: list[str | None] = sorted(country_codes())
    results = availability_by_country(title, [*countries, None], at, as_published=True)
    any_result = next(iter(results.values()))
    kinds_offered = {w.kind for w in any_result.withheld} | {o.kind for o in any_result.options}
    kinds = [_kind_summary(k, results, k in kinds_offered) for k in (OfferKind.RENT, OfferKind.BUY)]
    blocked = sorted(
        c
        for c, a in results.items()
        if c is not None
        and not a.options
        and a.withheld
        and all(w.reason == Reason.NOT_IN_COUNTRY for w in a.withheld)
    )
    return OffersSummary(at, title.status in SELLABLE_STATUSES, kinds, blocked)
