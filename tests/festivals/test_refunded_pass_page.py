"""The festival page after a pass is refunded: the tickets it booked are gone, so the viewer
is offered the screenings again rather than told they hold a ticket they cannot play."""

from __future__ import annotations

from .conftest import book, buy_ticket, latest_order
from .test_passes import paid_pass


def test_after_a_pass_is_refunded_its_screenings_can_be_bought_again(
    viewer_client, viewer, make_pass, make_screening, festival, emu, webhooks, sdk
):
    screening = make_screening(capacity=5)
    holding = paid_pass(viewer_client, viewer, make_pass(films=2), emu)
    book(viewer_client, screening, holding.id)
    sdk.v1.refunds.create({"charge": latest_order(viewer).charge_id})

    page = viewer_client.get(f"/festivals/{festival.slug}", headers={"X-Test-Country": "NO"})

    assert "You have a ticket." not in page.text
    assert f'data-testid="ticket-{screening.id}"' in page.text
    assert buy_ticket(viewer_client, screening).status_code == 303
