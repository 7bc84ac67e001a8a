"""The one rule: what a viewer in country C at time t can rent or buy of a title, and if
nothing, why.

The catalogue, the title page, checkout and playback all ask `availability_for` (or the batch
form `availability_for_titles`); nothing else decides availability.

Rules, per offer:
- territory: WORLDWIDE and DENY admit every country except rows marked blocked; ALLOW admits
  only countries with a row that is not blocked. A viewer whose country is unknown is admitted
  only by WORLDWIDE offers without blocked rows.
- price: the country's row overrides the offer's amount and currency when it sets them.
- window: half-open [available_from, available_until); the country's row overrides either end.
- the title must be published or unlisted, and the offer active.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ..extensions import db
from ..models import Offer, OfferKind, OfferTerritory, TerritoryMode, Title, TitleStatus
from . import ServiceError

SELLABLE_STATUSES = frozenset({TitleStatus.PUBLISHED, TitleStatus.UNLISTED})


class Reason(enum.StrEnum):
    NOT_FOR_SALE = "not_for_sale"  # no active offer, or the title is not on sale
    NOT_IN_COUNTRY = "not_in_country"  # the rights exclude the viewer's country
    NOT_YET = "not_yet"  # the window in the viewer's country opens later
    ENDED = "ended"  # the window in the viewer's country has closed
    UNKNOWN_COUNTRY = "unknown_country"  # offers exist only for specific countries


@dataclass(frozen=True, slots=True)
class TerritoryRule:
    country: str
    blocked: bool = False
    amount: int | None = None
    currency: str | None = None
    available_from: datetime | None = None
    available_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class OfferRule:
    """An offer as plain data, so the rule can be evaluated (and property-tested) without a DB."""

    offer_id: int
    kind: OfferKind
    mode: TerritoryMode
    amount: int
    currency: str
    available_from: datetime | None = None
    available_until: datetime | None = None
    active: bool = True
    rental_start_days: int | None = None
    rental_watch_hours: int | None = None
    territories: dict[str, TerritoryRule] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OfferOption:
    """Something the viewer can buy now, at exactly this price."""

    offer_id: int
    kind: OfferKind
    amount: int
    currency: str
    available_until: datetime | None
    rental_start_days: int | None = None
    rental_watch_hours: int | None = None


@dataclass(frozen=True, slots=True)
class Availability:
    title_id: int
    country: str | None
    options: tuple[OfferOption, ...] = ()
    reason: Reason | None = None
    opens_at: datetime | None = None  # with NOT_YET: when the earliest window opens
    ended_at: datetime | None = None  # with ENDED: when the latest window closed

    @property
    def is_available(self) -> bool:
        return bool(self.options)

    def option(self, kind: OfferKind | str) -> OfferOption | None:
        return next((o for o in self.options if o.kind == kind), None)

    @property
    def only_kind(self) -> OfferKind | None:
        """RENT or BUY when only that one is offered here (the other exists elsewhere/later)."""
        kinds = {o.kind for o in self.options}
        return next(iter(kinds)) if len(kinds) == 1 else None


class NotAvailable(ServiceError):
    def __init__(self, availability: Availability, kind: OfferKind | str) -> None:
        super().__init__(f"{kind} not available: {availability.reason}")
        self.availability = availability
        self.kind = kind


def _admits(rule: OfferRule, country: str | None) -> bool:
    if country is None:
        return rule.mode == TerritoryMode.WORLDWIDE and not any(
            t.blocked for t in rule.territories.values()
        )
    row = rule.territories.get(country)
    if rule.mode == TerritoryMode.ALLOW:
        return row is not None and not row.blocked
    return row is None or not row.blocked


def evaluate(
    title_id: int, rules: Iterable[OfferRule], country: str | None, at: datetime, sellable: bool
) -> Availability:
    """Apply the rule to plain data. `country` is ISO 3166-1 alpha-2 upper-case, or None."""
    rules = [r for r in rules if r.active] if sellable else []
    if not rules:
        return Availability(title_id, country, reason=Reason.NOT_FOR_SALE)
    options: list[OfferOption] = []
    opens: list[datetime] = []
    ended: list[datetime] = []
    for rule in sorted(rules, key=lambda r: r.kind.value):
        if not _admits(rule, country):
            continue
        row = rule.territories.get(country) if country else None
        start = row.available_from if row and row.available_from else rule.available_from
        until = row.available_until if row and row.available_until else rule.available_until
        if start is not None and at < start:
            opens.append(start)
            continue
        if until is not None and at >= until:
            ended.append(until)
            continue
        priced = row is not None and row.amount is not None and row.currency is not None
        options.append(
            OfferOption(
                offer_id=rule.offer_id,
                kind=rule.kind,
                amount=row.amount if priced else rule.amount,  # type: ignore[union-attr,arg-type]
                currency=row.currency if priced else rule.currency,  # type: ignore[union-attr,arg-type]
                available_until=until,
                rental_start_days=rule.rental_start_days,
                rental_watch_hours=rule.rental_watch_hours,
            )
        )
    if options:
        return Availability(title_id, country, tuple(options))
    if opens:
        return Availability(title_id, country, reason=Reason.NOT_YET, opens_at=min(opens))
    if ended:
        return Availability(title_id, country, reason=Reason.ENDED, ended_at=max(ended))
    if country is None:
        return Availability(title_id, country, reason=Reason.UNKNOWN_COUNTRY)
    return Availability(title_id, country, reason=Reason.NOT_IN_COUNTRY)


def _load_rules(title_ids: Sequence[int]) -> dict[int, list[OfferRule]]:
    """Two queries whatever the number of titles."""
    if not title_ids:
        return {}
    offers = db.session.execute(
        db.select(Offer.__table__).where(Offer.title_id.in_(title_ids))
    ).all()
    territories: dict[int, dict[str, TerritoryRule]] = defaultdict(dict)
    if offers:
        rows = db.session.execute(
            db.select(OfferTerritory.__table__).where(
                OfferTerritory.offer_id.in_([o.id for o in offers])
            )
        ).all()
        for row in rows:
            territories[row.offer_id][row.country] = TerritoryRule(
                row.country,
                row.blocked,
                row.amount,
                row.currency,
                _aware(row.available_from),
                _aware(row.available_until),
            )
    rules: dict[int, list[OfferRule]] = defaultdict(list)
    for o in offers:
        rules[o.title_id].append(
            OfferRule(
                offer_id=o.id,
                kind=OfferKind(o.kind),
                mode=TerritoryMode(o.territory_mode),
                amount=o.amount,
                currency=o.currency,
                available_from=_aware(o.available_from),
                available_until=_aware(o.available_until),
                active=o.active,
                territories=territories.get(o.id, {}),
            )
        )
    return rules


def _aware(value: datetime | None) -> datetime | None:
    # Core (non-ORM) selects bypass the UTC type's result processing on some drivers.
    from datetime import UTC

    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _with_rental_terms(rules: list[OfferRule], title: Title) -> list[OfferRule]:
    from dataclasses import replace

    return [
        replace(
            r,
            rental_start_days=title.rental_start_days,
            rental_watch_hours=title.rental_watch_hours,
        )
        if r.kind == OfferKind.RENT
        else r
        for r in rules
    ]


def availability_for_titles(
    titles: Sequence[Title], country: str | None, at: datetime
) -> dict[int, Availability]:
    """Availability of many titles for one viewer, in a fixed number of queries."""
    rules = _load_rules([t.id for t in titles])
    return {
        t.id: evaluate(
            t.id,
            _with_rental_terms(rules.get(t.id, []), t),
            country,
            at,
            sellable=t.status in SELLABLE_STATUSES,
        )
        for t in titles
    }


def availability_for(title: Title, country: str | None, at: datetime) -> Availability:
    return availability_for_titles([title], country, at)[title.id]


def resolve_offer(
    title: Title, kind: OfferKind | str, country: str | None, at: datetime
) -> OfferOption:
    """The option a checkout may sell, or NotAvailable carrying the reason."""
    availability = availability_for(title, country, at)
    option = availability.option(kind)
    if option is None:
        raise NotAvailable(availability, kind)
    return option
