"""Pre-orders against the Stripe emulator: pay now for the offer that applies at the release,
watch from the release (a rental's clock no earlier), and keep or refund when it moves."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from storefront.extensions import db
from storefront.models import (
    Entitlement,
    EntitlementStatus,
    LedgerEntry,
    OfferKind,
    OrderStatus,
    OutboxMessage,
    utcnow,
)
from storefront.services.watching.access import PlaybackRefused, Refusal, usable_entitlement
from tests.helpers import last_link

from .conftest import fresh, latest_order, session_id_from


@pytest.fixture
def release():  # type: ignore[no-untyped-def]
    return (utcnow() + timedelta(days=10)).replace(microsecond=0)


@pytest.fixture
def upcoming(make_title, studio, release):  # type: ignore[no-untyped-def]
    """Touring festivals: on sale from the release, in Europe only, pre-orders open."""
    offers = [
        {"kind": "rent", "amount": 599, "currency": "EUR", "available_from": release},
        {
            "kind": "buy",
            "amount": 1499,
            "currency": "EUR",
            "available_from": release,
            "territory_mode": "allow",
            "territories": [{"country": "FR"}, {"country": "NO"}],
        },
    ]
    return make_title(
        "Festival Darling", studio=studio, offers=offers, release_at=release, preorders=True
    )


def preorder(client, title, kind: str, country: str = "FR"):  # type: ignore[no-untyped-def]
    return client.post(
        f"/buy/{title.slug}", data={"kind": kind}, headers={"X-Test-Country": country}
    )


def test_the_title_page_says_plainly_that_the_viewer_pays_now(viewer_client, upcoming):
    page = viewer_client.get(f"/films/{upcoming.slug}", headers={"X-Test-Country": "FR"})
    text = page.get_data(as_text=True)
    assert 'data-testid="preorder-note"' in text and "You pay now, when you order." in text
    assert "Pre-order to rent for €5.99" in text and "Pre-order to buy for €14.99" in text


def test_a_preorder_is_paid_now_and_opens_at_the_release(
    viewer_client, viewer, upcoming, release, emu, webhooks
):
    response = preorder(viewer_client, upcoming, "rent")
    assert response.status_code == 303, response.get_data(as_text=True)
    order = latest_order(viewer)
    assert order.preorder and order.release_at == release and order.amount == 599
    emu.pay(session_id_from(response.location))

    order = fresh(type(order), order.id)
    assert order.status == OrderStatus.PAID
    entitlement = db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id))
    assert entitlement.not_before == release
    assert entitlement.start_by == release + timedelta(days=30)  # the clock starts no earlier
    with pytest.raises(PlaybackRefused) as refused:
        usable_entitlement(viewer.id, upcoming.id, utcnow())
    assert refused.value.code == Refusal.NOT_RELEASED
    assert usable_entitlement(viewer.id, upcoming.id, release).id == entitlement.id

    watch = viewer_client.get(f"/watch/{upcoming.slug}", headers={"X-Test-Country": "FR"})
    assert watch.status_code == 403 and "You pre-ordered this film" in watch.get_data(as_text=True)
    library = viewer_client.get("/library").get_data(as_text=True)
    assert "Pre-ordered: you can watch it from" in library

    (sale,) = db.session.scalars(db.select(LedgerEntry).filter_by(order_id=order.id)).all()
    assert sale.preorder is True
    again = preorder(viewer_client, upcoming, "rent")
    assert again.status_code == 409
    assert "You have already pre-ordered this film." in again.get_data(as_text=True)


def test_preorders_follow_the_offer_that_will_apply_where_the_viewer_is(
    viewer_client, upcoming, emu
):
    assert preorder(viewer_client, upcoming, "buy", country="FR").status_code == 303
    refused = preorder(viewer_client, upcoming, "buy", country="US")
    assert refused.status_code == 409
    assert emu.objects("checkout.session")[0]["amount_total"] == 1499


def test_without_preorders_nothing_is_sold_before_the_window(
    viewer_client, make_title, studio, release, emu
):
    film = make_title(
        "Not Yet",
        studio=studio,
        offers=[{"kind": "rent", "amount": 599, "currency": "EUR", "available_from": release}],
        release_at=release,
        preorders=False,
    )
    assert preorder(viewer_client, film, "rent").status_code == 409
    assert emu.objects("checkout.session") == []


@pytest.fixture
def paid_preorder(viewer_client, viewer, upcoming, emu, webhooks):  # type: ignore[no-untyped-def]
    response = preorder(viewer_client, upcoming, "buy")
    emu.pay(session_id_from(response.location))
    order = latest_order(viewer)
    assert order.status == OrderStatus.PAID
    return order


def move_release(client, studio, title, when: str, take: bool = True):  # type: ignore[no-untyped-def]
    data = {"release_at": when}
    if take:
        data["take_preorders"] = "y"
    return client.post(f"/studio/{studio.slug}/titles/{title.id}/release", data=data)


def test_moving_the_release_tells_the_viewer_who_may_keep_it(
    app, paid_preorder, viewer, studio, upcoming, make_user, release
):
    from tests.payments.promo import logged_in

    owner = logged_in(app, studio.members[0].user.email)
    later = release + timedelta(days=30)
    response = move_release(owner, studio, upcoming, later.strftime("%Y-%m-%dT%H:%M"))
    assert response.status_code == 303
    db.session.expire_all()
    entitlement = db.session.scalar(db.select(Entitlement).filter_by(order_id=paid_preorder.id))
    assert entitlement.not_before == later.replace(second=0)
    mails = db.session.scalars(db.select(OutboxMessage).filter_by(to=viewer.email)).all()
    (mail,) = [m for m in mails if "has moved" in m.subject]  # besides the receipt
    link = last_link(mail.body)
    assert link.endswith(f"/orders/{paid_preorder.public_id}/preorder")

    viewer_client = logged_in(app, viewer.email)
    path = link.split("localhost", 1)[1]
    page = viewer_client.get(path).get_data(as_text=True)
    assert "Keep my pre-order" in page and "Refund me" in page
    assert viewer_client.post(path, data={"choice": "keep"}).status_code == 303
    assert "There is nothing to choose" in viewer_client.get(path).get_data(as_text=True)


def test_a_cancelled_release_can_be_refunded_in_full(
    app, paid_preorder, viewer, studio, upcoming, emu
):
    from tests.payments.promo import logged_in

    owner = logged_in(app, studio.members[0].user.email)
    assert move_release(owner, studio, upcoming, "", take=False).status_code == 303
    viewer_client = logged_in(app, viewer.email)
    path = f"/orders/{paid_preorder.public_id}/preorder"
    assert "cancelled the release" in viewer_client.get(path).get_data(as_text=True)

    assert viewer_client.post(path, data={"choice": "refund"}).status_code == 303

    (refund,) = emu.objects("refund")
    assert refund["amount"] == 1499
    order = fresh(type(paid_preorder), paid_preorder.id)
    assert order.status == OrderStatus.REFUNDED
    entitlement = db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id))
    assert entitlement.status == EntitlementStatus.REVOKED


def test_reports_mark_preorders(app, paid_preorder, studio):
    from tests.payments.promo import logged_in

    owner = logged_in(app, studio.members[0].user.email)
    export = owner.get(f"/studio/{studio.slug}/revenue/export.csv?period=all")
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["preorder"] for r in rows] == ["yes"]
    assert rows[0]["kind"] == OfferKind.BUY.value


def test_the_order_page_of_a_paid_preorder_says_when_it_opens_and_offers_no_retry(
    viewer_client, paid_preorder
):
    """Paid but not yet watchable is not a failure: no "Try again" that leads to paying twice."""
    state = viewer_client.get(f"/orders/{paid_preorder.public_id}/status").get_json()
    assert state["final"] is True and state["ready"] is False
    assert state["retry_url"] is None
    assert state["message"].startswith("Pre-ordered: you can watch it from ")

    page = viewer_client.get(f"/orders/{paid_preorder.public_id}/done").get_data(as_text=True)
    assert "Pre-ordered: you can watch it from" in page and "Try again" not in page


def test_moving_the_release_counts_the_viewers_told_in_words(app, paid_preorder, studio, upcoming):
    from tests.payments.promo import logged_in

    owner = logged_in(app, studio.members[0].user.email)
    later = (utcnow() + timedelta(days=40)).strftime("%Y-%m-%dT%H:%M")
    move_release(owner, studio, upcoming, later)

    page = owner.get(f"/studio/{studio.slug}/titles/{upcoming.id}/release").get_data(as_text=True)
    assert "1 viewer who pre-ordered was told and may ask for a refund." in page


def test_the_moved_release_mail_names_the_time_zone_once(
    app, paid_preorder, viewer, studio, upcoming
):
    from tests.payments.promo import logged_in

    viewer.timezone = "Europe/Oslo"
    db.session.commit()
    owner = logged_in(app, studio.members[0].user.email)
    later = (utcnow() + timedelta(days=40)).replace(hour=19, minute=0)
    move_release(owner, studio, upcoming, later.strftime("%Y-%m-%dT%H:%M"))

    mails = db.session.scalars(db.select(OutboxMessage).filter_by(to=viewer.email)).all()
    (mail,) = [m for m in mails if "has moved" in m.subject]
    first = mail.body.splitlines()[0]
    # "8:00:00 PM +0100 (Europe/Oslo)" said the zone twice; UTC read "UTC (UTC)".
    assert first.endswith("PM (Europe/Oslo).") and "+0100" not in first, first


def test_the_processors_page_counts_a_preorders_days_to_start_from_the_release(
    viewer_client, viewer, upcoming, make_title, studio, emu
):
    response = preorder(viewer_client, upcoming, "rent")
    terms = emu.state.private[session_id_from(response.location)]["product_description"]
    assert (
        terms == "Start watching within 30 days of the release; then you have 48 hours to finish."
    )

    short = make_title(
        "Short Notice",
        studio=studio,
        offers=[{"kind": "rent", "amount": 399, "currency": "EUR"}],
        rental_start_days=1,
        rental_watch_hours=1,
    )
    rented = viewer_client.post(f"/buy/{short.slug}", data={"kind": "rent"})
    terms = emu.state.private[session_id_from(rented.location)]["product_description"]
    assert terms == "Start watching within 1 day; then you have 1 hour to finish."


def test_a_preorder_paid_after_the_release_moved_opens_at_the_new_date_and_is_told(
    app, viewer_client, viewer, studio, upcoming, release, emu, webhooks
):
    """The viewer was on the processor's page while the studio moved the release a month
    later: the entitlement opened at the old date, so the film played before its release,
    and the viewer was never offered keep or refund."""
    from tests.payments.promo import logged_in

    response = preorder(viewer_client, upcoming, "rent")
    owner = logged_in(app, studio.members[0].user.email)
    later = (release + timedelta(days=30)).replace(second=0)
    moved = move_release(owner, studio, upcoming, later.strftime("%Y-%m-%dT%H:%M"))
    assert moved.status_code == 303

    emu.pay(session_id_from(response.location))

    order = fresh(type(latest_order(viewer)), latest_order(viewer).id)
    assert order.status == OrderStatus.PAID
    entitlement = db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id))
    assert entitlement.not_before == later
    assert entitlement.start_by == later + timedelta(days=30)
    with pytest.raises(PlaybackRefused):
        usable_entitlement(viewer.id, upcoming.id, release + timedelta(days=1))
    mails = db.session.scalars(db.select(OutboxMessage).filter_by(to=viewer.email)).all()
    assert [m for m in mails if "has moved" in m.subject]
    page = viewer_client.get(f"/orders/{order.public_id}/preorder").get_data(as_text=True)
    assert "Keep my pre-order" in page and "Refund me" in page


def test_a_preorder_paid_after_the_release_was_cancelled_stays_closed(
    app, viewer_client, viewer, studio, upcoming, release, emu, webhooks
):
    from tests.payments.promo import logged_in

    response = preorder(viewer_client, upcoming, "buy")
    owner = logged_in(app, studio.members[0].user.email)
    assert move_release(owner, studio, upcoming, "", take=False).status_code == 303

    emu.pay(session_id_from(response.location))

    order = latest_order(viewer)
    with pytest.raises(PlaybackRefused):
        usable_entitlement(viewer.id, upcoming.id, release + timedelta(days=1))
    page = viewer_client.get(f"/orders/{order.public_id}/preorder").get_data(as_text=True)
    assert "cancelled the release" in page and "Refund me" in page


def test_a_refund_the_processor_refuses_is_explained_and_the_choice_stays_open(
    app, paid_preorder, viewer, studio, upcoming, emu
):
    from tests.payments.promo import logged_in

    owner = logged_in(app, studio.members[0].user.email)
    assert move_release(owner, studio, upcoming, "", take=False).status_code == 303
    viewer_client = logged_in(app, viewer.email)
    path = f"/orders/{paid_preorder.public_id}/preorder"
    emu.fail_next("/v1/refunds", status=500)

    response = viewer_client.post(path, data={"choice": "refund"})

    assert response.status_code == 503
    assert "could not reach our payment provider" in response.get_data(as_text=True)
    assert fresh(type(paid_preorder), paid_preorder.id).status == OrderStatus.PAID
    assert "Refund me" in viewer_client.get(path).get_data(as_text=True)


def test_a_release_at_the_calendars_end_is_refused_before_anyone_pays_for_it(
    app, paid_preorder, studio, upcoming, release
):
    """A release on 31 December 9999 was saved; the payment of a rental pre-ordered for it
    then failed in the webhook (its days to start ran past the calendar), so the viewer paid
    and got nothing, and moving waiting rentals there was a server error."""
    from tests.payments.promo import logged_in

    owner = logged_in(app, studio.members[0].user.email)
    for when in ("9999-12-31T23:00", (utcnow() + timedelta(days=3700)).strftime("%Y-%m-%dT%H:%M")):
        response = move_release(owner, studio, upcoming, when)
        assert response.status_code == 400
        assert "Choose a release date within the next ten years." in response.text
    db.session.expire_all()
    assert upcoming.release_at == release
    near = (utcnow() + timedelta(days=3000)).strftime("%Y-%m-%dT%H:%M")
    assert move_release(owner, studio, upcoming, near).status_code == 303


def test_a_release_brought_forward_to_now_says_the_film_is_out_without_a_choice_to_make(
    app, paid_preorder, viewer, studio, upcoming
):
    """Releasing early mailed "will now be released on <a moment already past>... keep or
    refund, choose here", and the link said there was nothing to choose."""
    from tests.payments.promo import logged_in

    owner = logged_in(app, studio.members[0].user.email)
    now = utcnow().replace(second=0, microsecond=0) - timedelta(minutes=1)
    response = move_release(owner, studio, upcoming, now.strftime("%Y-%m-%dT%H:%M"), take=False)
    assert response.status_code == 303
    assert usable_entitlement(viewer.id, upcoming.id, utcnow()) is not None

    mails = db.session.scalars(db.select(OutboxMessage).filter_by(to=viewer.email)).all()
    assert not [m for m in mails if "has moved" in m.subject]
    (mail,) = [m for m in mails if "is out" in m.subject]
    assert "Choose here" not in mail.body and f"/watch/{upcoming.slug}" in mail.body
    page = owner.get(f"/studio/{studio.slug}/titles/{upcoming.id}/release").text
    assert "may ask for a refund" not in page
    assert "1 viewer who pre-ordered was told the film is out." in page


def test_the_moved_release_mail_is_in_the_viewers_language_not_the_studios(
    app, paid_preorder, viewer, studio, upcoming, release
):
    from tests.payments.promo import logged_in

    viewer.locale = "fr"
    db.session.commit()
    owner = logged_in(app, studio.members[0].user.email)
    later = release + timedelta(days=30)
    assert (
        move_release(owner, studio, upcoming, later.strftime("%Y-%m-%dT%H:%M")).status_code == 303
    )
    mails = db.session.scalars(db.select(OutboxMessage).filter_by(to=viewer.email)).all()
    (mail,) = [m for m in mails if m.subject == "La sortie de Festival Darling a été déplacée"]
    assert "pre-order" not in mail.body and "précommande" in mail.body.lower()


def test_the_order_page_of_a_preorder_gives_the_release_in_the_viewers_time_zone(
    viewer_client, viewer, paid_preorder, release
):
    """Like the checkout and the library, the order page says when the film opens as a
    <time> the browser shows on its own clock (the server writes the account's zone), not
    as a fixed UTC moment."""
    viewer.timezone = "Asia/Tokyo"
    db.session.commit()
    page = viewer_client.get(f"/orders/{paid_preorder.public_id}/done").get_data(as_text=True)
    message = page.split('data-testid="order-message">')[1].split("</p>")[0]
    moment = release.replace(tzinfo=None).isoformat()
    assert f'<time datetime="{moment}' in message and "data-local-time" in message, message
    assert "UTC" not in message
    assert "js/local-times.js" in page

    # The status the page polls stays plain text.
    state = viewer_client.get(f"/orders/{paid_preorder.public_id}/status").get_json()
    assert "<time" not in state["message"] and "+0900" in state["message"]
