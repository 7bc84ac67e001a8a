"""Passes: bought through the same checkout, then consumed exactly once per screening booked,
never beyond their allowance or a screening's cap; a refund revokes the pass and its tickets."""

from __future__ import annotations

import threading
from datetime import timedelta

from storefront.extensions import db
from storefront.models import (
    Entitlement,
    EntitlementStatus,
    EntryType,
    HoldingStatus,
    LedgerEntry,
    OfferKind,
    OrderStatus,
    PassHolding,
    Screening,
    utcnow,
)
from storefront.services.promotion import festivals, screenings

from .conftest import book, buy_pass, fresh, latest_order, session_id_from


def paid_pass(client, viewer, festival_pass, emu) -> PassHolding:  # type: ignore[no-untyped-def]
    response = buy_pass(client, festival_pass)
    assert response.status_code == 303, response.data
    emu.pay(session_id_from(response.location))
    order = latest_order(viewer)
    assert order.status == OrderStatus.PAID and order.kind == OfferKind.PASS
    holding = db.session.scalar(db.select(PassHolding).filter_by(order_id=order.id))
    assert holding is not None
    return holding


def test_a_pass_is_sold_to_the_festival_and_books_screenings_until_used_up(
    viewer_client, viewer, make_pass, make_screening, festival, emu, webhooks
):
    first, second, third = (make_screening() for _ in range(3))
    holding = paid_pass(viewer_client, viewer, make_pass(films=2), emu)
    sale = db.session.scalar(db.select(LedgerEntry).filter_by(entry_type=EntryType.SALE))
    assert sale.studio_id == festival.studio_id and sale.kind == OfferKind.PASS

    assert book(viewer_client, first, holding.id).status_code == 303
    assert book(viewer_client, first, holding.id).status_code == 409  # already booked
    assert book(viewer_client, second, holding.id).status_code == 303
    refused = book(viewer_client, third, holding.id)

    assert refused.status_code == 409 and b"no screenings left" in refused.data
    assert fresh(PassHolding, holding.id).films_used == 2
    tickets = db.session.scalars(db.select(Entitlement).filter_by(order_id=holding.order_id)).all()
    assert sorted(t.screening_id for t in tickets) == [first.id, second.id]
    assert [fresh(Screening, s.id).seats_taken for s in (first, second, third)] == [1, 1, 0]
    # Each booking stands for half the pass's €19.12 net; the film's studio gets 70 % of it.
    db.session.expire_all()
    rows = db.session.scalars(db.select(LedgerEntry).filter_by(order_id=holding.order_id)).all()
    to_film = [r.net for r in rows if r.entry_type == EntryType.FESTIVAL_SHARE]
    festival_total = sum(r.net for r in rows if r.studio_id == festival.studio_id)
    assert to_film == [669, 669] and festival_total == 1912 - 1338


def test_the_last_booking_takes_the_pass_remainder_after_a_film_the_festival_keeps_whole(
    viewer_client, viewer, make_pass, make_screening, make_title, studio, filmmaker, festival,
    emu, webhooks,
):  # fmt: skip
    """A film whose whole part the festival keeps (a 100 % share) is a booking all the same:
    the pass's last booking takes what rounding left, so the films' parts add up exactly."""
    kept = make_title("Festival Own Cut", studio=studio)
    whole = festivals.invite_title(festival, kept, share_bp=10_000)
    festivals.respond(whole, filmmaker, accept=True)
    db.session.commit()
    opens = utcnow() - timedelta(hours=1)
    kept_screening = screenings.add_screening(whole, opens, opens + timedelta(days=2), 800, "EUR")
    db.session.commit()
    second, third = make_screening(), make_screening()
    holding = paid_pass(viewer_client, viewer, make_pass(films=3), emu)
    for screening in (kept_screening, second, third):
        assert book(viewer_client, screening, holding.id).status_code == 303

    db.session.expire_all()
    rows = db.session.scalars(db.select(LedgerEntry).filter_by(order_id=holding.order_id)).all()
    pass_net = sum(r.net for r in rows if r.entry_type == EntryType.SALE)
    assert pass_net % 3 != 0  # so that rounding leaves something for the last booking
    unit = (pass_net + 1) // 3  # a third, rounded half up
    last = pass_net - 2 * unit
    to_film = [r.net for r in rows if r.entry_type == EntryType.FESTIVAL_SHARE]
    # 70 % of each part (the festival's 30 % rounded half up), the last part the largest.
    assert to_film == [unit - (unit * 3 + 5) // 10, last - (last * 3 + 5) // 10]


def test_concurrent_bookings_of_one_screening_consume_the_pass_once(
    app, viewer_client, viewer, make_pass, make_screening, emu, webhooks
):
    screening = make_screening(capacity=10)
    holding = paid_pass(viewer_client, viewer, make_pass(films=None), emu)
    path = f"/festivals/{screening.festival.slug}/screenings/{screening.id}/book"
    start = threading.Barrier(6)
    codes: list[int] = []

    def click() -> None:
        start.wait()
        codes.append(viewer_client.post(path, data={"holding": holding.id}).status_code)

    threads = [threading.Thread(target=click) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(codes) == [303] + [409] * 5
    db.session.expire_all()
    assert (
        db.session.scalar(
            db.select(db.func.count()).select_from(Entitlement).filter_by(order_id=holding.order_id)
        )
        == 1
    )
    assert fresh(PassHolding, holding.id).films_used == 1
    assert fresh(Screening, screening.id).seats_taken == 1


def test_caps_apply_to_pass_holders(
    viewer_client, viewer, make_pass, make_screening, emu, webhooks
):
    screening = make_screening(capacity=1)
    screening.seats_taken = 1
    db.session.commit()
    holding = paid_pass(viewer_client, viewer, make_pass(films=2), emu)

    refused = book(viewer_client, screening, holding.id)

    assert refused.status_code == 409 and b"sold out" in refused.data
    assert fresh(PassHolding, holding.id).films_used == 0


def test_a_refunded_pass_revokes_its_tickets_and_frees_their_seats(
    viewer_client, viewer, make_pass, make_screening, emu, webhooks, sdk
):
    screening = make_screening(capacity=5)
    holding = paid_pass(viewer_client, viewer, make_pass(films=2), emu)
    book(viewer_client, screening, holding.id)
    order = latest_order(viewer)

    sdk.v1.refunds.create({"charge": order.charge_id})

    assert fresh(PassHolding, holding.id).status == HoldingStatus.REVOKED
    ticket = db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id))
    assert fresh(Entitlement, ticket.id).status == EntitlementStatus.REVOKED
    assert fresh(Screening, screening.id).seats_taken == 0
    assert book(viewer_client, screening, holding.id).status_code == 409
    db.session.expire_all()
    shares = db.session.scalars(
        db.select(LedgerEntry.net).filter_by(order_id=order.id, entry_type=EntryType.FESTIVAL_SHARE)
    ).all()
    assert len(shares) == 2 and sum(shares) == 0  # what the booking paid the film, taken back


def test_passes_are_priced_per_territory(viewer_client, viewer, make_pass):
    festival_pass = make_pass(
        territory_mode="allow",
        territories=[{"country": "NO", "amount": 24900, "currency": "NOK"}, {"country": "SE"}],
    )

    assert buy_pass(viewer_client, festival_pass, country="NO").status_code == 303
    assert (latest_order(viewer).amount, latest_order(viewer).currency) == (24900, "NOK")
    assert buy_pass(viewer_client, festival_pass, country="SE").status_code == 303
    assert (latest_order(viewer).amount, latest_order(viewer).currency) == (2000, "EUR")
    assert buy_pass(viewer_client, festival_pass, country="DE").status_code == 409


def test_a_disputed_pass_holds_every_ticket_it_booked(
    viewer_client, viewer, make_pass, make_screening, emu, webhooks
):
    first, second = make_screening(), make_screening()
    holding = paid_pass(viewer_client, viewer, make_pass(films=2), emu)
    book(viewer_client, first, holding.id)
    book(viewer_client, second, holding.id)
    order = latest_order(viewer)

    dispute = emu.dispute(order.charge_id)
    db.session.expire_all()
    held = db.session.scalars(db.select(Entitlement.status).filter_by(order_id=order.id)).all()
    emu.close_dispute(dispute["id"], won=True)
    db.session.expire_all()
    back = db.session.scalars(db.select(Entitlement.status).filter_by(order_id=order.id)).all()

    assert held == [EntitlementStatus.SUSPENDED] * 2
    assert back == [EntitlementStatus.ACTIVE] * 2


def test_a_pass_buyer_gets_a_receipt(viewer_client, viewer, make_pass, emu, webhooks):
    from storefront.models import OutboxMessage

    paid_pass(viewer_client, viewer, make_pass(films=2), emu)

    db.session.expire_all()
    receipts = db.session.scalars(db.select(OutboxMessage).filter_by(to=viewer.email)).all()
    assert [m.subject for m in receipts] == [
        "Your receipt for Arctic Film Festival 2027: Two-film pass"
    ]
    assert "/watch/" not in receipts[0].body and "/library" in receipts[0].body


def test_a_pass_is_no_longer_sold_once_the_festival_is_over(
    app, viewer_client, viewer, festival, make_pass, make_screening, make_user, emu
):
    """Passes stayed on sale for good: after the festival's last day, with every screening
    closed, a viewer could still pay for a pass that had nothing left to book."""
    from datetime import timedelta

    from storefront.models import utcnow

    from .conftest import sign_in

    now = utcnow()
    festival_pass = make_pass()
    late = make_screening(now - timedelta(days=3), now + timedelta(days=20))
    festival.starts_on = (now - timedelta(days=30)).date()
    festival.ends_on = (now - timedelta(days=2)).date()
    db.session.commit()
    # A screening still open to start after the last day keeps passes on sale...
    assert buy_pass(viewer_client, festival_pass).status_code == 303
    # ...and once it has closed, nothing is left to book: the pass is off sale.
    late.closes_at = now - timedelta(hours=1)
    db.session.commit()
    latecomer = sign_in(app, make_user("late@example.org").email)
    refused = buy_pass(latecomer, festival_pass)
    assert refused.status_code == 409
    page = latecomer.get(f"/festivals/{festival.slug}", headers={"X-Test-Country": "NO"})
    assert f"/passes/{festival_pass.id}" not in page.get_data(as_text=True)
