"""Lowering a seat cap while buyers race for the last seats never oversells: whichever comes
first, the seats taken end within the cap in force, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter

import sqlalchemy as sa

from storefront.extensions import db
from storefront.models import Screening

from .conftest import fresh, sign_in
from .test_editing import screening_form
from .test_seat_cap import logged_in_clients

BUYERS, CAPACITY, ALREADY_TAKEN, LOWERED = 12, 10, 3, 5


def test_a_cap_lowered_while_buyers_race_is_never_oversold(
    app, make_user, organiser, festival, make_screening, emu
):
    screening = make_screening(capacity=CAPACITY)
    db.session.execute(
        sa.update(Screening).where(Screening.id == screening.id).values(seats_taken=ALREADY_TAKEN)
    )
    db.session.commit()
    buyers = logged_in_clients(app, make_user, BUYERS)
    organiser_client = sign_in(app, organiser.email)
    base = f"/studio/{festival.studio.slug}/festivals/{festival.slug}"
    edit_path = f"{base}/screenings/{screening.id}/edit"
    edit_form = screening_form(screening, capacity=str(LOWERED))
    ticket_path = f"/festivals/{festival.slug}/screenings/{screening.id}/ticket"
    start = threading.Barrier(BUYERS + 1)
    bought: list = [None] * BUYERS
    edited: list = [None]

    def buy(i: int) -> None:
        start.wait()
        bought[i] = buyers[i].post(ticket_path, headers={"X-Test-Country": "NO"})

    def lower() -> None:
        start.wait()
        edited[0] = organiser_client.post(edit_path, data=edit_form)

    threads = [threading.Thread(target=buy, args=(i,)) for i in range(BUYERS)]
    threads.append(threading.Thread(target=lower))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    codes = Counter(r.status_code for r in bought)
    assert set(codes) <= {303, 409}, [(r.status_code, r.data[:200]) for r in bought]
    after = fresh(Screening, screening.id)
    assert after.seats_taken == ALREADY_TAKEN + codes[303]
    assert after.seats_taken <= after.capacity
    if edited[0].status_code == 303:  # the cap came first: only its seats were sold
        assert after.capacity == LOWERED and codes[303] <= LOWERED - ALREADY_TAKEN
    else:  # buyers came first: the cap could not go below what they held
        assert edited[0].status_code == 400
        assert b"The seat cap cannot go below" in edited[0].data
        assert after.capacity == CAPACITY and after.seats_taken > LOWERED
        assert codes[303] == CAPACITY - ALREADY_TAKEN
