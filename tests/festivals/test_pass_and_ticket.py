"""A viewer who bought a ticket for a screening and also holds a pass: booking that screening
with the pass (an old tab, a second click) would spend a use of the pass and a second seat on
a screening they can already watch; it is refused, and nothing is spent."""

from __future__ import annotations

from storefront.models import PassHolding, Screening

from .conftest import book, fresh
from .test_passes import paid_pass
from .test_windows import ticket_for


def test_a_pass_does_not_book_a_screening_the_viewer_has_a_ticket_for(
    viewer_client, viewer, make_pass, make_screening, emu, webhooks
):
    screening = make_screening(capacity=10)
    ticket_for(viewer, screening)
    screening.seats_taken = 1  # the ticket's seat, taken when it was bought
    holding = paid_pass(viewer_client, viewer, make_pass(films=2), emu)

    refused = book(viewer_client, screening, holding.id)

    assert refused.status_code == 409
    assert b"You already have a ticket for this screening." in refused.data
    assert fresh(PassHolding, holding.id).films_used == 0
    assert fresh(Screening, screening.id).seats_taken == 1
