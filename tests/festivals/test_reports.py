"""What the festival, the filmmaker and the viewer read: festival sales and attendance (and
its export), the filmmaker's share of festival sales, the viewer's tickets and passes."""

from __future__ import annotations

import csv
import io

from storefront.extensions import db
from storefront.models import Entitlement, WatchProgress, utcnow

from .conftest import book, buy_pass, buy_ticket, latest_order, session_id_from, sign_in


def test_sales_attendance_and_shares(
    app, viewer_client, viewer, organiser, filmmaker, festival, make_screening, make_pass, emu,
    webhooks,
):  # fmt: skip
    screening = make_screening(capacity=50)
    emu.pay(session_id_from(buy_ticket(viewer_client, screening).location))
    emu.pay(session_id_from(buy_pass(viewer_client, make_pass(films=2)).location))
    holding_order = latest_order(viewer)
    second = make_screening()
    from storefront.models import PassHolding

    holding = db.session.scalar(db.select(PassHolding).filter_by(order_id=holding_order.id))
    assert book(viewer_client, second, holding.id).status_code == 303
    # The viewer starts the ticket's screening and watches it to the end.
    ticket = db.session.scalar(db.select(Entitlement).filter_by(screening_id=screening.id))
    ticket.started_at = utcnow()
    db.session.add(
        WatchProgress(
            user_id=viewer.id, title_id=screening.title_id, position_seconds=95,
            duration_seconds=100,
        )
    )  # fmt: skip
    db.session.commit()

    organiser_client = sign_in(app, organiser.email)
    studio_slug = festival.studio.slug
    report = organiser_client.get(f"/studio/{studio_slug}/festivals/{festival.slug}/report")
    exported = organiser_client.get(
        f"/studio/{studio_slug}/festivals/{festival.slug}/attendance.csv"
    )
    share_page = sign_in(app, filmmaker.email).get(
        f"/studio/{screening.title.studio.slug}/festival-invitations"
    )
    library = viewer_client.get("/library")

    text = report.get_data(as_text=True)
    assert report.status_code == 200
    assert "Northern Lights" in text and "Two-film pass" in text
    assert "€2.24" in text  # the festival's 30 % of the ticket's €7.47 net
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    by_id = {int(r["screening_id"]): r for r in rows}
    assert (by_id[screening.id]["tickets"], by_id[screening.id]["started"]) == ("1", "1")
    assert by_id[screening.id]["finished"] == "1" and by_id[screening.id]["capacity"] == "50"
    assert (by_id[second.id]["tickets"], by_id[second.id]["started"]) == ("1", "0")
    shares = share_page.get_data(as_text=True)
    assert share_page.status_code == 200
    # €7.47 less the festival's €2.24 for the ticket; the pass's booking stands for half of
    # its €19.12 net (€9.56), less the festival's 30 % (€2.87): €6.69.
    assert 'data-testid="own-share">€11.92' in shares
    assert "€12.43" in text  # the pass's net less what its booking paid the film
    page = library.get_data(as_text=True)
    assert "Festival ticket" in page and "Two-film pass" in page
    assert "1 screening left to book" in page


def test_the_attendance_export_writes_another_studios_title_as_text(
    app, organiser, festival, film, make_screening
):
    """Titles in the export are typed by the filmmakers' studios, not the organiser: one
    that starts like a formula must not run in the organiser's spreadsheet."""
    film.name = '=HYPERLINK("http://evil.example","Open")'
    db.session.commit()
    make_screening()

    exported = sign_in(app, organiser.email).get(
        f"/studio/{festival.studio.slug}/festivals/{festival.slug}/attendance.csv"
    )

    (row,) = csv.DictReader(io.StringIO(exported.get_data(as_text=True)))
    assert row["title"] == "'" + film.name
