"""A release brought forward: the offers that were to open at the release open with it, so
the viewers who pre-ordered can watch now (as their mail says) and others can buy."""

from __future__ import annotations

from datetime import timedelta

from storefront.extensions import db
from storefront.models import Offer, utcnow
from storefront.services.watching.access import MESSAGES, Refusal
from tests.payments.promo import logged_in

from . import test_preorders

# The pre-order of test_preorders.py: "Festival Darling", released in ten days, paid.
release, upcoming, paid_preorder = (
    test_preorders.release,
    test_preorders.upcoming,
    test_preorders.paid_preorder,
)
BLOCKED = str(MESSAGES[Refusal.BLOCKED])


def bring_forward(app, studio, title):  # type: ignore[no-untyped-def]
    owner = logged_in(app, studio.members[0].user.email)
    now = utcnow().replace(second=0, microsecond=0) - timedelta(minutes=1)
    response = test_preorders.move_release(
        owner, studio, title, now.strftime("%Y-%m-%dT%H:%M"), take=False
    )
    assert response.status_code == 303
    return now


def test_a_film_released_early_plays_for_the_viewer_who_preordered_it(
    app, paid_preorder, viewer_client, studio, upcoming
):
    bring_forward(app, studio, upcoming)

    page = viewer_client.get(f"/watch/{upcoming.slug}", headers={"X-Test-Country": "FR"})
    assert BLOCKED not in page.text


def test_offers_that_opened_at_the_release_follow_it_and_others_stay(
    app, paid_preorder, studio, upcoming, release
):
    later = release + timedelta(days=40)
    own_window = db.session.scalar(db.select(Offer).filter_by(title_id=upcoming.id, kind="rent"))
    own_window.available_from = later
    db.session.commit()

    now = bring_forward(app, studio, upcoming)

    db.session.expire_all()
    windows = {
        o.kind.value: o.available_from
        for o in db.session.scalars(db.select(Offer).filter_by(title_id=upcoming.id))
    }
    assert windows == {"buy": now, "rent": later}
