"""A refunded festival ticket on the library shelf leads back to the festival: to its
screening while tickets still sell, else to the festival's programme. Never to the film's
store page, which sells no festival ticket."""

from __future__ import annotations

from datetime import timedelta

from storefront.extensions import db
from storefront.models import EntitlementStatus, OrderStatus, utcnow

from .test_windows import ticket_for


def refund(ticket) -> None:  # type: ignore[no-untyped-def]
    ticket.status = EntitlementStatus.REVOKED
    ticket.order.status = OrderStatus.REFUNDED
    ticket.order.amount_refunded = ticket.order.amount
    db.session.commit()


def action(shelf: str) -> str:
    return shelf.split('class="library-actions"', 1)[1].split("</p>", 1)[0]


def test_a_refunded_ticket_leads_back_to_its_screening(
    client, auth, viewer, festival, make_screening
):
    screening = make_screening()
    refund(ticket_for(viewer, screening))
    auth.login(viewer.email)

    link = action(client.get("/library").text)

    assert f'href="/festivals/{festival.slug}#screening-{screening.id}"' in link
    assert f"/films/{screening.title.slug}" not in link
    page = client.get(f"/festivals/{festival.slug}", headers={"X-Test-Country": "NO"}).text
    # Once, though the screening is listed under "On now" and in the schedule: a repeated
    # id leaves the link's target undefined and fails the accessibility check.
    assert "On now" in page
    assert page.count(f' id="screening-{screening.id}"') == 1


def test_a_refunded_ticket_for_a_sold_out_screening_leads_to_the_festival(
    client, auth, viewer, festival, make_screening
):
    screening = make_screening(capacity=1)
    refund(ticket_for(viewer, screening))
    screening.seats_taken = 1  # the seat given back was sold again
    db.session.commit()
    auth.login(viewer.email)

    link = action(client.get("/library").text)

    assert f'href="/festivals/{festival.slug}"' in link and "See the festival" in link


def test_a_refunded_ticket_for_a_closed_screening_leads_to_the_festival(
    client, auth, viewer, festival, make_screening
):
    now = utcnow()
    screening = make_screening(now - timedelta(hours=5), now - timedelta(hours=1))
    refund(ticket_for(viewer, screening))
    auth.login(viewer.email)

    link = action(client.get("/library").text)

    assert f'href="/festivals/{festival.slug}"' in link and "See the festival" in link
