"""Split rules: for a territory set and rent, buy or both, each holder's percentage.

Rules add up. For one country and kind, a holder's share is the sum of its percentages in every
rule covering that country and kind; wherever the title is offered the shares must total
exactly 100 %. The Nordic/Benelux/rest example is three rules: only the Nordic countries,
100 % the Norwegian studio; only Benelux, 100 % the Belgian studio; everywhere except the
Nordic countries and Benelux, 60 % / 40 %.

Percentages have at most two decimals and are kept as basis points (100.00 % = 10000).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from babel.numbers import format_decimal
from flask_babel import gettext as _

from ...countries import country_codes, country_name
from ...extensions import db
from ...models import Offer, OfferKind, SplitRule, SplitShare, Studio, TerritoryMode, Title
from ...regions import REGIONS_BY_KEY
from .. import ServiceError

log = logging.getLogger(__name__)
WHOLE = 10000  # 100.00 % in basis points


@dataclass
class RuleInput:
    """One rule as typed in the form (texts, not yet checked)."""

    mode: str = "worldwide"
    countries: str = ""
    kind: str = ""  # "", "rent" or "buy"
    shares: dict[int, str] = field(default_factory=dict)  # studio id -> "60" or "33.33"

    def is_blank(self) -> bool:
        return not any((s or "").strip() for s in self.shares.values())


@dataclass(frozen=True)
class Rule:
    """A checked rule: countries as ISO codes, shares in basis points."""

    mode: TerritoryMode
    countries: frozenset[str]
    kind: OfferKind | None
    shares: dict[int, int]

    def covers(self, country: str | None, kind: OfferKind) -> bool:
        if self.kind is not None and self.kind != kind:
            return False
        if self.mode == TerritoryMode.WORLDWIDE:
            return True
        if self.mode == TerritoryMode.ALLOW:
            return country is not None and country in self.countries
        return country is None or country not in self.countries


class SplitInvalid(ServiceError):
    """The rules do not add up; the message names the first country and kind that does not."""


def parse_percent(text: str | None) -> int:
    """ "60", "33.33" or "12,5" -> basis points; raises ServiceError for anything else."""
    raw = (text or "").strip().replace(",", ".").rstrip("%").strip()
    if not raw:
        return 0
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ServiceError(_("Enter a percentage such as 60 or 33.33.")) from None
    if not value.is_finite() or value < 0 or value > 100:
        raise ServiceError(_("A percentage is between 0 and 100."))
    if value != value.quantize(Decimal("0.01")):
        raise ServiceError(_("Percentages have at most two decimals."))
    return int(value * 100)


def format_percent(basis_points: int, locale: str = "en") -> str:
    """Basis points as people of ``locale`` write them (and the form reads them back):
    6000 -> "60", 3333 -> "33.33" ("33,33" in French)."""
    return format_decimal(Decimal(basis_points) / 100, format="0.##", locale=locale)


def parse_countries(text: str) -> frozenset[str]:
    """Country codes and region group keys ("nordics", "NO SE") -> ISO codes."""
    codes: set[str] = set()
    for token in re.split(r"[\s,;]+", text or ""):
        if not token:
            continue
        if token.lower() in REGIONS_BY_KEY:
            codes |= REGIONS_BY_KEY[token.lower()].countries
        elif token.upper() in country_codes():
            codes.add(token.upper())
        else:
            raise ServiceError(_("Unknown country or region: %(token)s", token=token))
    return frozenset(codes)


def check_inputs(inputs: Iterable[RuleInput], holder_ids: set[int]) -> list[Rule]:
    """The typed rules, checked one by one (blank rows are skipped)."""
    rules: list[Rule] = []
    for number, item in enumerate(inputs, start=1):
        if item.is_blank():
            continue
        try:
            mode = TerritoryMode(item.mode)
            countries = parse_countries(item.countries)
            if mode != TerritoryMode.WORLDWIDE and not countries:
                raise ServiceError(_("Name the countries or regions this rule is for."))
            if mode == TerritoryMode.WORLDWIDE and countries:
                raise ServiceError(
                    _(
                        "A worldwide rule covers every country: to name countries, choose "
                        "“Only these countries” or “All countries except these”."
                    )
                )
            kind = OfferKind(item.kind) if item.kind else None
            shares = {sid: parse_percent(text) for sid, text in item.shares.items()}
        except ValueError:
            raise SplitInvalid(_("Rule %(n)d: choose from the lists.", n=number)) from None
        except ServiceError as exc:
            raise SplitInvalid(_("Rule %(n)d: %(problem)s", n=number, problem=str(exc))) from None
        unknown = set(shares) - holder_ids
        if unknown:
            raise SplitInvalid(
                _("Rule %(n)d names a studio that does not hold this film.", n=number)
            )
        shares = {sid: bp for sid, bp in shares.items() if bp}
        rules.append(Rule(mode, countries, kind, shares))
    return rules


def offered_pairs(title: Title) -> list[tuple[str, OfferKind]]:
    """Every (country, kind) where the title has an active offer, rent first, by country code."""
    offers = db.session.scalars(
        sa.select(Offer).where(Offer.title_id == title.id, Offer.active.is_(True))
    ).all()
    every = sorted(country_codes())
    pairs: list[tuple[str, OfferKind]] = []
    for offer in sorted(offers, key=lambda o: o.kind != OfferKind.RENT):
        blocked = {t.country for t in offer.territories if t.blocked}
        listed = {t.country for t in offer.territories if not t.blocked}
        if offer.territory_mode == TerritoryMode.ALLOW:
            countries = [c for c in every if c in listed]
        else:
            countries = [c for c in every if c not in blocked]
        pairs.extend((c, offer.kind) for c in countries)
    return pairs


def shares_for(rules: Iterable[Rule], country: str | None, kind: OfferKind) -> dict[int, int]:
    """Each holder's basis points for one country and kind (the sum over covering rules)."""
    total: dict[int, int] = {}
    for rule in rules:
        if rule.covers(country, kind):
            for studio_id, bp in rule.shares.items():
                total[studio_id] = total.get(studio_id, 0) + bp
    return {sid: bp for sid, bp in total.items() if bp}


def first_gap(title: Title, rules: list[Rule], locale: str = "en") -> str | None:
    """Words naming the first offered country and kind whose shares are not 100 %."""
    kinds = {OfferKind.RENT: _("rent"), OfferKind.BUY: _("buy")}
    for country, kind in offered_pairs(title):
        total = sum(shares_for(rules, country, kind).values())
        if total != WHOLE:
            return _(
                "%(country)s, %(kind)s: the shares add up to %(total)s %%, not 100 %%.",
                country=country_name(country, locale),
                kind=kinds[kind],
                total=format_percent(total, locale),
            )
    return None


def split_warning(title: Title, locale: str = "en") -> str | None:
    """Words for the owner when the saved rules no longer add up where the title is offered
    (its offers changed since): ``split_in_force`` pays the owner alone there. None if fine."""
    rules = loaded_rules(title.id)
    gap = first_gap(title, rules, locale) if rules else None
    if gap is None:
        return None
    owner = db.session.get(Studio, title.studio_id)
    return _(
        "The split of %(title)s does not add up everywhere the film is offered now: %(gap)s "
        "Until the split is changed, those sales pay %(studio)s alone.",
        title=title.name,
        gap=gap,
        studio=owner.name if owner else "",
    )


def save_rules(
    title: Title, inputs: Iterable[RuleInput], holder_ids: set[int], locale: str
) -> None:
    """Replace the title's rules, or raise SplitInvalid naming what does not add up.

    Orders already placed keep the split snapshotted on them.
    """
    rules = check_inputs(inputs, holder_ids)
    if not rules:
        raise SplitInvalid(_("Add at least one rule."))
    gap = first_gap(title, rules, locale)
    if gap is not None:
        raise SplitInvalid(gap)
    for old in rules_of(title):
        db.session.delete(old)
    db.session.flush()
    for position, rule in enumerate(rules):
        row = SplitRule(
            title_id=title.id,
            position=position,
            territory_mode=rule.mode,
            countries=sorted(rule.countries),
            kind=rule.kind,
        )
        row.shares = [SplitShare(studio_id=sid, basis_points=bp) for sid, bp in rule.shares.items()]
        db.session.add(row)
    db.session.flush()
    log.info("Split rules of title %s saved (%d rules)", title.id, len(rules))


def rules_of(title: Title) -> list[SplitRule]:
    return list(
        db.session.scalars(
            sa.select(SplitRule).where(SplitRule.title_id == title.id).order_by(SplitRule.position)
        )
    )


def loaded_rules(title_id: int) -> list[Rule]:
    rows = db.session.scalars(
        sa.select(SplitRule).where(SplitRule.title_id == title_id).order_by(SplitRule.position)
    ).all()
    return [
        Rule(
            r.territory_mode,
            frozenset(r.countries or []),
            r.kind,
            {s.studio_id: s.basis_points for s in r.shares},
        )
        for r in rows
    ]


def split_in_force(title: Title, country: str | None, kind: OfferKind) -> dict[int, int] | None:
    """Each holder's basis points for a sale of ``title`` in ``country``; None when the title
    has no split rules (a single-owner title). Falls back to the owner alone, with a warning,
    if the rules no longer add up there (an offer changed after the rules were saved)."""
    rules = loaded_rules(title.id)
    if not rules:
        return None
    shares = shares_for(rules, country, kind)
    if sum(shares.values()) != WHOLE:
        log.warning("Split of title %s does not add up in %s/%s", title.id, country, kind)
        return {title.studio_id: WHOLE}
    return shares


def rules_sharing(title: Title, studio_id: int) -> list[SplitRule]:
    """The title's rules that give ``studio_id`` a share."""
    return [r for r in rules_of(title) if any(s.studio_id == studio_id for s in r.shares)]


def pass_shares_to_owner(title: Title, studio_id: int) -> int:
    """``studio_id``'s percentage in every rule of the title goes to the title's owner (its
    rights revert to the owner), so every country still adds up to 100 % and the title keeps
    selling. Returns how many rules changed. Orders already placed keep their snapshot."""
    changed = rules_sharing(title, studio_id)
    for rule in changed:
        leaving = next(s for s in rule.shares if s.studio_id == studio_id)
        owner = next((s for s in rule.shares if s.studio_id == title.studio_id), None)
        if owner is None:
            rule.shares.append(SplitShare(studio_id=title.studio_id, basis_points=0))
            owner = rule.shares[-1]
        owner.basis_points = min(WHOLE, owner.basis_points + leaving.basis_points)
        rule.shares.remove(leaving)
    db.session.flush()
    if changed:
        log.info("Title %s: shares of studio %s passed to its owner", title.id, studio_id)
    return len(changed)


def inputs_from_rules(title: Title, locale: str = "en") -> list[RuleInput]:
    """The saved rules as the form shows them (region groups already expanded)."""
    return [
        RuleInput(
            mode=r.territory_mode.value,
            countries=" ".join(r.countries or []),
            kind=r.kind.value if r.kind else "",
            shares={s.studio_id: format_percent(s.basis_points, locale) for s in r.shares},
        )
        for r in rules_of(title)
    ]
