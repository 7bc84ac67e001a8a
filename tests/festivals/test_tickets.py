"""Tickets through the one checkout: a paid ticket plays in its window, the festival's share is
in the ledger, a refund takes it back; failed payments give the held seat back."""

from __future__ import annotations

from datetime import timedelta

from storefront.extensions import db
from storefront.models import (
    Entitlement,
    EntitlementStatus,
    EntryType,
    LedgerEntry,
    OfferKind,
    Order,
    OrderStatus,
    Screening,
    utcnow,
)
from storefront.services.watching import access

from .conftest import buy_ticket, fresh, latest_order, session_id_from


def ledger_rows(order: Order) -> dict[EntryType, list[LedgerEntry]]:
    db.session.expire_all()
    rows: dict[EntryType, list[LedgerEntry]] = {}
    for row in db.session.scalars(db.select(LedgerEntry).filter_by(order_id=order.id)):
        rows.setdefault(row.entry_type, []).append(row)
    return rows


def test_a_paid_ticket_books_the_festival_share_and_plays_in_its_window(
    viewer_client, viewer, screening, festival, studio, emu, webhooks
):
    response = buy_ticket(viewer_client, screening)
    assert response.status_code == 303, response.data
    order = latest_order(viewer)
    assert (
        order.kind == OfferKind.TICKET and order.amount == 800 and order.festival_share_bp == 3000
    )
    assert fresh(Screening, screening.id).seats_taken == 1  # held while paying

    emu.pay(session_id_from(response.location))

    order = fresh(Order, order.id)
    assert order.status == OrderStatus.PAID
    rows = ledger_rows(order)
    sale = rows[EntryType.SALE][0]
    assert sale.studio_id == studio.id and sale.net == 800 - 53  # 2.9 % + 30
    share = rows[EntryType.FESTIVAL_SHARE][0]
    income = rows[EntryType.FESTIVAL_INCOME][0]
    assert income.studio_id == festival.studio_id and share.studio_id == studio.id
    assert income.net == 224 == -share.net  # 30 % of 747, rounded half up
    ticket = db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id))
    assert ticket.screening_id == screening.id and ticket.kind == OfferKind.TICKET
    assert access.gives_access(ticket, utcnow())
    assert access.entitlement_refusal(ticket, screening.opens_at - timedelta(seconds=1)) == (
        access.Refusal.NOT_OPEN
    )
    assert access.entitlement_refusal(ticket, screening.closes_at) == (
        access.Refusal.SCREENING_CLOSED
    )


def test_an_ordinary_sale_of_the_same_film_pays_no_festival_share(
    make_title, studio, viewer_client, viewer, selection, emu, webhooks
):
    from tests.payments.conftest import checkout

    film = selection.title
    db.session.add_all(
        [
            __import__("storefront.models", fromlist=["Offer"]).Offer(
                title_id=film.id, kind="buy", amount=1299, currency="EUR"
            )
        ]
    )
    db.session.commit()
    emu.pay(session_id_from(checkout(viewer_client, film, "buy").location))

    rows = ledger_rows(latest_order(viewer))
    assert set(rows) == {EntryType.SALE}


def test_a_declined_payment_gives_the_seat_back(
    viewer_client, viewer, make_screening, emu, webhooks
):
    screening = make_screening(capacity=1)
    response = buy_ticket(viewer_client, screening)
    assert fresh(Screening, screening.id).seats_taken == 1

    emu.decline(session_id_from(response.location))
    emu.expire(session_id_from(response.location))

    assert latest_order(viewer).status in (OrderStatus.FAILED, OrderStatus.EXPIRED)
    assert fresh(Screening, screening.id).seats_taken == 0


def test_an_expired_checkout_gives_the_seat_back(app, viewer_client, viewer, make_screening, emu):
    from storefront.services.payments.pending import settle_stale_orders

    screening = make_screening(capacity=1)
    buy_ticket(viewer_client, screening)
    order = latest_order(viewer)
    order.created_at = utcnow() - timedelta(hours=2)
    db.session.commit()

    assert settle_stale_orders(app.extensions["payments"]).expired == 1
    db.session.commit()

    assert fresh(Order, order.id).status == OrderStatus.EXPIRED
    assert fresh(Screening, screening.id).seats_taken == 0


def test_a_refunded_ticket_takes_the_share_back_and_frees_its_seat(
    viewer_client, viewer, make_screening, emu, webhooks, sdk
):
    screening = make_screening(capacity=3)
    emu.pay(session_id_from(buy_ticket(viewer_client, screening).location))
    order = latest_order(viewer)

    sdk.v1.refunds.create({"charge": order.charge_id, "amount": 300})
    rows = ledger_rows(order)
    assert [r.net for r in rows[EntryType.FESTIVAL_INCOME]] == [224, -84]  # 300/800 of 224
    sdk.v1.refunds.create({"charge": order.charge_id, "amount": 500})

    rows = ledger_rows(order)
    assert sum(r.net for r in rows[EntryType.FESTIVAL_INCOME]) == 0
    assert sum(r.net for r in rows[EntryType.FESTIVAL_SHARE]) == 0
    assert fresh(Order, order.id).status == OrderStatus.REFUNDED
    ticket = db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id))
    assert ticket.status == EntitlementStatus.REVOKED
    assert fresh(Screening, screening.id).seats_taken == 0


def test_a_second_ticket_for_the_same_screening_is_refused(
    viewer_client, viewer, screening, emu, webhooks
):
    emu.pay(session_id_from(buy_ticket(viewer_client, screening).location))

    again = buy_ticket(viewer_client, screening)

    assert again.status_code == 303 and "/festivals/" in again.location
    assert db.session.scalar(db.select(db.func.count()).select_from(Order)) == 1


def test_geo_blocked_screenings_cannot_be_bought(viewer_client, make_screening):
    screening = make_screening(
        territory_mode="allow",
        territories=[{"country": "NO"}, {"country": "SE", "amount": 9900, "currency": "SEK"}],
    )

    refused = buy_ticket(viewer_client, screening, country="FR")
    swedish = buy_ticket(viewer_client, screening, country="SE")

    assert refused.status_code == 409
    assert swedish.status_code == 303
    order = db.session.scalar(db.select(Order).order_by(Order.id.desc()))
    assert (order.amount, order.currency, order.country) == (9900, "SEK", "SE")


def test_an_open_ticket_checkout_is_reused_or_closed_with_its_seat(
    viewer_client, viewer, make_screening, emu
):
    first, second = make_screening(capacity=2), make_screening(capacity=2)
    opened = buy_ticket(viewer_client, first)

    again = buy_ticket(viewer_client, first)
    assert again.status_code == 303 and again.location == opened.location
    assert fresh(Screening, first.id).seats_taken == 1

    other = buy_ticket(viewer_client, second)  # changed their mind: the other screening
    assert other.status_code == 303 and other.location != opened.location
    assert fresh(Screening, first.id).seats_taken == 0
    assert fresh(Screening, second.id).seats_taken == 1
    assert emu.get(session_id_from(opened.location))["status"] == "expired"


def test_a_dispute_takes_the_festival_share_back_in_proportion_and_a_win_restores_it(
    viewer_client, viewer, make_screening, festival, studio, emu, webhooks
):
    """Single-account mode: the chargeback is debited from the store's balance and booked to
    the filmmaker; the festival's part of the disputed amount comes back from the festival,
    and goes to it again when the dispute is won."""
    screening = make_screening()
    emu.pay(session_id_from(buy_ticket(viewer_client, screening).location))
    order = latest_order(viewer)
    part = sum(r.net for r in ledger_rows(order)[EntryType.FESTIVAL_INCOME])

    dispute = emu.dispute(order.charge_id, amount=400)

    rows = ledger_rows(order)
    income = [r for r in rows[EntryType.FESTIVAL_INCOME] if r.dispute_id == dispute["id"]]
    assert [r.net for r in income] == [-(part * 400 // 800)]  # 400/800 of the part
    assert sum(r.net for r in rows[EntryType.FESTIVAL_SHARE]) == -sum(
        r.net for r in rows[EntryType.FESTIVAL_INCOME]
    )

    emu.close_dispute(dispute["id"], won=True)

    rows = ledger_rows(order)
    assert sum(r.net for r in rows[EntryType.FESTIVAL_INCOME]) == part
    assert sum(r.net for r in rows[EntryType.FESTIVAL_SHARE]) == -part


def test_a_lost_dispute_of_the_whole_ticket_leaves_the_festival_nothing(
    viewer_client, viewer, make_screening, festival, emu, webhooks
):
    screening = make_screening()
    emu.pay(session_id_from(buy_ticket(viewer_client, screening).location))
    order = latest_order(viewer)

    dispute = emu.dispute(order.charge_id)
    emu.close_dispute(dispute["id"], won=False)

    rows = ledger_rows(order)
    assert sum(r.net for r in rows[EntryType.FESTIVAL_INCOME]) == 0
    assert sum(r.net for r in rows[EntryType.FESTIVAL_SHARE]) == 0


def test_a_festival_ticket_does_not_stop_the_viewer_renting_the_film(
    viewer_client, viewer, screening, emu, webhooks
):
    """A ticket is one screening, not the film: renting it from the store (to watch after the
    festival, or elsewhere) is an ordinary sale, neither refused nor refunded as a duplicate."""
    from storefront.models import Offer
    from tests.payments.conftest import checkout

    emu.pay(session_id_from(buy_ticket(viewer_client, screening).location))
    assert latest_order(viewer).status == OrderStatus.PAID
    film = screening.title
    db.session.add(Offer(title_id=film.id, kind="rent", amount=499, currency="EUR"))
    db.session.commit()

    started = checkout(viewer_client, film, "rent", country="NO")
    assert started.status_code == 303, started.get_data(as_text=True)
    emu.pay(session_id_from(started.location))

    rental = fresh(Order, latest_order(viewer).id)
    assert rental.kind == OfferKind.RENT and rental.status == OrderStatus.PAID


def test_a_rental_still_stops_a_second_rental_while_the_viewer_holds_a_ticket(
    viewer_client, viewer, screening, emu, webhooks
):
    from storefront.models import Offer
    from tests.payments.conftest import checkout

    film = screening.title
    db.session.add(Offer(title_id=film.id, kind="rent", amount=499, currency="EUR"))
    db.session.commit()
    emu.pay(session_id_from(checkout(viewer_client, film, "rent", country="NO").location))
    emu.pay(session_id_from(buy_ticket(viewer_client, screening).location))
    # Started tickets rank before unstarted rentals when choosing what plays: not here.
    ticket = db.session.scalar(
        db.select(Entitlement).filter_by(user_id=viewer.id, kind=OfferKind.TICKET)
    )
    ticket.started_at = utcnow()
    db.session.commit()

    again = checkout(viewer_client, film, "rent", country="NO")
    assert again.status_code == 409
    assert "You are already renting this film." in again.get_data(as_text=True)
