"""Windows typed on the festival's clock on the nights its clocks change: a time the clocks
skip is refused with the reason, rather than moved an hour without a word."""

from __future__ import annotations

from datetime import datetime

from storefront.extensions import db
from storefront.models import Screening

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
