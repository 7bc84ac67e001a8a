"""Organisers edit their festival and its screenings through the studio's forms: a sound edit
is saved; anything wrong is shown next to its field with what was typed, and nothing is saved;
what viewers already bought keeps the terms they bought (passes: test_pass_editing.py)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from storefront.extensions import db
from storefront.models import (
    Entitlement,
    Festival,
    FestivalPass,
    FestivalSelection,
    ProgrammeSection,
    Screening,
    TerritoryMode,
    utcnow,
)
from storefront.services.watching import access, playback
from storefront.services.watching.access import PlaybackRefused

from .conftest import (
    buy_ticket,
    fresh,
    latest_order,
    refusal,
    session_id_from,
    sign_in,
)

OSLO = ZoneInfo("Europe/Oslo")


def oslo(at) -> str:  # type: ignore[no-untyped-def]
    """A moment as typed into a datetime-local field on the festival's (Oslo) clock."""
    return at.astimezone(OSLO).strftime("%Y-%m-%dT%H:%M")


def terms(screening: Screening) -> tuple:
    s = fresh(Screening, screening.id)
    return (
        s.opens_at,
        s.closes_at,
        s.capacity,
        s.watch_hours,
        s.amount,
        s.currency,
        s.territory_mode,
        s.territories,
    )


def screening_form(screening: Screening, **changes: str) -> dict[str, str]:
    form = {
        "opens": oslo(screening.opens_at),
        "closes": oslo(screening.closes_at),
        "watch_hours": str(screening.watch_hours),
        "capacity": "" if screening.capacity is None else str(screening.capacity),
        "price": "8.00",
        "currency": "EUR",
        "countries": "",
        "prices": "",
    }
    return {**form, **changes}


def paid_ticket(client, viewer, screening, emu) -> Entitlement:  # type: ignore[no-untyped-def]
    response = buy_ticket(client, screening)
    assert response.status_code == 303, response.data
    emu.pay(session_id_from(response.location))
    order = latest_order(viewer)
    return db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id))


# -- the festival -------------------------------------------------------------------------


def test_the_festival_details_and_sections_are_edited(organiser_client, base, festival, selection):
    competition = selection.section
    shorts = ProgrammeSection(festival_id=festival.id, name="Shorts", position=1)
    db.session.add(shorts)
    db.session.commit()
    page = organiser_client.get(f"{base}/edit")
    assert page.status_code == 200
    assert 'value="Arctic Film Festival 2027"' in page.get_data(as_text=True)

    saved = organiser_client.post(
        f"{base}/edit",
        data={
            "name": "Arctic Film Festival 2027 (online)",
            "starts_on": "2027-02-10",
            "ends_on": "2027-02-20",
            "timezone": "America/Toronto",
            "description": "Films from the north.",
            f"section-{competition.id}": "Main competition",
            f"section-{shorts.id}": "",
            "new_section": "Retrospective",
        },
    )

    assert saved.status_code == 303 and saved.location.endswith(base)
    db.session.expire_all()
    edited = db.session.get(Festival, festival.id)
    assert edited.name == "Arctic Film Festival 2027 (online)"
    assert (edited.starts_on.isoformat(), edited.ends_on.isoformat()) == (
        "2027-02-10",
        "2027-02-20",
    )
    assert edited.timezone == "America/Toronto" and edited.description == "Films from the north."
    assert edited.slug == festival.slug  # shared links keep working
    assert [s.name for s in edited.sections] == ["Main competition", "Retrospective"]
    assert fresh(FestivalSelection, selection.id).section_id == competition.id


def test_a_bad_festival_edit_saves_nothing_and_keeps_what_was_typed(
    organiser_client, base, festival
):
    before = (festival.name, festival.starts_on, festival.ends_on, festival.timezone)
    form = {
        "name": "Renamed festival",
        "starts_on": "2027-02-20",
        "ends_on": "2027-02-10",
        "timezone": "Mars/Olympus",
        "description": "typed text",
    }

    page = refusal(organiser_client.post(f"{base}/edit", data=form))

    assert "A festival cannot end before it starts." in page
    assert "Unknown time zone: Mars/Olympus" in page
    assert 'value="Renamed festival"' in page and "typed text" in page
    assert 'aria-invalid="true"' in page
    db.session.expire_all()
    after = db.session.get(Festival, festival.id)
    assert (after.name, after.starts_on, after.ends_on, after.timezone) == before
    not_a_date = refusal(organiser_client.post(f"{base}/edit", data={**form, "ends_on": "soon"}))
    assert "Enter dates such as 2027-02-12." in not_a_date


# -- screenings ---------------------------------------------------------------------------


def test_a_screening_is_edited_through_its_form(organiser_client, base, make_screening):
    screening = make_screening(capacity=40)
    page = organiser_client.get(f"{base}/screenings/{screening.id}/edit")
    assert page.status_code == 200
    assert f'value="{oslo(screening.opens_at)}"' in page.get_data(as_text=True)
    opens = utcnow().replace(second=0, microsecond=0) + timedelta(days=3)

    saved = organiser_client.post(
        f"{base}/screenings/{screening.id}/edit",
        data=screening_form(
            screening,
            opens=oslo(opens),
            closes=oslo(opens + timedelta(hours=6)),
            capacity="25",
            watch_hours="48",
            price="9.50",
            countries="NO, SE",
            prices="SE:SEK:109",
        ),
    )

    assert saved.status_code == 303, saved.data
    edited = fresh(Screening, screening.id)
    assert (edited.opens_at, edited.closes_at) == (opens, opens + timedelta(hours=6))
    assert (edited.capacity, edited.watch_hours, edited.amount) == (25, 48, 950)
    assert edited.territory_mode == TerritoryMode.ALLOW
    assert {r["country"]: r.get("amount") for r in edited.territories} == {
        "NO": None,
        "SE": 10900,
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"closes": "OPENS_MINUS_ONE_HOUR"}, "A screening must close after it opens."),
        ({"price": "-5"}, "The price must be more than zero."),
        ({"capacity": "lots"}, "Enter a whole number."),
        ({"capacity": "0"}, "A seat cap is at least one seat."),
        ({"opens": "tomorrow"}, "Enter dates and times such as 2027-02-12T20:00."),
        ({"countries": "Norway"}, "Countries are two-letter codes such as NO or SE."),
        ({"capacity": "2000000"}, "A seat cap is at most 1000000 seats."),
        ({"capacity": "99999999999999999999"}, "A seat cap is at most 1000000 seats."),
        ({"watch_hours": "0"}, "Give viewers from 1 to 720 hours to watch."),
        ({"watch_hours": "721"}, "Give viewers from 1 to 720 hours to watch."),
        ({"watch_hours": "99999999999999999999"}, "Give viewers from 1 to 720 hours to watch."),
        ({"live_start": "AFTER_CLOSE"}, "A live start must fall within the screening"),
    ],
)
def test_bad_screening_input_is_shown_and_nothing_changes(
    organiser_client, base, make_screening, changes, message
):
    screening = make_screening(capacity=40)
    before = terms(screening)
    if changes.get("closes") == "OPENS_MINUS_ONE_HOUR":
        changes = {"closes": oslo(screening.opens_at - timedelta(hours=1))}
    if changes.get("live_start") == "AFTER_CLOSE":
        changes = {"live_start": oslo(screening.closes_at + timedelta(hours=1))}
    # A sound change typed alongside the bad one is not saved either.
    form = screening_form(screening, **{"capacity": "72", **changes})

    page = refusal(organiser_client.post(f"{base}/screenings/{screening.id}/edit", data=form))

    assert message in page
    typed = form["capacity"] if "capacity" in changes else "72"
    assert f'value="{typed}"' in page  # what was typed is still there
    assert terms(screening) == before


def test_the_cap_cannot_go_below_tickets_sold_and_held(
    app, make_user, organiser_client, base, viewer_client, viewer, make_screening, emu, webhooks
):
    screening = make_screening(capacity=10)
    paid_ticket(viewer_client, viewer, screening, emu)
    paying = sign_in(app, make_user("paying@example.org").email)
    assert buy_ticket(paying, screening).status_code == 303  # held while its buyer pays
    assert fresh(Screening, screening.id).seats_taken == 2
    path = f"{base}/screenings/{screening.id}/edit"

    page = refusal(organiser_client.post(path, data=screening_form(screening, capacity="1")))

    assert "The seat cap cannot go below 2" in page
    assert fresh(Screening, screening.id).capacity == 10
    assert organiser_client.post(
        path, data=screening_form(screening, capacity="2")
    ).status_code == (303)
    assert fresh(Screening, screening.id).capacity == 2
    third = sign_in(app, make_user("third@example.org").email)
    assert buy_ticket(third, screening).status_code == 409  # sold out under the new cap


def test_ticket_holders_keep_the_terms_they_bought_after_a_reschedule(
    app, make_user, organiser_client, base, viewer_client, viewer, make_screening, emu, webhooks
):
    now = utcnow().replace(second=0, microsecond=0)
    screening = make_screening(
        now - timedelta(hours=1),
        now + timedelta(days=1),
        territory_mode=TerritoryMode.ALLOW,
        territories=[{"country": "NO"}],
    )
    ticket = paid_ticket(viewer_client, viewer, screening, emu)
    bought = (ticket.not_before, ticket.start_by, ticket.watch_hours)
    moved = now - timedelta(minutes=30)  # the window moves and shortens to three hours

    saved = organiser_client.post(
        f"{base}/screenings/{screening.id}/edit",
        data=screening_form(
            screening,
            opens=oslo(moved),
            closes=oslo(moved + timedelta(hours=3)),
            watch_hours="6",
            countries="SE",
        ),
    )

    assert saved.status_code == 303, saved.data
    db.session.expire_all()
    assert fresh(Screening, screening.id).territories == [{"country": "SE"}]
    kept = fresh(Entitlement, ticket.id)
    assert (kept.not_before, kept.start_by, kept.watch_hours) == bought
    after_new_close = now + timedelta(hours=5)
    assert access.entitlement_refusal(kept, after_new_close) is None  # its own window still runs
    playback.check_territory(screening.title, kept, "NO", now)  # bought in NO, plays in NO
    with pytest.raises(PlaybackRefused):
        playback.check_territory(screening.title, kept, "DK", now)
    # A new ticket is sold on the new terms.
    other = make_user("late@example.org")
    late = sign_in(app, other.email)
    response = late.post(
        f"/festivals/{screening.festival.slug}/screenings/{screening.id}/ticket",
        headers={"X-Test-Country": "SE"},
    )
    assert response.status_code == 303, response.data
    emu.pay(session_id_from(response.location))
    new = db.session.scalar(db.select(Entitlement).filter_by(order_id=latest_order(other).id))
    assert (new.not_before, new.start_by, new.watch_hours) == (
        moved,
        moved + timedelta(hours=3),
        6,
    )
    assert access.entitlement_refusal(new, after_new_close) == access.Refusal.SCREENING_CLOSED


def test_a_buyer_paying_during_an_edit_gets_the_watching_time_they_were_sold(
    organiser_client, base, viewer_client, viewer, make_screening, emu, webhooks
):
    screening = make_screening()
    response = buy_ticket(viewer_client, screening)
    assert response.status_code == 303
    assert (
        organiser_client.post(
            f"{base}/screenings/{screening.id}/edit",
            data=screening_form(screening, watch_hours="2"),
        ).status_code
        == 303
    )

    emu.pay(session_id_from(response.location))

    ticket = db.session.scalar(db.select(Entitlement).filter_by(order_id=latest_order(viewer).id))
    assert ticket.watch_hours == 24


def test_a_screening_with_tickets_is_not_removed(
    organiser_client, base, viewer_client, viewer, make_screening, emu, webhooks
):
    sold = make_screening()
    unsold = make_screening()
    sold_id, unsold_id = sold.id, unsold.id
    paid_ticket(viewer_client, viewer, sold, emu)

    refused = organiser_client.post(f"{base}/screenings/{sold.id}/remove")
    removed = organiser_client.post(f"{base}/screenings/{unsold.id}/remove")

    assert refused.status_code == 400
    assert "cannot be removed" in refused.get_data(as_text=True)
    assert removed.status_code == 303
    db.session.expire_all()
    assert db.session.get(Screening, sold_id) is not None
    assert db.session.get(Screening, unsold_id) is None


# -- passes -------------------------------------------------------------------------------


def test_another_studio_cannot_edit_the_festival(
    app, make_user, make_studio, base, make_screening, make_pass
):
    screening = make_screening(capacity=40)
    festival_pass = make_pass()
    outsider = make_user("rival@example.org")
    make_studio(outsider, name="Rival Festival")
    client = sign_in(app, outsider.email)
    before = terms(screening)

    for path in (
        f"{base}/edit",
        f"{base}/screenings/{screening.id}/edit",
        f"{base}/passes/{festival_pass.id}/edit",
    ):
        assert client.get(path).status_code == 404
        assert client.post(path, data={"name": "Taken over", "capacity": "1"}).status_code == 404
    assert client.post(f"{base}/screenings/{screening.id}/remove").status_code == 404

    assert terms(screening) == before
    assert fresh(FestivalPass, festival_pass.id).name == festival_pass.name
    db.session.expire_all()
    assert db.session.get(Screening, screening.id) is not None


def test_an_organiser_hides_the_festival_from_the_store_and_shows_it_again(
    organiser_client, client, base, festival
):
    """A festival is public from its creation: one made by mistake, or still being prepared,
    must not stay on the store's festival list for good."""
    form = {
        "name": festival.name,
        "starts_on": festival.starts_on.isoformat(),
        "ends_on": festival.ends_on.isoformat(),
        "timezone": festival.timezone,
        "published": "0",  # the box unticked: only the hidden field is sent
    }
    assert 'name="published"' in organiser_client.get(f"{base}/edit").get_data(as_text=True)
    assert organiser_client.post(f"{base}/edit", data=form).status_code == 303

    assert client.get(f"/festivals/{festival.slug}").status_code == 404
    assert festival.name not in client.get("/festivals/").get_data(as_text=True)
    manage = organiser_client.get(base).get_data(as_text=True)  # its organisers still reach it
    assert "Hidden from the store" in manage

    shown = {**form, "published": ["0", "1"]}
    assert organiser_client.post(f"{base}/edit", data=shown).status_code == 303
    assert client.get(f"/festivals/{festival.slug}").status_code == 200
    assert festival.name in client.get("/festivals/").get_data(as_text=True)
