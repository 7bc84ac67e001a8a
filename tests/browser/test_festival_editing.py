"""An organiser edits a screening, a pass and the festival in Chromium at 390 px: the festival
page and each edit page fit the phone and pass axe-core, refusals next to the fields too."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from storefront.extensions import db
from storefront.models import FestivalPass, PassKind, Screening, utcnow
from storefront.services.promotion import festivals, screenings

from .accessibility import NARROW, assert_usable_and_accessible
from .test_festival import log_in


@pytest.fixture
def world(live_server, make_user, make_studio, make_title):  # type: ignore[no-untyped-def]
    filmmaker = make_user("fenna@example.org")
    film = make_title("Northern Lights", studio=make_studio(filmmaker, name="North Light Films"))
    organiser = make_user("frida@example.org")
    festival_studio = make_studio(organiser, name="Arctic Lights")
    today = utcnow().date()
    festival = festivals.create_festival(
        festival_studio, "Arctic Lights Festival", today, today + timedelta(days=5),
        "Europe/Oslo", 3000,
    )  # fmt: skip
    festivals.add_section(festival, "Competition")
    selection = festivals.invite_title(festival, film)
    festivals.respond(selection, filmmaker, accept=True)
    now = utcnow()
    screening = screenings.add_screening(
        selection, now + timedelta(days=1), now + timedelta(days=2), 800, "EUR", capacity=50
    )
    festival_pass = FestivalPass(
        festival_id=festival.id, name="Two-film pass", kind=PassKind.FILMS, films=2,
        amount=2000, currency="EUR",
    )  # fmt: skip
    db.session.add(festival_pass)
    db.session.commit()
    return {
        "organiser": organiser, "festival": festival, "studio": festival_studio,
        "screening": screening, "festival_pass": festival_pass,
    }  # fmt: skip


def test_the_edit_pages_fit_a_phone_pass_axe_and_save(page, world):
    festival, screening = world["festival"], world["screening"]
    manage = f"/studio/{world['studio'].slug}/festivals/{festival.slug}"
    page.set_viewport_size(NARROW)
    log_in(page, world["organiser"].email)

    assert_usable_and_accessible(page, manage)  # with its new edit links and remove buttons
    page.get_by_test_id(f"edit-screening-{screening.id}").click()
    expect(
        page.get_by_role("heading", name="Edit the screening of Northern Lights")
    ).to_be_visible()
    assert_usable_and_accessible(page, page.url)
    opens = page.get_by_label("Opens (festival time)").input_value()
    page.get_by_label("Closes (festival time)").fill(opens)  # closes as it opens
    page.get_by_role("button", name="Save the screening").click()
    expect(page.get_by_text("A screening must close after it opens.")).to_be_visible()
    _check_current_page(page)

    later = utcnow() + timedelta(days=3)
    page.get_by_label("Closes (festival time)").fill(
        later.astimezone(ZoneInfo("Europe/Oslo")).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_label("Seat cap (optional)").fill("many")
    page.get_by_role("button", name="Save the screening").click()
    expect(page.get_by_text("Enter a whole number.")).to_be_visible()
    expect(page.get_by_label("Seat cap (optional)")).to_have_value("many")  # nothing lost
    _check_current_page(page)
    page.get_by_label("Seat cap (optional)").fill("30")
    page.get_by_role("button", name="Save the screening").click()
    expect(page.get_by_text("Screening saved.")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(Screening, screening.id).capacity == 30

    page.get_by_test_id(f"edit-pass-{world['festival_pass'].id}").click()
    assert_usable_and_accessible(page, page.url)
    page.get_by_label("On sale").uncheck()
    page.get_by_role("button", name="Save the pass").click()
    expect(page.get_by_text("Withdrawn from sale")).to_be_visible()

    page.get_by_test_id("edit-festival-link").click()
    assert_usable_and_accessible(page, page.url)
    page.get_by_label("Name", exact=True).fill("Arctic Lights Online")
    page.get_by_role("button", name="Save the festival").click()
    expect(page.get_by_role("heading", name="Arctic Lights Online")).to_be_visible()


def _check_current_page(page) -> None:  # type: ignore[no-untyped-def]
    """The page as it is (a refused form is the answer to a POST): fits and passes axe."""
    from .accessibility import AXE

    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the refused form overflows by {overflow}px at 390 px wide"
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "async () => (await axe.run(document)).violations"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    assert violations == [], violations
