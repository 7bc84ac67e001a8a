"""Split rules: the table adds up to exactly 100 % wherever the title is offered, the form
names the first country and kind that does not, and rounding never creates or loses a unit."""

from __future__ import annotations

import pytest

from storefront.extensions import db
from storefront.models import SplitRule
from storefront.services import ServiceError
from storefront.services.rights.shares import Part, allocate, remainder_holder
from storefront.services.rights.splits import (
    RuleInput,
    SplitInvalid,
    parse_percent,
    save_rules,
    split_in_force,
)

from .coproduction import add_holder, nordic_benelux_rest

PAYMENTS_BACKEND = "offline"
RENT = {"kind": "rent", "amount": 499, "currency": "EUR"}
BUY = {"kind": "buy", "amount": 1299, "currency": "EUR"}


@pytest.fixture
def two_studios(make_title, make_studio, studio):  # type: ignore[no-untyped-def]
    belgian = make_studio(name="Bruxelles Films", country="BE")
    film = make_title("Fjord", studio=studio, offers=[dict(RENT), dict(BUY)])
    add_holder(film, belgian)
    return film, studio, belgian


def test_the_nordic_benelux_rest_split_is_accepted_and_applies_per_country(two_studios):
    film, norwegian, belgian = two_studios

    nordic_benelux_rest(film, norwegian, belgian)

    assert split_in_force(film, "NO", "rent") == {norwegian.id: 10000}
    assert split_in_force(film, "IS", "buy") == {norwegian.id: 10000}
    assert split_in_force(film, "LU", "buy") == {belgian.id: 10000}
    assert split_in_force(film, "JP", "rent") == {norwegian.id: 6000, belgian.id: 4000}


def test_a_gap_is_refused_naming_the_first_country_and_kind(two_studios):
    film, norwegian, belgian = two_studios
    rules = [
        RuleInput("allow", "nordics", "", {norwegian.id: "100"}),
        RuleInput("allow", "benelux", "", {belgian.id: "100"}),
    ]

    with pytest.raises(SplitInvalid, match=r"^Andorra, rent: the shares add up to 0 %, not 100 %"):
        save_rules(film, rules, {norwegian.id, belgian.id}, "en")
    assert db.session.scalars(db.select(SplitRule)).all() == []


def test_overlapping_rules_that_exceed_100_are_refused(two_studios):
    film, norwegian, belgian = two_studios
    rules = [
        RuleInput("worldwide", "", "", {norwegian.id: "60", belgian.id: "40"}),
        RuleInput("allow", "benelux", "buy", {belgian.id: "100"}),
    ]

    with pytest.raises(SplitInvalid, match=r"^Belgium, buy: the shares add up to 200 %"):
        save_rules(film, rules, {norwegian.id, belgian.id}, "en")


def test_only_offered_countries_must_add_up(make_title, make_studio, studio):
    belgian = make_studio(name="Bruxelles Films", country="BE")
    nordic_only = dict(RENT, territory_mode="allow", territories=[{"country": "NO"}])
    film = make_title("Nordic Only", studio=studio, offers=[nordic_only])
    add_holder(film, belgian)

    save_rules(
        film,
        [RuleInput("allow", "NO", "rent", {studio.id: "33.33", belgian.id: "66.67"})],
        {studio.id, belgian.id},
        "en",
    )

    assert split_in_force(film, "NO", "rent") == {studio.id: 3333, belgian.id: 6667}


def test_a_studio_that_does_not_hold_the_title_cannot_be_given_a_share(two_studios, make_studio):
    film, norwegian, belgian = two_studios
    stranger = make_studio(name="Stranger")

    with pytest.raises(SplitInvalid, match="does not hold this film"):
        save_rules(
            film,
            [RuleInput("worldwide", "", "", {norwegian.id: "50", stranger.id: "50"})],
            {norwegian.id, belgian.id},
            "en",
        )


def test_countries_named_on_a_worldwide_rule_are_refused(two_studios):
    """ "Worldwide" is the list's first choice: a rule for "nordics" left on it used to be
    saved as worldwide, the countries silently dropped."""
    film, norwegian, belgian = two_studios

    with pytest.raises(SplitInvalid, match=r"^Rule 1: A worldwide rule covers every country"):
        save_rules(
            film,
            [RuleInput("worldwide", "nordics", "", {norwegian.id: "100"})],
            {norwegian.id, belgian.id},
            "en",
        )
    assert db.session.scalars(db.select(SplitRule)).all() == []


@pytest.mark.parametrize("text", ["abc", "100.001", "-1", "101", "NaN"])
def test_percentages_have_two_decimals_at_most(text):
    with pytest.raises(ServiceError):
        parse_percent(text)


def test_percentages_parse_to_basis_points():
    assert [parse_percent(t) for t in ("60", "33.33", "12,5", "100 %", "")] == [
        6000,
        3333,
        1250,
        10000,
        0,
    ]


@pytest.mark.parametrize("net", [0, 1, 2, 3, 7, 99, 1071, 12345, 999_999_999])
def test_rounding_never_creates_or_loses_a_minor_unit(net):
    parts = [Part(1, 3333, False), Part(2, 3334, True), Part(3, 3333, False)]

    amounts = allocate(net, parts)

    assert sum(amounts) == net
    assert all(a >= 0 for a in amounts)
    # The holder taking the remainder gets at most what rounding left (fewer units than holders).
    exact = [net * p.basis_points // 10000 for p in parts]
    assert amounts[0] == exact[0] and amounts[2] == exact[2]
    assert 0 <= amounts[1] - exact[1] < len(parts)


def test_the_remainder_goes_to_the_largest_share_then_the_owner():
    assert remainder_holder({5: 4000, 9: 6000}, owner_id=5) == 9
    assert remainder_holder({5: 5000, 9: 5000}, owner_id=9) == 9
    assert remainder_holder({5: 5000, 9: 5000}, owner_id=1) == 5


def test_percentages_are_written_the_way_the_owner_reads_numbers(two_studios):
    """A French owner read "les parts font 66.66 %" and saw 33.33 in the form, whose own
    hint says to type 33,33."""
    from storefront.services.rights.splits import format_percent, inputs_from_rules

    film, norwegian, belgian = two_studios
    half = [RuleInput("worldwide", "", "", {norwegian.id: "33,33", belgian.id: "33,33"})]

    with pytest.raises(SplitInvalid, match=r": [^:]* 66,66 %"):
        save_rules(film, half, {norwegian.id, belgian.id}, "fr")
    save_rules(film, [RuleInput("worldwide", "", "", {norwegian.id: "66,67", belgian.id: "33,33"})],
               {norwegian.id, belgian.id}, "fr")  # fmt: skip

    assert inputs_from_rules(film, "fr")[0].shares == {norwegian.id: "66,67", belgian.id: "33,33"}
    assert inputs_from_rules(film)[0].shares == {norwegian.id: "66.67", belgian.id: "33.33"}
    assert format_percent(6000, "fr") == "60" and parse_percent(format_percent(3333, "de")) == 3333
