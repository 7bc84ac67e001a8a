"""Facts lists (a label, then its value) fit a phone when a value is one long word: a studio's
contact email and website on its overview at 390 px."""

from __future__ import annotations

from storefront.extensions import db

from .accessibility import NARROW
from .test_festival import log_in


def test_a_long_contact_email_and_website_fit_the_studio_overview(page, make_user, make_studio):
    owner = make_user("programme-office@arctic-lights-festival.example.org")
    studio = make_studio(owner, name="Arctic Lights")
    studio.website = "https://www.arctic-lights-festival.example.org/programme"
    db.session.commit()
    log_in(page, owner.email)

    page.set_viewport_size(NARROW)
    page.goto(f"/studio/{studio.slug}/")

    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the studio overview overflows by {overflow}px at 390 px wide"
    email = page.get_by_text(owner.email, exact=True)
    assert email.bounding_box()["x"] + email.bounding_box()["width"] <= NARROW["width"]
