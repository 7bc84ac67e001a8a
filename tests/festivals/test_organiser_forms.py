"""The organiser's forms: each post either changes the festival and goes back to it, or
refuses with the reason and changes nothing."""

from __future__ import annotations

from datetime import timedelta

from storefront.extensions import db
from storefront.models import (
    Festival,
    FestivalPass,
    FestivalSelection,
    PassKind,
    ProgrammeSection,
    Screening,
    SelectionStatus,
    TerritoryMode,
    utcnow,
)


def count(model) -> int:  # type: ignore[no-untyped-def]
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def refusal(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 400, response.status_code
    return response.get_data(as_text=True)


def local(at) -> str:  # type: ignore[no-untyped-def]
    return at.strftime("%Y-%m-%dT%H:%M")


def test_a_festival_is_created_or_refused_with_the_reason(organiser_client, festival_studio):
    path = f"/studio/{festival_studio.slug}/festivals"
    form = {"name": "Midnight Sun", "timezone": "Europe/Oslo", "share": "25"}
    bad = organiser_client.post(path, data={**form, "starts_on": "soon", "ends_on": ""})
    assert "Enter dates such as 2027-02-12." in refusal(bad)
    dates = {"starts_on": "2027-06-01", "ends_on": "2027-06-05"}
    # The same rules as editing a festival: a name the page can hold, dates in order.
    too_long = organiser_client.post(path, data={**form, **dates, "name": "M" * 161})
    assert "Give the festival a name of up to 160 characters." in refusal(too_long)
    backwards = {"starts_on": "2027-06-05", "ends_on": "2027-06-01"}
    assert "A festival cannot end before it starts." in refusal(
        organiser_client.post(path, data={**form, **backwards})
    )
    for share in ("1e309", "inf", "nan"):  # no percentage, and no 500 either
        refused = organiser_client.post(path, data={**form, **dates, "share": share})
        assert "Enter the festival&#39;s share as a percentage." in refusal(refused)
    assert count(Festival) == 0
    good = organiser_client.post(path, data={**form, **dates})
    assert good.status_code == 303 and "/festivals/" in good.location


def test_sections_and_invitations(organiser_client, base, festival, film):
    assert "Name the section." in refusal(organiser_client.post(f"{base}/sections", data={}))
    # The rule that renames a section: a name its column holds (PostgreSQL refused 121).
    too_long = organiser_client.post(f"{base}/sections", data={"name": "S" * 121})
    assert "A section&#39;s name has up to 120 characters." in refusal(too_long)
    assert count(ProgrammeSection) == 0
    assert organiser_client.post(f"{base}/sections", data={"name": "Shorts"}).status_code == 303
    section = db.session.scalar(db.select(ProgrammeSection).filter_by(name="Shorts"))

    unknown = organiser_client.post(f"{base}/invitations", data={"title": "/films/nowhere"})
    assert "No film has that address." in refusal(unknown)
    invited = organiser_client.post(
        f"{base}/invitations",
        data={"title": f"/films/{film.slug}/", "section": section.id, "share": "20"},
    )
    assert invited.status_code == 303
    selection = db.session.scalar(db.select(FestivalSelection))
    assert selection.title_id == film.id and selection.section_id == section.id
    assert selection.status == SelectionStatus.INVITED and selection.share_bp == 2000
    again = organiser_client.post(f"{base}/invitations", data={"title": film.slug})
    assert again.status_code == 400 and count(FestivalSelection) == 1


def test_a_screening_needs_an_accepted_film_and_sound_terms(
    organiser_client, base, festival, film, selection
):
    now = utcnow()
    form = {
        "selection": selection.id,
        "opens": local(now + timedelta(days=1)),
        "closes": local(now + timedelta(days=2)),
        "price": "8",
        "currency": "EUR",
        "countries": "NO, SE",
        "prices": "SE:SEK:99",
        "capacity": "40",
    }
    assert "Choose a film of the programme." in refusal(
        organiser_client.post(f"{base}/screenings", data={**form, "selection": "0"})
    )
    assert "Enter dates and times such as 2027-02-12T20:00." in refusal(
        organiser_client.post(f"{base}/screenings", data={**form, "opens": "tomorrow"})
    )
    assert "two-letter codes" in refusal(
        organiser_client.post(f"{base}/screenings", data={**form, "countries": "Norway"})
    )
    # An id past the id column (PostgreSQL's INTEGER) names no selection.
    assert "Choose a film of the programme." in refusal(
        organiser_client.post(f"{base}/screenings", data={**form, "selection": "9" * 20})
    )
    # Seats and hours a person can mean, by the rule that edits a screening.
    for changes, message in (
        ({"capacity": "9" * 20}, "A seat cap is at most 1000000 seats."),
        ({"watch_hours": "-1"}, "Give viewers from 1 to 720 hours to watch."),
        ({"watch_hours": "9" * 20}, "Give viewers from 1 to 720 hours to watch."),
    ):
        page = refusal(organiser_client.post(f"{base}/screenings", data={**form, **changes}))
        assert message in page
    assert count(Screening) == 0

    assert organiser_client.post(f"{base}/screenings", data=form).status_code == 303
    screening = db.session.scalar(db.select(Screening))
    assert (screening.amount, screening.currency, screening.capacity) == (800, "EUR", 40)
    assert screening.territory_mode == TerritoryMode.ALLOW
    assert {row["country"] for row in screening.territories} == {"NO", "SE"}

    selection.status = SelectionStatus.INVITED
    db.session.commit()
    assert "Its studio has not accepted the invitation yet." in refusal(
        organiser_client.post(f"{base}/screenings", data=form)
    )
    assert count(Screening) == 1


def test_a_pass_is_added_or_refused(organiser_client, base, festival):
    form = {"name": "Five films", "price": "30", "currency": "EUR"}
    assert "A pass is good for at least one screening." in refusal(
        organiser_client.post(f"{base}/passes", data={**form, "films": "0"})
    )
    # The rules that edit a pass: an allowance and a name its columns hold.
    for changes, message in (
        ({"films": "1001"}, "A pass is good for at most 1000 screenings."),
        ({"films": "9" * 20}, "A pass is good for at most 1000 screenings."),
        ({"name": "P" * 121}, "Give the pass a name of up to 120 characters."),
    ):
        page = refusal(organiser_client.post(f"{base}/passes", data={**form, **changes}))
        assert message in page
    assert count(FestivalPass) == 0
    assert organiser_client.post(f"{base}/passes", data={**form, "films": "5"}).status_code == 303
    assert organiser_client.post(f"{base}/passes", data={"price": "90", "currency": "EUR"})
    passes = db.session.scalars(db.select(FestivalPass).order_by(FestivalPass.id)).all()
    assert [(p.name, p.kind, p.films, p.amount) for p in passes] == [
        ("Five films", PassKind.FILMS, 5, 3000),
        ("Festival pass", PassKind.ALL_ACCESS, None, 9000),
    ]
    assert all(p.territory_mode == TerritoryMode.WORLDWIDE for p in passes)


def field_value(page: str, field_id: str) -> str | None:
    """The value an input of the page holds, or None without one."""
    import re

    tag = re.search(rf'<input id="{field_id}"[^>]*>', page)
    assert tag is not None, field_id
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else None


def test_a_refused_form_comes_back_with_what_was_typed(
    organiser_client, festival_studio, base, festival, selection
):
    """Nine fields of a screening are not typed twice because one of them was wrong."""
    now = utcnow()
    form = {
        "selection": selection.id,
        "opens": local(now + timedelta(days=1)),
        "closes": local(now + timedelta(days=2)),
        "live_start": "",
        "watch_hours": "6",
        "capacity": "40",
        "countries": "NO, SE",
        "price": "8",
        "currency": "EUR",
        "prices": "SE:SEK",  # no amount
    }
    page = refusal(organiser_client.post(f"{base}/screenings", data=form))
    assert 'role="alert"' in page
    for field_id, name in (("c-open", "opens"), ("c-close", "closes"), ("c-hours", "watch_hours"),
                           ("c-cap", "capacity"), ("c-countries", "countries"),
                           ("c-price", "price"), ("c-prices", "prices")):  # fmt: skip
        assert field_value(page, field_id) == form[name], field_id
    assert field_value(page, "p-price") is None  # the other forms start afresh

    pass_form = {"name": "Weekend pass", "films": "3", "price": "lots", "currency": "EUR"}
    page = refusal(organiser_client.post(f"{base}/passes", data=pass_form))
    assert field_value(page, "p-name") == "Weekend pass" and field_value(page, "p-films") == "3"
    assert field_value(page, "p-price") == "lots"

    invite = {"title": "/films/nowhere", "share": "12.5"}
    page = refusal(organiser_client.post(f"{base}/invitations", data=invite))
    assert (
        field_value(page, "i-title") == "/films/nowhere" and field_value(page, "i-share") == "12.5"
    )

    new = {
        "name": "Midnight Sun",
        "starts_on": "2027-06-05",
        "ends_on": "2027-06-01",
        "timezone": "Europe/Oslo",
        "share": "25",
        "description": "Films of the light nights.",
    }
    page = refusal(organiser_client.post(f"/studio/{festival_studio.slug}/festivals", data=new))
    assert field_value(page, "f-name") == "Midnight Sun"
    assert (
        field_value(page, "f-start") == "2027-06-05" and field_value(page, "f-end") == "2027-06-01"
    )
    assert '<option value="Europe/Oslo" selected>' in page  # the time zone picker
    assert field_value(page, "f-share") == "25"
    assert ">Films of the light nights.</textarea>" in page


def test_numbers_that_are_not_whole_numbers_are_refused_not_read_as_empty(
    organiser_client, base, festival, selection
):
    """A seat cap typed "1,000" (or "forty") was read as no cap, and a pass for "three"
    films as an all-access pass sold at a three-film price: the add forms dropped what they
    could not read where the edit forms say so."""
    now = utcnow()
    screening = {
        "selection": selection.id,
        "opens": local(now + timedelta(days=1)),
        "closes": local(now + timedelta(days=2)),
        "price": "8",
        "currency": "EUR",
    }
    for changes in ({"capacity": "1,000"}, {"capacity": "forty"}, {"watch_hours": "48h"}):
        page = refusal(organiser_client.post(f"{base}/screenings", data={**screening, **changes}))
        assert "Enter a whole number." in page
    none = {**screening, "watch_hours": "0"}
    zero = refusal(organiser_client.post(f"{base}/screenings", data=none))
    assert "Give viewers from 1 to 720 hours to watch." in zero  # not the default 24
    assert count(Screening) == 0

    festival_pass = {"name": "Three films", "price": "30", "currency": "EUR", "films": "three"}
    assert "Enter a whole number." in refusal(
        organiser_client.post(f"{base}/passes", data=festival_pass)
    )
    assert count(FestivalPass) == 0


LIVE_SALES = "A live screening stops selling tickets when its film ends"


def test_the_screening_forms_say_when_live_sales_stop(organiser_client, base, screening):
    added = organiser_client.get(base)
    edited = organiser_client.get(f"{base}/screenings/{screening.id}/edit")
    french = organiser_client.get(base, headers={"Accept-Language": "fr"})

    for page in (added, edited):
        assert LIVE_SALES in page.text
        assert "sells until the screening closes" in page.text
    assert "Une projection en direct cesse de vendre des billets" in french.text
