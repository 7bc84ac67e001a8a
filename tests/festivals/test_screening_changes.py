"""An organiser changes a screening after a viewer committed to it: a ticket booked with a pass
keeps the country it was booked in, as a ticket bought on its own does."""

from __future__ import annotations

import pytest

from storefront.extensions import db
from storefront.models import Entitlement, Screening, TerritoryMode, utcnow
from storefront.services.watching import playback
from storefront.services.watching.access import PlaybackRefused, Refusal

from .conftest import book, buy_ticket, fresh, session_id_from
from .test_editing import screening_form
from .test_passes import paid_pass


def edit(organiser_client, base, screening, **changes):  # type: ignore[no-untyped-def]
    saved = organiser_client.post(
        f"{base}/screenings/{screening.id}/edit", data=screening_form(screening, **changes)
    )
    assert saved.status_code == 303, saved.data
    db.session.expire_all()


def test_a_pass_booking_keeps_playing_where_it_was_booked_after_the_territories_narrow(
    organiser_client, base, viewer_client, viewer, make_pass, make_screening, emu, webhooks
):
    screening = make_screening(
        territory_mode=TerritoryMode.ALLOW, territories=[{"country": "NO"}, {"country": "SE"}]
    )
    holding = paid_pass(viewer_client, viewer, make_pass(films=2), emu)
    assert book(viewer_client, screening, holding.id, country="NO").status_code == 303
    ticket = db.session.scalar(db.select(Entitlement).filter_by(order_id=holding.order_id))

    edit(organiser_client, base, screening, countries="SE")  # Norway is no longer covered

    assert fresh(Screening, screening.id).territories == [{"country": "SE"}]
    kept, now, film = fresh(Entitlement, ticket.id), utcnow(), screening.title
    playback.check_territory(film, kept, "NO", now)  # booked in Norway, plays in Norway
    playback.check_territory(film, kept, "SE", now)  # and where the screening is sold now
    with pytest.raises(PlaybackRefused) as abroad:
        playback.check_territory(film, kept, "DK", now)
    assert abroad.value.code == Refusal.BLOCKED


def test_tickets_sold_before_the_column_existed_keep_the_country_they_were_bought_in(
    app, viewer_client, viewer, make_pass, make_screening, emu, webhooks
):
    """0023 copies a ticket's own order's country onto it; a pass booking, whose country was
    never recorded, keeps following the screening's territories."""
    from flask_migrate import downgrade, upgrade

    bought, booked = make_screening(), make_screening()
    ids = {bought.id: "bought", booked.id: "booked"}
    emu.pay(session_id_from(buy_ticket(viewer_client, bought, country="SE").location))
    holding = paid_pass(viewer_client, viewer, make_pass(films=1), emu)
    assert book(viewer_client, booked, holding.id, country="NO").status_code == 303
    db.session.execute(db.update(Entitlement).values(country=None))
    db.session.commit()
    db.session.remove()

    downgrade(revision="0022_festival_artwork")
    upgrade()

    rows = db.session.execute(db.select(Entitlement.screening_id, Entitlement.country)).all()
    assert {ids[screening]: country for screening, country in rows} == {
        "bought": "SE",
        "booked": None,
    }
