"""A festival's dates and revenue share read as the viewer's language writes them, not as
ISO dates and a decimal point."""

from __future__ import annotations

from datetime import date

import pytest

from storefront.extensions import db
from storefront.services.promotion import festivals

from ..conftest import PASSWORD


@pytest.fixture
def winter_festival(festival_studio):
    found = festivals.create_festival(
        festival_studio, "Polar Nights", date(2027, 2, 12), date(2027, 2, 21), "Europe/Oslo", 2250
    )
    db.session.commit()
    return found


@pytest.mark.parametrize(
    ("language", "dates"),
    [("fr", "12–21 févr. 2027"), ("ja", "2027年2月12日～21日"), ("ar", "12–21 فبراير 2027")],
)
def test_festival_pages_give_dates_in_the_viewers_language(
    client, winter_festival, language, dates
):
    headers = {"Accept-Language": language}
    for path in ("/festivals/", f"/festivals/{winter_festival.slug}"):
        page = client.get(path, headers=headers).text
        assert dates in page, path
        assert "2027-02-12" not in page, path


def test_the_organiser_reads_dates_and_share_in_french(client, organiser, winter_festival):
    client.post("/login", data={"email": organiser.email, "password": PASSWORD})
    headers = {"Accept-Language": "fr"}
    studio = winter_festival.studio.slug
    listed = client.get(f"/studio/{studio}/festivals", headers=headers).text
    assert "12–21 févr. 2027" in listed
    page = client.get(f"/studio/{studio}/festivals/{winter_festival.slug}", headers=headers).text
    assert "12–21 févr. 2027" in page
    assert "22,5 %" in page
    assert "2027-02-12" not in page


def test_a_selections_share_is_a_french_number(client, organiser, festival, selection):
    selection.share_bp = 1750
    db.session.commit()
    client.post("/login", data={"email": organiser.email, "password": PASSWORD})
    path = f"/studio/{festival.studio.slug}/festivals/{festival.slug}"
    page = client.get(path, headers={"Accept-Language": "fr"}).text
    row = page.split(f'data-testid="selection-{selection.id}"', 1)[1].split("</tr>", 1)[0]
    assert "17,5 %" in row and "17.5" not in row


def test_the_invited_studio_reads_the_share_in_french(client, filmmaker, studio, selection):
    selection.share_bp = 1750
    db.session.commit()
    client.post("/login", data={"email": filmmaker.email, "password": PASSWORD})
    page = client.get(
        f"/studio/{studio.slug}/festival-invitations", headers={"Accept-Language": "fr"}
    ).text
    invitation = page.split(f'data-testid="invitation-{selection.id}"', 1)[1].split("</p>")[0]
    assert "17,5 %" in invitation and "17.5" not in invitation
