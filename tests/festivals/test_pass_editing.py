"""Organisers edit and withdraw their festival's passes through the studio's forms: a sound
edit is saved, a bad one is shown with nothing saved, and holders keep the terms they bought."""

from __future__ import annotations

from storefront.extensions import db
from storefront.models import FestivalPass, PassHolding, PassKind, utcnow
from storefront.services.promotion.passes import pass_availability

from .conftest import book, buy_pass, fresh, latest_order, refusal, session_id_from


def test_a_pass_is_edited_and_withdrawn_while_holders_keep_their_terms(
    organiser_client, base, viewer_client, viewer, make_pass, make_screening, emu, webhooks
):
    festival_pass = make_pass(films=2)
    screening = make_screening()
    response = buy_pass(viewer_client, festival_pass)
    emu.pay(session_id_from(response.location))
    holding = db.session.scalar(db.select(PassHolding).filter_by(order_id=latest_order(viewer).id))
    page = organiser_client.get(f"{base}/passes/{festival_pass.id}/edit")
    assert page.status_code == 200 and 'value="Two-film pass"' in page.get_data(as_text=True)

    saved = organiser_client.post(
        f"{base}/passes/{festival_pass.id}/edit",
        data={
            "name": "Five-film pass",
            "films": "5",
            "price": "45",
            "currency": "EUR",
            "prices": "SE:SEK:499",
        },  # "on_sale" unticked: withdrawn
    )

    assert saved.status_code == 303, saved.data
    edited = fresh(FestivalPass, festival_pass.id)
    assert (edited.name, edited.kind, edited.films, edited.amount) == (
        "Five-film pass",
        PassKind.FILMS,
        5,
        4500,
    )
    assert edited.territories == [{"country": "SE", "currency": "SEK", "amount": 49900}]
    assert not edited.active
    assert not pass_availability(edited, "NO", utcnow()).is_available
    assert buy_pass(viewer_client, edited).status_code != 303
    assert fresh(PassHolding, holding.id).films_allowed == 2  # bought as a two-film pass
    assert book(viewer_client, screening, holding.id).status_code == 303  # still books


def test_bad_pass_input_is_shown_and_nothing_changes(organiser_client, base, make_pass):
    festival_pass = make_pass(films=2)
    form = {"name": "Renamed", "films": "2", "price": "20", "currency": "EUR", "on_sale": "1"}
    path = f"{base}/passes/{festival_pass.id}/edit"

    for changes, message in (
        ({"price": "-1"}, "The price must be more than zero."),
        ({"films": "0"}, "A pass is good for at least one screening."),
        ({"films": "two"}, "Enter a whole number."),
        ({"films": "1001"}, "A pass is good for at most 1000 screenings."),
        ({"films": "99999999999999999999"}, "A pass is good for at most 1000 screenings."),
        ({"name": ""}, "Give the pass a name of up to 120 characters."),
        ({"name": "P" * 121}, "Give the pass a name of up to 120 characters."),
    ):
        page = refusal(organiser_client.post(path, data={**form, **changes}))
        assert message in page
        edited = fresh(FestivalPass, festival_pass.id)
        assert (edited.name, edited.films, edited.amount) == ("Two-film pass", 2, 2000)


def test_a_pass_being_paid_for_keeps_its_allowance_until_paid(
    organiser_client, base, viewer_client, viewer, make_pass, emu, webhooks
):
    festival_pass = make_pass(films=2)
    paying = buy_pass(viewer_client, festival_pass)
    assert paying.status_code == 303
    path = f"{base}/passes/{festival_pass.id}/edit"
    form = {"name": "Two films", "films": "2", "price": "20", "currency": "EUR", "on_sale": "1"}

    page = refusal(organiser_client.post(path, data={**form, "films": "5"}))

    assert "Someone is paying for this pass right now" in page
    assert fresh(FestivalPass, festival_pass.id).films == 2
    assert organiser_client.post(path, data=form).status_code == 303  # the name may change
    emu.pay(session_id_from(paying.location))
    holding = db.session.scalar(db.select(PassHolding).filter_by(order_id=latest_order(viewer).id))
    assert holding.films_allowed == 2
    assert organiser_client.post(path, data={**form, "films": "5"}).status_code == 303


# -- who may edit ---------------------------------------------------------------------------


def test_a_pass_withdrawn_from_sale_says_so_rather_than_blaming_the_country(
    client, festival, make_pass
):
    make_pass(active=False)
    page = client.get(f"/festivals/{festival.slug}", headers={"X-Test-Country": "NO"})
    text = page.get_data(as_text=True)
    assert "Withdrawn from sale" in text and "Not on sale where you are." not in text
