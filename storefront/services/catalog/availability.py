"""The one rule: what a viewer in country C at time t can rent or buy of a title, and if
nothing, why.

The catalogue, the title page, checkout and playback all ask `availability_for` (or the batch
form `availability_for_titles`); nothing else decides availability.

Rules, per offer:
- territory: WORLDWIDE and DENY admit every country except rows marked blocked; ALLOW admits
  only countries with a row that is not blocked. A viewer whose country is unknown is admitted
  only by offers that exclude no country (WORLDWIDE or DENY without blocked rows).
- price: the country's row overrides the offer's amount and currency when it sets them.
- pay what you want: the price is the suggested amount and the viewer may pay any amount from
  the floor up; the floor is the country's own when its row sets a price (no floor of its
  own: the row's price is fixed there), else the offer's.
- window: half-open [available_from, available_until); the country's row overrides either end.
- the title must be published or unlisted, and the offer active.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa

from ...extensions import db
from ...models import Offer, OfferKind, OfferTerritory, TerritoryMode, Title, TitleStatus
from .. import ServiceError

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
    minimum_amount: int | None = None  # pay what you want: this country's floor


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
    pay_what_you_want: bool = False
    minimum_amount: int | None = None  # pay what you want: the floor where no row sets one


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
    # Pay what you want: the least the viewer may pay here (``amount`` is the suggestion);
    # None for a fixed price.
    minimum: int | None = None


@dataclass(frozen=True, slots=True)
class Withheld:
    """An active offer this viewer cannot take now, and why (for "Only for rent here")."""

    kind: OfferKind
    reason: Reason
    at: datetime | None = None  # NOT_YET: when it opens; ENDED: when it closed


@dataclass(frozen=True, slots=True)
class Availability:
    title_id: int
    country: str | None
    options: tuple[OfferOption, ...] = ()
    reason: Reason | None = None
    opens_at: datetime | None = None  # with NOT_YET: when the earliest window opens
    ended_at: datetime | None = None  # with ENDED: when the latest window closed
    withheld: tuple[Withheld, ...] = ()  # active offers of a kind not offered here and now

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


# What each territory mode says about a country that has no row of its own. A row always
# decides for its own country (blocked or not); the SQL prefilter below reads this same table.
ADMITS_UNLISTED: dict[TerritoryMode, bool] = {
    TerritoryMode.WORLDWIDE: True,
    TerritoryMode.DENY: True,
    TerritoryMode.ALLOW: False,
}


def _admits(rule: OfferRule, country: str | None) -> bool:
    if country is None:  # unknown country: only offers that exclude nobody
        return ADMITS_UNLISTED[rule.mode] and not any(t.blocked for t in rule.territories.values())
    row = rule.territories.get(country)
    return not row.blocked if row is not None else ADMITS_UNLISTED[rule.mode]


def admits(rule: OfferRule, country: str | None) -> bool:
    """Whether an offer's territories admit ``country``, whatever the time (festival tickets
    keep playing only where their screening was sold)."""
    return _admits(rule, country)


def offer_admits_clause(country: str | None) -> sa.ColumnElement[bool]:
    """The territory part of the rule as SQL over `Offer` rows: true exactly when `_admits`
    is. Lets the catalogue narrow "available to me" before the rule decides (windows, prices).
    """
    open_modes = [mode for mode, admits in ADMITS_UNLISTED.items() if admits]
    in_open_mode = Offer.territory_mode.in_(open_modes)
    if country is None:
        any_blocked = sa.exists().where(OfferTerritory.offer_id == Offer.id, OfferTerritory.blocked)
        return sa.and_(in_open_mode, ~any_blocked)
    own_row = sa.select(OfferTerritory.id).where(
        OfferTerritory.offer_id == Offer.id, OfferTerritory.country == country
    )
    return sa.or_(
        sa.exists(own_row.where(~OfferTerritory.blocked)),
        sa.and_(in_open_mode, ~sa.exists(own_row)),
    )


def has_admitting_offer(country: str | None) -> sa.ColumnElement[bool]:
    """SQL over `Title`: the title has an active offer whose territories admit `country`."""
    return sa.exists().where(
        Offer.title_id == Title.id, Offer.active.is_(True), offer_admits_clause(country)
    )


def evaluate(
    title_id: int, rules: Iterable[OfferRule], country: str | None, at: datetime, sellable: bool
) -> Availability:
    """Apply the rule to plain data. `country` is ISO 3166-1 alpha-2 upper-case, or None."""
    rules = [r for r in rules if r.active] if sellable else []
    if not rules:
        return Availability(title_id, country, reason=Reason.NOT_FOR_SALE)
    options: list[OfferOption] = []
    withheld: list[Withheld] = []
    for rule in sorted(rules, key=lambda r: r.kind.value):
        if not _admits(rule, country):
            outside = Reason.UNKNOWN_COUNTRY if country is None else Reason.NOT_IN_COUNTRY
            withheld.append(Withheld(rule.kind, outside))
            continue
        row = rule.territories.get(country) if country else None
        start = row.available_from if row and row.available_from else rule.available_from
        until = row.available_until if row and row.available_until else rule.available_until
        if start is not None and at < start:
            withheld.append(Withheld(rule.kind, Reason.NOT_YET, start))
            continue
        if until is not None and at >= until:
            withheld.append(Withheld(rule.kind, Reason.ENDED, until))
            continue
        priced = row is not None and row.amount is not None and row.currency is not None
        minimum = None
        if rule.pay_what_you_want:
            minimum = row.minimum_amount if priced else rule.minimum_amount  # type: ignore[union-attr]
        options.append(
            OfferOption(
                offer_id=rule.offer_id,
                kind=rule.kind,
                amount=row.amount if priced else rule.amount,  # type: ignore[union-attr,arg-type]
                currency=row.currency if priced else rule.currency,  # type: ignore[union-attr,arg-type]
                available_until=until,
                rental_start_days=rule.rental_start_days,
                rental_watch_hours=rule.rental_watch_hours,
                minimum=minimum,
            )
        )
    offered = {o.kind for o in options}
    # Two offers of one kind cannot exist (unique per title), but plain data may hold them.
    withheld = [w for w in withheld if w.kind not in offered]
    if options:
        return Availability(title_id, country, tuple(options), withheld=tuple(withheld))
    opens = [w.at for w in withheld if w.reason == Reason.NOT_YET and w.at]
    ended = [w.at for w in withheld if w.reason == Reason.ENDED and w.at]
    if opens:
        return Availability(
            title_id, country, reason=Reason.NOT_YET, opens_at=min(opens), withheld=tuple(withheld)
        )
    if ended:
        return Availability(
            title_id, country, reason=Reason.ENDED, ended_at=max(ended), withheld=tuple(withheld)
        )
    reason = Reason.UNKNOWN_COUNTRY if country is None else Reason.NOT_IN_COUNTRY
    return Availability(title_id, country, reason=reason, withheld=tuple(withheld))


_OFFERS = Offer.__table__
_TERRITORIES = OfferTerritory.__table__
_COLUMNS = (
    _OFFERS.c.id,
    _OFFERS.c.title_id,
    _OFFERS.c.kind,
    _OFFERS.c.territory_mode,
    _OFFERS.c.amount,
    _OFFERS.c.currency,
    _OFFERS.c.available_from,
    _OFFERS.c.available_until,
    _OFFERS.c.active,
    _TERRITORIES.c.country,
    _TERRITORIES.c.blocked,
    _TERRITORIES.c.amount,
    _TERRITORIES.c.currency,
    _TERRITORIES.c.available_from,
    _TERRITORIES.c.available_until,
    _OFFERS.c.pay_what_you_want,
    _OFFERS.c.minimum_amount,
    _TERRITORIES.c.minimum_amount,
)


def _rules_query(territory_filter: sa.ColumnElement[bool] | None) -> sa.Select:
    """Offers joined with their territory rows (all, or only those the viewer needs)."""
    on = _TERRITORIES.c.offer_id == _OFFERS.c.id
    if territory_filter is not None:
        on = sa.and_(on, territory_filter)
    return (
        sa.select(*_COLUMNS)
        .select_from(_OFFERS.outerjoin(_TERRITORIES, on))
        .where(_OFFERS.c.title_id.in_(sa.bindparam("title_ids", expanding=True)))
    )


# One round trip per page. For one viewer the rule reads only the viewer's own country row of
# each offer (or, for an unknown country, whether an offer excludes any country), so the join
# fetches one or two rows per offer instead of every territory row.
_ALL_TERRITORIES = _rules_query(None)
_ONE_COUNTRY = _rules_query(_TERRITORIES.c.country == sa.bindparam("country"))
_BLOCKED_ONLY = _rules_query(_TERRITORIES.c.blocked == sa.true())
_EVERY_COUNTRY = object()


def _load_rules(
    title_ids: Sequence[int],
    country: str | None | object = _EVERY_COUNTRY,
    terms: dict[int, tuple[int, int]] | None = None,
) -> dict[int, list[OfferRule]]:
    """One query whatever the number of titles; `terms` adds rental terms by title id."""
    if not title_ids:
        return {}
    params: dict[str, object] = {"title_ids": list(title_ids)}
    if country is _EVERY_COUNTRY:
        query = _ALL_TERRITORIES
    elif country is None:
        query = _BLOCKED_ONLY
    else:
        query, params["country"] = _ONE_COUNTRY, country
    offers: dict[int, Sequence] = {}
    territories: dict[int, dict[str, TerritoryRule]] = defaultdict(dict)
    for row in db.session.execute(query, params).tuples():
        offer_id = row[0]
        if offer_id not in offers:
            offers[offer_id] = row
        if row[9] is not None:
            territories[offer_id][row[9]] = TerritoryRule(
                row[9], bool(row[10]), row[11], row[12], _aware(row[13]), _aware(row[14]), row[17]
            )
    rules: dict[int, list[OfferRule]] = defaultdict(list)
    no_terms = (None, None)
    for offer_id, o in offers.items():
        kind = OfferKind(o[2])
        start_days, watch_hours = (
            terms.get(o[1], no_terms) if terms and kind == OfferKind.RENT else no_terms
        )
        rules[o[1]].append(
            OfferRule(
                offer_id=offer_id,
                kind=kind,
                mode=TerritoryMode(o[3]),
                amount=o[4],
                currency=o[5],
                available_from=_aware(o[6]),
                available_until=_aware(o[7]),
                active=bool(o[8]),
                rental_start_days=start_days,
                rental_watch_hours=watch_hours,
                territories=territories.get(offer_id, {}),
                pay_what_you_want=bool(o[15]),
                minimum_amount=o[16],
            )
        )
    return rules


def _aware(value: datetime | None) -> datetime | None:
    # Core (non-ORM) selects bypass the UTC type's result processing on some drivers.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _terms(titles: Iterable[Title]) -> dict[int, tuple[int, int]]:
    return {t.id: (t.rental_start_days, t.rental_watch_hours) for t in titles}


def rules_for(title: Title) -> list[OfferRule]:
    """A title's offers as plain data (every territory row, rental terms included)."""
    return _load_rules([title.id], terms=_terms([title])).get(title.id, [])


def availability_by_country(
    title: Title, countries: Iterable[str | None], at: datetime, *, as_published: bool = False
) -> dict[str | None, Availability]:
    """The rule for one title in many countries (the studio's at-a-glance view), one query.

    `as_published` previews a draft as if it were on sale.
    """
    rules = rules_for(title)
    sellable = as_published or title.status in SELLABLE_STATUSES
    return {c: evaluate(title.id, rules, c, at, sellable) for c in countries}


def availability_for_titles(
    titles: Sequence[Title], country: str | None, at: datetime
) -> dict[int, Availability]:
    """Availability of many titles for one viewer, in one query."""
    rules = _load_rules([t.id for t in titles], country, _terms(titles))
    return {
        t.id: evaluate(t.id, rules.get(t.id, ()), country, at, t.status in SELLABLE_STATUSES)
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
