"""Windows typed on the festival's clock on the nights its clocks change: a time the clocks
skip is refused with the reason, rather than moved an hour without a word."""

from __future__ import annotations

from datetime import datetime

from storefront.extensions import db
from storefront.models import Festival, Screening
from storefront.services.promotion import screenings

from .test_advance_sales import festival_form
from .test_organiser_forms import refusal


def test_a_time_the_clocks_skip_is_refused_and_nothing_is_saved(organiser_client, base, selection):
    # Oslo's clocks go from 02:00 to 03:00 on 28 March 2027: 02:30 never happens there.
    form = {
        "selection": selection.id,
        "opens": "2027-03-28T02:30",
        "closes": "2027-03-29T20:00",
        "price": "8",
        "currency": "EUR",
    }

    page = refusal(organiser_client.post(f"{base}/screenings", data=form))

    assert "2:30" in page and "Europe/Oslo" in page and "clocks go forward" in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Screening)) == 0


def test_the_hour_after_the_change_is_taken_as_typed(make_screening):
    screening = make_screening(datetime(2027, 3, 28, 3, 0), datetime(2027, 3, 28, 23, 0))

    assert screening.opens_at.isoformat() == "2027-03-28T01:00:00+00:00"


def test_a_festival_where_the_clocks_skip_midnight_still_sells_passes(
    festival, make_pass, viewer_client
):
    # Santiago's clocks go from 00:00 to 01:00 on 5 September 2027: the day after a festival
    # ending on the 4th starts at 01:00 there, and its passes sell until then.
    festival.timezone = "America/Santiago"
    festival.ends_on = datetime(2027, 9, 4).date()
    db.session.commit()
    festival_pass = make_pass()

    assert screenings.pass_sales_end(festival).isoformat() == "2027-09-05T04:00:00+00:00"
    page = viewer_client.get(f"/festivals/{festival.slug}", headers={"X-Test-Country": "NO"})
    assert page.status_code == 200 and festival_pass.name in page.text


def test_a_sales_opening_the_clocks_skip_is_refused_next_to_its_field(
    organiser_client, base, festival
):
    form = festival_form(festival, name="Renamed", sales_open="2027-03-28T02:15")
    form["ends_on"] = "2027-04-30"

    response = organiser_client.post(f"{base}/edit", data=form)

    assert response.status_code == 400
    assert "clocks go forward" in response.text
    assert db.session.get(Festival, festival.id).name != "Renamed"
