"""The studio's offers page: who may use it, what it saves, and bad input that saves nothing."""

from __future__ import annotations

import re

import pytest

from storefront.extensions import db
from storefront.models import Offer, OfferTerritory, Title
from storefront.regions import NORDICS


def url(studio, title) -> str:
    return f"/studio/{studio.slug}/titles/{title.id}/offers"


def snapshot(title_id: int) -> tuple:
    """Everything the page may write, to prove a refused form wrote nothing."""
    db.session.expire_all()
    title = db.session.get(Title, title_id)
    offers = db.session.execute(
        db.select(
            Offer.kind, Offer.amount, Offer.currency, Offer.territory_mode, Offer.active,
            Offer.available_from, Offer.available_until,
        ).where(Offer.title_id == title_id).order_by(Offer.kind)
    ).all()  # fmt: skip
    rows = db.session.execute(
        db.select(
            Offer.kind, OfferTerritory.country, OfferTerritory.blocked, OfferTerritory.amount,
            OfferTerritory.currency, OfferTerritory.available_from, OfferTerritory.available_until,
        ).join(Offer).where(Offer.title_id == title_id).order_by(Offer.kind, OfferTerritory.country)
    ).all()  # fmt: skip
    return (title.rental_start_days, title.rental_watch_hours, offers, rows)


def base_form(**changes: object) -> dict:
    data = {
        "rent-enabled": "y",
        "rent-price": "4.99",
        "rent-currency": "EUR",
        "rent-mode": "worldwide",
        "buy-price": "",
        "buy-currency": "",
        "buy-mode": "worldwide",
        "rental_start_days": "30",
        "rental_watch_hours": "48",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def title(make_title, studio):
    return make_title(
        studio=studio,
        offers=[
            {
                "kind": "rent",
                "amount": 399,
                "currency": "EUR",
                "territories": [{"country": "NO", "amount": 4900, "currency": "NOK"}],
            }
        ],
    )


def test_only_studio_members_reach_the_page(client, auth, make_user, make_studio, title, studio):
    assert client.get(url(studio, title)).status_code == 302  # log in first
    outsider = make_user("outsider@example.org")
    make_studio(outsider, name="Other Pictures")
    auth.login(outsider.email)
    assert client.get(url(studio, title)).status_code == 404
    assert client.post(url(studio, title), data=base_form()).status_code == 404


def test_a_title_of_another_studio_is_not_found(filmmaker_client, make_studio, make_title, studio):
    other = make_title("Elsewhere", studio=make_studio(name="Other Pictures"))
    assert filmmaker_client.get(url(studio, other)).status_code == 404
    assert filmmaker_client.get(f"/studio/{studio.slug}/titles/999999/offers").status_code == 404


def test_the_page_shows_the_saved_offers_and_the_result(filmmaker_client, studio, title):
    page = filmmaker_client.get(url(studio, title))
    assert page.status_code == 200
    assert 'value="3.99"' in page.text and 'value="49.00"' in page.text
    assert "Available now in 249 countries." in page.text
    assert "NOK\xa049.00" in page.text and "€3.99" in page.text
    overview = filmmaker_client.get(f"/studio/{studio.slug}/")
    assert url(studio, title) in overview.text


def test_saving_a_full_plan(filmmaker_client, studio, title):
    form = base_form(
        **{
            "rent-mode": "deny",
            "rent-countries": ["US"],
            "rent-rules-0-country": "NO",
            "rent-rules-0-price": "49",
            "rent-rules-0-currency": "NOK",
            "rent-rules-0-available_from": "2027-03-01T00:00",
            "rent-rules-1-country": "JP",
            "rent-rules-1-price": "600",
            "rent-rules-1-currency": "JPY",
            "buy-enabled": "y",
            "buy-price": "12,99",
            "buy-currency": "EUR",
            "buy-mode": "allow",
            "buy-groups": ["nordics"],
            "buy-countries": ["FR"],
            "buy-rules-0-country": "SE",
            "buy-rules-0-price": "149",
            "buy-rules-0-currency": "SEK",
            "rental_start_days": "14",
            "rental_watch_hours": "72",
        }
    )
    response = filmmaker_client.post(url(studio, title), data=form)
    assert response.status_code == 302, response.text
    start_days, watch_hours, offers, rows = snapshot(title.id)
    assert (start_days, watch_hours) == (14, 72)
    assert [(o.kind, o.amount, o.currency, o.territory_mode) for o in offers] == [
        ("buy", 1299, "EUR", "allow"),
        ("rent", 499, "EUR", "deny"),
    ]
    buy_rows = {r.country: r for r in rows if r.kind == "buy"}
    assert set(buy_rows) == NORDICS | {"FR"}
    assert (buy_rows["SE"].amount, buy_rows["SE"].currency) == (14900, "SEK")
    rent_rows = {r.country: r for r in rows if r.kind == "rent"}
    assert rent_rows["US"].blocked and not rent_rows["NO"].blocked
    assert rent_rows["NO"].available_from.isoformat() == "2027-03-01T00:00:00+00:00"
    assert (rent_rows["JP"].amount, rent_rows["JP"].currency) == (600, "JPY")


def test_dates_are_read_in_the_filmmakers_time_zone(filmmaker_client, filmmaker, studio, title):
    filmmaker.timezone = "Europe/Oslo"
    db.session.commit()
    form = base_form(**{"rent-available_from": "2027-03-01T09:00"})
    assert filmmaker_client.post(url(studio, title), data=form).status_code == 302
    offer = snapshot(title.id)[2][0]
    assert offer.available_from.isoformat() == "2027-03-01T08:00:00+00:00"
    page = filmmaker_client.get(url(studio, title))
    assert 'value="2027-03-01T09:00"' in page.text


@pytest.mark.parametrize(
    ("zone", "typed"),
    [("America/Los_Angeles", "9999-12-31T23:59"), ("Asia/Tokyo", "0001-01-01T00:00")],
)
@pytest.mark.parametrize("field", ["rent-available_until", "rent-rules-0-available_from"])
def test_a_date_at_the_end_of_the_calendar_is_refused_not_a_crash(
    filmmaker_client, filmmaker, studio, title, zone, typed, field
):
    """Typed in a zone behind (or ahead of) UTC, the last (first) minute of the calendar has
    no UTC time: the page crashed with a server error."""
    filmmaker.timezone = zone
    db.session.commit()
    before = snapshot(title.id)
    form = base_form(**{field: typed, "rent-rules-0-country": "NO"})
    response = filmmaker_client.post(url(studio, title), data=form)
    assert response.status_code == 400
    assert f'<p class="error" id="{field}-error">Enter a date and time' in response.text
    assert f'value="{typed}"' in response.text
    assert snapshot(title.id) == before


def test_switching_an_offer_off_keeps_its_rules(filmmaker_client, studio, title):
    form = base_form(**{"rent-enabled": None, "rent-price": "", "rent-currency": ""})
    assert filmmaker_client.post(url(studio, title), data=form).status_code == 302
    _days, _hours, offers, rows = snapshot(title.id)
    assert [(o.kind, o.active, o.amount) for o in offers] == [("rent", False, 399)]
    assert [r.country for r in rows] == ["NO"]


# (field whose error is shown, form change, message)
BAD_INPUTS = [
    ("rent-price", {"rent-price": "0"}, "more than zero"),
    ("rent-price", {"rent-price": "-2"}, "more than zero"),
    ("rent-price", {"rent-price": "4.999"}, "at most 2 decimals"),
    ("rent-price", {"rent-price": "0.20"}, "Stripe cannot charge less than"),
    ("rent-currency", {"rent-currency": "XTS"}, "Choose a currency"),
    ("rent-price", {"rent-price": "1.255", "rent-currency": "KWD"}, "the last one 0"),
    ("rent-price", {"rent-price": "12.5", "rent-currency": "JPY"}, "whole amounts"),
    ("rent-countries", {"rent-mode": "deny", "rent-countries": ["NO", "QQ"]}, "Unknown country"),
    ("rent-countries", {"rent-mode": "allow"}, "at least one country"),
    (
        "rent-rules-0-country",
        {"rent-rules-0-country": "ZZ", "rent-rules-0-price": "5", "rent-rules-0-currency": "EUR"},
        "Unknown country",
    ),
    (
        "rent-available_until",
        {"rent-available_from": "2027-03-02T00:00", "rent-available_until": "2027-03-01T00:00"},
        "end must be after",
    ),
    (
        "rent-rules-1-country",
        {
            "rent-rules-0-country": "SE",
            "rent-rules-0-price": "49",
            "rent-rules-0-currency": "SEK",
            "rent-rules-1-country": "SE",
            "rent-rules-1-available_from": "2027-01-01T00:00",
        },
        "already has a rule",
    ),
    (
        "rent-rules-0-country",
        {
            "rent-mode": "deny",
            "rent-countries": ["SE"],
            "rent-rules-0-country": "SE",
            "rent-rules-0-price": "49",
            "rent-rules-0-currency": "SEK",
        },
        "is excluded above",
    ),
    (
        "rent-rules-0-country",
        {
            "rent-mode": "allow",
            "rent-countries": ["NO"],
            "rent-rules-0-country": "SE",
            "rent-rules-0-price": "49",
            "rent-rules-0-currency": "SEK",
        },
        "not among the chosen countries",
    ),
    (
        "rent-rules-0-currency",
        {"rent-rules-0-country": "SE", "rent-rules-0-price": "1"},
        "Choose a currency",
    ),
    (
        "rent-rules-0-price",
        {"rent-rules-0-country": "NO", "rent-rules-0-price": "2", "rent-rules-0-currency": "NOK"},
        "less than NOK",
    ),
    (
        "rent-rules-0-available_until",
        {
            "rent-rules-0-country": "NO",
            "rent-rules-0-available_from": "2027-03-02T00:00",
            "rent-rules-0-available_until": "2027-03-02T00:00",
        },
        "end must be after",
    ),
    ("rent-available_from", {"rent-available_from": "next tuesday"}, "Enter a date and time"),
    ("rental_watch_hours", {"rental_watch_hours": "0"}, "whole number from 1 to 720"),
    ("rental_start_days", {"rental_start_days": "soon"}, "whole number from 1 to 365"),
    ("buy-currency", {"buy-currency": ""}, "Choose a currency"),
]


@pytest.mark.parametrize(("field_id", "change", "message"), BAD_INPUTS)
def test_bad_input_names_the_field_and_saves_nothing(
    filmmaker_client, studio, title, field_id, change, message
):
    before = snapshot(title.id)
    # A valid change elsewhere in the same form must not be saved either.
    form = base_form(**{"buy-enabled": "y", "buy-price": "9.99", "buy-currency": "EUR"})
    form.update({"rental_start_days": "7", **change})
    response = filmmaker_client.post(url(studio, title), data=form)
    assert response.status_code == 400
    assert "Nothing was saved" in response.text
    assert message in response.text
    assert f'id="{field_id}-error"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert snapshot(title.id) == before


@pytest.mark.parametrize("typed", ["0", "800", "1.5", "", "seven"])
@pytest.mark.parametrize(
    ("name", "high"), [("rental_start_days", 365), ("rental_watch_hours", 720)]
)
def test_a_rental_period_out_of_bounds_gets_one_message(
    filmmaker_client, studio, title, name, high, typed
):
    """It read "Number must be between 1 and 365." and "Enter a whole number from 1 to
    365." (and "Not a valid integer value." too, for 1.5): one mistake, one message."""
    response = filmmaker_client.post(url(studio, title), data=base_form(**{name: typed}))
    assert response.status_code == 400
    errors = re.findall(rf'<p class="error" id="{name}-error">([^<]*)</p>', response.text)
    assert errors == [f"Enter a whole number from 1 to {high}."]


def test_more_rows_adds_empty_rows_without_saving(filmmaker_client, studio, title):
    before = snapshot(title.id)
    form = base_form(more_rows="rent", **{"rent-price": "0"})
    response = filmmaker_client.post(url(studio, title), data=form)
    assert response.status_code == 200 and 'id="rent-rules-4-country"' in response.text
    assert snapshot(title.id) == before
