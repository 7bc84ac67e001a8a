"""A festival order's pages name what was sold: a ticket or a pass, not a purchase of the film."""

from __future__ import annotations

from storefront.models import Studio

from .conftest import buy_pass, buy_ticket, latest_order, session_id_from, sign_in


def test_the_buyers_order_page_says_ticket_and_pass(
    viewer_client, viewer, screening, make_pass, emu, webhooks
):
    buy_ticket(viewer_client, screening)
    ticket = latest_order(viewer)
    page = viewer_client.get(f"/orders/{ticket.public_id}/done").get_data(as_text=True)
    assert "Festival ticket ·" in page and "Purchase" not in page

    response = buy_pass(viewer_client, make_pass())
    emu.pay(session_id_from(response.location))
    festival_pass = latest_order(viewer)
    page = viewer_client.get(f"/orders/{festival_pass.public_id}/done").get_data(as_text=True)
    assert "Festival pass ·" in page and "Purchase" not in page


def test_the_films_studio_reads_a_festival_ticket_on_its_order_page(
    app, viewer_client, viewer, screening, filmmaker, studio: Studio, emu, webhooks
):
    response = buy_ticket(viewer_client, screening)
    emu.pay(session_id_from(response.location))
    order = latest_order(viewer)

    client = sign_in(app, filmmaker.email)
    page = client.get(f"/studio/{studio.slug}/orders/{order.public_id}").get_data(as_text=True)

    assert "<dd>Festival ticket</dd>" in page
    assert "<dd>Purchase</dd>" not in page


def test_a_paid_pass_leads_back_to_the_festival_to_book(
    viewer_client, viewer, festival, make_pass, emu, webhooks
):
    """A pass has nothing to watch by itself: its order page must not be a dead end."""
    response = buy_pass(viewer_client, make_pass())
    emu.pay(session_id_from(response.location))
    order = latest_order(viewer)

    page = viewer_client.get(f"/orders/{order.public_id}/done").get_data(as_text=True)

    assert f'href="/festivals/{festival.slug}"' in page and "Back to the festival" in page


def test_an_expired_ticket_order_tries_again_at_its_screening_not_the_films_checkout(
    viewer_client, viewer, festival, screening
):
    """Tickets are sold on the festival's programme; the film's own checkout sells none."""
    from storefront.extensions import db
    from storefront.models import OrderStatus

    buy_ticket(viewer_client, screening)
    order = latest_order(viewer)
    order.status = OrderStatus.EXPIRED
    db.session.commit()

    page = viewer_client.get(f"/orders/{order.public_id}/done").get_data(as_text=True)

    assert "Try again" in page
    assert f'href="/festivals/{festival.slug}#screening-{screening.id}">Try again' in page
    assert "/checkout/" not in page
