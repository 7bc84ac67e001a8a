"""Tables on a phone keep their words whole: at 390 px a wide table scrolls sideways inside
its own region (focusable and named, for the keyboard and for screen readers), the page does
not, and no cell breaks a name, an address or an amount in the middle of a word."""

from __future__ import annotations

from storefront.extensions import db
from storefront.models import StudioMember, StudioRole, utcnow
from storefront.services.promotion.screeners import ScreenerPlan, send_screener

from .accessibility import NARROW
from .pages import BROKEN_WORDS, OVERFLOW
from .test_festival import log_in

LONG_NAME = "Kristoffersen Østergaard-Vindheim"
LONG_EMAIL = "programme.office@internationalfilmfestivalrotterdam.example"


def fits_with_whole_words(page, path: str) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size(NARROW)
    page.goto(path)
    page.wait_for_load_state("load")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{path}: {overflow}px too wide at 390 px: {page.evaluate(OVERFLOW)}"
    assert page.evaluate(BROKEN_WORDS, "main") == [], path
    region = page.locator("main .table-scroll").first
    assert region.get_attribute("role") == "region" and region.get_attribute("tabindex") == "0"
    assert region.get_attribute("aria-label") or region.get_attribute("aria-labelledby")
    # Too wide for the phone, the table scrolls inside its region.
    assert page.evaluate(
        "() => { const r = document.querySelector('main .table-scroll');"
        " return r.scrollWidth > r.clientWidth; }"
    )


def test_members_and_screeners_tables_keep_words_whole_at_390_px(
    page, make_user, make_studio, make_title
):
    owner = make_user("owner@example.org", display_name="Ingrid Haugland-Sørensen")
    studio = make_studio(owner, name="Arctic Lights")
    member = make_user(LONG_EMAIL, display_name=LONG_NAME)
    db.session.add(StudioMember(studio=studio, user=member, role=StudioRole.FINANCE))
    film = make_title("Transfiguration Nocturnes", studio=studio)
    send_screener(
        studio,
        ScreenerPlan(film.id, LONG_NAME, LONG_EMAIL, note="Programmkommissionsvorsitzende"),
        utcnow(),
        owner,
    )
    db.session.commit()
    log_in(page, owner.email)

    fits_with_whole_words(page, f"/studio/{studio.slug}/members")
    fits_with_whole_words(page, f"/studio/{studio.slug}/screeners")
