"""The seat cap under concurrent buyers: 20 buyers at once for the last 5 seats get exactly 5
tickets held (never more, on SQLite and PostgreSQL), a failed payment puts its seat back on
sale, and the database itself refuses a count above the cap."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from storefront.extensions import db
from storefront.models import Order, OrderStatus, Screening

from ..conftest import PASSWORD
from .conftest import buy_ticket, fresh, session_id_from

BUYERS, CAPACITY, ALREADY_TAKEN = 20, 8, 3


def logged_in_clients(app, make_user, count: int) -> list:  # type: ignore[no-untyped-def]
    clients = []
    for n in range(count):
        user = make_user(f"buyer{n}@example.org")
        client = app.test_client()
        login = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert login.status_code == 302
        clients.append(client)
    return clients


def buy_all_at_once(clients: list, screening: Screening) -> list:  # type: ignore[type-arg]
    """Every client posts for a ticket at the same moment, each from its own thread."""
    path = f"/festivals/{screening.festival.slug}/screenings/{screening.id}/ticket"
    start = threading.Barrier(len(clients))
    responses: list = [None] * len(clients)

    def buy(i: int) -> None:
        start.wait()
        responses[i] = clients[i].post(path, headers={"X-Test-Country": "NO"})

    threads = [threading.Thread(target=buy, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return responses


def test_twenty_concurrent_buyers_for_the_last_five_seats(
    app, make_user, make_screening, emu, webhooks
):
    screening = make_screening(capacity=CAPACITY)
    db.session.execute(
        sa.update(Screening).where(Screening.id == screening.id).values(seats_taken=ALREADY_TAKEN)
    )
    db.session.commit()
    clients = logged_in_clients(app, make_user, BUYERS + 1)

    responses = buy_all_at_once(clients[:BUYERS], screening)

    codes = Counter(r.status_code for r in responses)
    assert codes == Counter({303: 5, 409: 15}), [(r.status_code, r.data[:200]) for r in responses]
    assert fresh(Screening, screening.id).seats_taken == CAPACITY
    pending = db.session.scalars(db.select(Order).filter_by(status=OrderStatus.PENDING)).all()
    assert len(pending) == 5
    sold_out = next(r for r in responses if r.status_code == 409)
    assert b"sold out" in sold_out.data

    # One buyer's card is declined and the session expires: that seat goes back on sale.
    winners = [r for r in responses if r.status_code == 303]
    emu.decline(session_id_from(winners[0].location))
    emu.expire(session_id_from(winners[0].location))
    assert fresh(Screening, screening.id).seats_taken == CAPACITY - 1
    late = buy_ticket(clients[BUYERS], screening)
    assert late.status_code == 303
    for response in winners[1:] + [late]:
        emu.pay(session_id_from(response.location))

    db.session.expire_all()
    assert fresh(Screening, screening.id).seats_taken == CAPACITY
    paid = db.session.scalar(
        db.select(db.func.count()).select_from(Order).filter_by(status=OrderStatus.PAID)
    )
    assert paid == 5 and paid + ALREADY_TAKEN == CAPACITY


def test_the_database_refuses_more_seats_than_the_cap(make_screening):
    screening = make_screening(capacity=2)

    with pytest.raises(IntegrityError):
        db.session.execute(
            sa.update(Screening).where(Screening.id == screening.id).values(seats_taken=3)
        )
        db.session.flush()
    db.session.rollback()
