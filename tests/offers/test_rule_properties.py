"""Properties of the availability rule on plain data (no database): `evaluate`."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.models import OfferKind, TerritoryMode
from storefront.services.catalog.availability import OfferRule, Reason, TerritoryRule, evaluate

T0 = datetime(2027, 3, 1, tzinfo=UTC)
COUNTRIES = ["NO", "SE", "FR", "JP", "US", "BR"]
CURRENCIES = ["EUR", "NOK", "JPY", "KWD"]

moments = st.integers(min_value=-5, max_value=5).map(lambda d: T0 + timedelta(days=d))
maybe_moment = st.none() | moments


@st.composite
def territory(draw, country: str) -> TerritoryRule:
    priced = draw(st.booleans())
    return TerritoryRule(
        country=country,
        blocked=draw(st.booleans()),
        amount=draw(st.integers(50, 10_000)) if priced else None,
        currency=draw(st.sampled_from(CURRENCIES)) if priced else None,
        available_from=draw(maybe_moment),
        available_until=draw(maybe_moment),
    )


@st.composite
def offer_rule(draw, kind: OfferKind, offer_id: int) -> OfferRule:
    countries = draw(st.lists(st.sampled_from(COUNTRIES), unique=True, max_size=4))
    return OfferRule(
        offer_id=offer_id,
        kind=kind,
        mode=draw(st.sampled_from(list(TerritoryMode))),
        amount=draw(st.integers(50, 10_000)),
        currency=draw(st.sampled_from(CURRENCIES)),
        available_from=draw(maybe_moment),
        available_until=draw(maybe_moment),
        active=draw(st.booleans() | st.just(True)),
        territories={c: draw(territory(c)) for c in countries},
    )


@st.composite
def rule_sets(draw) -> list[OfferRule]:
    kinds = draw(st.lists(st.sampled_from(list(OfferKind)), unique=True, min_size=1))
    return [draw(offer_rule(kind, i + 1)) for i, kind in enumerate(kinds)]


viewers = st.sampled_from([*COUNTRIES, "DE", None])


@given(rules=rule_sets(), country=viewers, at=moments)
def test_an_allow_list_never_admits_a_country_outside_it(rules, country, at):
    result = evaluate(1, rules, country, at, sellable=True)
    for rule in rules:
        if rule.mode != TerritoryMode.ALLOW or result.option(rule.kind) is None:
            continue
        row = rule.territories.get(country) if country else None
        assert row is not None and not row.blocked


@given(rules=rule_sets(), country=st.sampled_from(COUNTRIES), at=moments)
def test_a_blocked_country_is_never_offered_whatever_the_mode(rules, country, at):
    result = evaluate(1, rules, country, at, sellable=True)
    for rule in rules:
        row = rule.territories.get(country)
        if row is not None and row.blocked:
            assert result.option(rule.kind) is None
            assert not any(o.offer_id == rule.offer_id for o in result.options)


# Who a single offer admits, written out by hand: (mode, the viewer's row, viewer) -> offered.
# "none" means the viewer's country has no row; "other blocked" adds a blocked row elsewhere.
ADMISSION_TABLE = [
    (TerritoryMode.WORLDWIDE, "none", "NO", True),
    (TerritoryMode.WORLDWIDE, "open", "NO", True),
    (TerritoryMode.WORLDWIDE, "blocked", "NO", False),
    (TerritoryMode.WORLDWIDE, "none", None, True),
    (TerritoryMode.WORLDWIDE, "other blocked", None, False),
    (TerritoryMode.WORLDWIDE, "other blocked", "NO", True),
    (TerritoryMode.DENY, "none", "NO", True),
    (TerritoryMode.DENY, "blocked", "NO", False),
    (TerritoryMode.DENY, "none", None, True),  # "everywhere except" an empty list
    (TerritoryMode.DENY, "other blocked", None, False),
    (TerritoryMode.ALLOW, "none", "NO", False),
    (TerritoryMode.ALLOW, "open", "NO", True),
    (TerritoryMode.ALLOW, "blocked", "NO", False),
    (TerritoryMode.ALLOW, "open", None, False),
    (TerritoryMode.ALLOW, "other blocked", "NO", False),
]


@pytest.mark.parametrize(("mode", "row", "viewer", "offered"), ADMISSION_TABLE)
def test_who_an_offer_admits(mode, row, viewer, offered):
    rows = {
        "none": {},
        "open": {"NO": TerritoryRule("NO")},
        "blocked": {"NO": TerritoryRule("NO", blocked=True)},
        "other blocked": {"SE": TerritoryRule("SE", blocked=True)},
    }[row]
    rule = OfferRule(1, OfferKind.RENT, mode, 499, "EUR", territories=rows)
    assert evaluate(1, [rule], viewer, T0, sellable=True).is_available is offered


@given(rules=rule_sets(), country=st.sampled_from(COUNTRIES), at=moments, other=st.data())
def test_a_countrys_answer_ignores_other_countries_rows(rules, country, at, other):
    """Rows for other countries never change what a known country is offered."""
    others = [c for c in COUNTRIES if c != country]

    def reshuffled(rule: OfferRule) -> OfferRule:
        elsewhere = other.draw(st.lists(st.sampled_from(others), unique=True, max_size=3))
        own = {c: t for c, t in rule.territories.items() if c == country}
        return replace(
            rule, territories={**own, **{c: other.draw(territory(c)) for c in elsewhere}}
        )

    before = evaluate(1, rules, country, at, True)
    after = evaluate(1, [reshuffled(r) for r in rules], country, at, True)
    assert after.options == before.options


@given(
    rules=rule_sets(),
    country=viewers,
    days=st.lists(st.integers(-6, 6), min_size=3, max_size=3, unique=True),
)
def test_an_offer_is_open_over_one_unbroken_stretch_of_time(rules, country, days):
    """Open at a and at c means open at every b between them: a window, not gaps."""
    early, middle, late = (T0 + timedelta(days=d) for d in sorted(days))
    for rule in rules:

        def offered(at, rule=rule):
            return evaluate(1, [rule], country, at, True).option(rule.kind) is not None

        if offered(early) and offered(late):
            assert offered(middle)


@given(rules=rule_sets(), country=viewers, at=moments)
def test_an_inactive_offer_is_never_offered(rules, country, at):
    result = evaluate(1, rules, country, at, sellable=True)
    for rule in rules:
        if not rule.active:
            assert result.option(rule.kind) is None


@given(rules=rule_sets(), at=moments)
def test_an_unknown_country_sees_only_offers_that_exclude_nobody(rules, at):
    result = evaluate(1, rules, None, at, sellable=True)
    for option in result.options:
        rule = next(r for r in rules if r.offer_id == option.offer_id)
        assert rule.mode != TerritoryMode.ALLOW
        assert not any(t.blocked for t in rule.territories.values())
        assert (option.amount, option.currency) == (rule.amount, rule.currency)


@given(rules=rule_sets(), country=viewers, at=moments)
def test_the_price_is_the_country_override_when_set_else_the_default(rules, country, at):
    result = evaluate(1, rules, country, at, sellable=True)
    for option in result.options:
        rule = next(r for r in rules if r.offer_id == option.offer_id)
        row = rule.territories.get(country) if country else None
        if row is not None and row.amount is not None and row.currency is not None:
            assert (option.amount, option.currency) == (row.amount, row.currency)
        else:
            assert (option.amount, option.currency) == (rule.amount, rule.currency)


@given(rules=rule_sets(), country=viewers, at=moments)
def test_nothing_offered_always_comes_with_a_reason(rules, country, at):
    result = evaluate(1, rules, country, at, sellable=True)
    if result.is_available:
        assert result.reason is None
        return
    assert result.reason is not None
    opening = [w.at for w in result.withheld if w.reason == Reason.NOT_YET]
    if opening:
        assert result.reason == Reason.NOT_YET and result.opens_at == min(opening)
    if result.reason == Reason.UNKNOWN_COUNTRY:
        assert country is None


@given(rules=rule_sets(), country=viewers, at=moments)
def test_an_unsellable_title_is_not_for_sale_anywhere(rules, country, at):
    result = evaluate(1, rules, country, at, sellable=False)
    assert not result.is_available and result.reason == Reason.NOT_FOR_SALE


def _rent(**fields) -> OfferRule:
    return OfferRule(1, OfferKind.RENT, TerritoryMode.WORLDWIDE, 499, "EUR", **fields)


def test_window_boundaries_are_half_open():
    start, until = T0, T0 + timedelta(days=7)
    rule = _rent(available_from=start, available_until=until)
    tick = timedelta(microseconds=1)
    assert evaluate(1, [rule], "NO", start - tick, True).reason == Reason.NOT_YET
    assert evaluate(1, [rule], "NO", start, True).is_available
    assert evaluate(1, [rule], "NO", until - tick, True).is_available
    ended = evaluate(1, [rule], "NO", until, True)
    assert ended.reason == Reason.ENDED and ended.ended_at == until


def test_a_country_window_replaces_only_the_end_it_sets():
    rule = _rent(
        available_from=T0,
        available_until=T0 + timedelta(days=30),
        territories={"NO": TerritoryRule("NO", available_from=T0 + timedelta(days=10))},
    )
    norway_early = evaluate(1, [rule], "NO", T0 + timedelta(days=5), True)
    assert norway_early.reason == Reason.NOT_YET and norway_early.opens_at == T0 + timedelta(10)
    assert evaluate(1, [rule], "SE", T0 + timedelta(days=5), True).is_available
    assert evaluate(1, [rule], "NO", T0 + timedelta(days=30), True).reason == Reason.ENDED


def test_rent_only_here_reports_the_withheld_kind():
    rent = _rent()
    buy = OfferRule(
        2, OfferKind.BUY, TerritoryMode.DENY, 1299, "EUR",
        territories={"NO": TerritoryRule("NO", blocked=True)},
    )  # fmt: skip
    result = evaluate(1, [rent, buy], "NO", T0, True)
    assert result.only_kind == OfferKind.RENT
    assert [(w.kind, w.reason) for w in result.withheld] == [(OfferKind.BUY, Reason.NOT_IN_COUNTRY)]


def test_jpy_and_kwd_overrides_are_charged_as_set():
    rule = _rent(
        territories={
            "JP": TerritoryRule("JP", amount=600, currency="JPY"),
            "KW": TerritoryRule("KW", amount=1250, currency="KWD"),
        }
    )
    assert evaluate(1, [rule], "JP", T0, True).option("rent").amount == 600
    kuwait = evaluate(1, [rule], "KW", T0, True).option("rent")
    assert (kuwait.amount, kuwait.currency) == (1250, "KWD")
