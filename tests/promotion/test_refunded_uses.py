"""A code's limits count the viewers who kept its discount: an order refunded in full gives
its use back (to the same viewer or another), a partial refund keeps it, and a comp given
back returns its use like a full refund. Against the Stripe emulator, on either database."""

from __future__ import annotations

from datetime import timedelta

import stripe

from storefront.extensions import db
from storefront.models import Order, OrderStatus, Promotion, Studio, Title, User, utcnow
from tests.payments import conftest as payments
from tests.payments.conftest import SECRET_KEY, fresh, latest_order, order_url, session_id_from
from tests.payments.promo import buy_with_code, logged_in, make_promotion

# The payments tests' fixtures: the app on the Stripe backend, pointed at the emulator.
settings, emu, webhooks = payments.settings, payments.emu, payments.webhooks

BUY = {"kind": "buy", "amount": 1299, "currency": "EUR"}
USED_UP = "has been used as many times as it allows"
ALREADY_USED = "You have already used the code"


def film_of(make_title, studio: Studio) -> Title:  # type: ignore[no-untyped-def]
    return make_title("Night Train", studio=studio, offers=[dict(BUY)])


def pay_with(app, user: User, film: Title, code: str, emu) -> Order:  # type: ignore[no-untyped-def]
    response = buy_with_code(logged_in(app, user.email), film, code, "buy")
    assert response.status_code == 303, response.get_data(as_text=True)
    emu.pay(session_id_from(response.location))
    order = latest_order(user)
    assert order.status == OrderStatus.PAID
    return order


def refund(filmmaker_client, order: Order, amount: str | None = None) -> Order:  # type: ignore[no-untyped-def]
    data = (
        {"refund_all": "y", "confirm_all": "yes"}
        if amount is None
        else {"amount": amount, "refund_part": "y"}
    )
    assert filmmaker_client.post(order_url(order), data=data).status_code == 303
    return fresh(Order, order.id)


def tries(app, user: User, film: Title, code: str):  # type: ignore[no-untyped-def]
    return buy_with_code(logged_in(app, user.email), film, code, "buy")


def test_a_full_refund_gives_a_single_use_code_back_for_another_viewer(
    app, filmmaker_client, studio, make_title, make_user, emu, webhooks
):
    film = film_of(make_title, studio)
    make_promotion(studio, name="Cast and crew", percent_off=50, batch_size=1, batch_prefix="CREW")
    (code,) = [c.code for c in db.session.scalar(db.select(Promotion)).codes]
    first, second = make_user("first@example.org"), make_user("second@example.org")
    order = pay_with(app, first, film, code, emu)
    refused = tries(app, second, film, code)
    assert refused.status_code == 409 and USED_UP in refused.text

    assert refund(filmmaker_client, order).status == OrderStatus.REFUNDED

    assert pay_with(app, second, film, code, emu).promo_code == code


def test_a_full_refund_gives_the_viewer_their_own_use_back(
    app, filmmaker_client, studio, make_title, make_user, emu, webhooks
):
    film = film_of(make_title, studio)
    make_promotion(studio, percent_off=50, code="ONCEEACH", per_viewer_limit=1)
    viewer = make_user("buyer@example.org")
    order = pay_with(app, viewer, film, "ONCEEACH", emu)
    refund(filmmaker_client, order)

    again = pay_with(app, viewer, film, "ONCEEACH", emu)
    assert again.id != order.id and again.discount_amount == order.discount_amount


def test_a_partial_refund_keeps_the_use(
    app, filmmaker_client, studio, make_title, make_user, emu, webhooks
):
    film = film_of(make_title, studio)
    make_promotion(studio, percent_off=50, code="LIMITED", max_uses=1, per_viewer_limit=1)
    viewer, other = make_user("buyer@example.org"), make_user("other@example.org")
    order = pay_with(app, viewer, film, "LIMITED", emu)

    assert refund(filmmaker_client, order, "1.00").status == OrderStatus.PARTIALLY_REFUNDED

    refused = tries(app, other, film, "LIMITED")
    assert refused.status_code == 409 and USED_UP in refused.text
    make_promotion(studio, name="Per viewer", percent_off=50, code="PERVIEWER")
    kept = pay_with(app, other, film, "PERVIEWER", emu)
    refund(filmmaker_client, kept, "1.00")
    another = make_title("Day Train", studio=studio, offers=[dict(BUY)])
    again = tries(app, other, another, "PERVIEWER")
    assert again.status_code == 409 and ALREADY_USED in again.text


def test_the_redemption_view_shows_the_uses_refunds_gave_back(
    app, filmmaker_client, studio, make_title, make_user, emu, webhooks
):
    film = film_of(make_title, studio)
    promotion = make_promotion(studio, percent_off=50, code="HUNDRED", max_uses=100)
    refunded = pay_with(app, make_user("a@example.org"), film, "HUNDRED", emu)
    pay_with(app, make_user("b@example.org"), film, "HUNDRED", emu)
    refund(filmmaker_client, refunded)

    page = filmmaker_client.get(f"/studio/{studio.slug}/codes/{promotion.id}").text

    assert "1 used, 0 held by checkouts in progress, 1 given back by full refunds." in page
    row = page.split('<tr data-code="HUNDRED">', 1)[1].split("</tr>", 1)[0]
    cells = [c.split(">", 1)[1].split("<", 1)[0] for c in row.split("<td")[1:]]
    assert cells[1:5] == ["1", "0", "1", "99"]  # used, held, given back, left


def test_a_comp_given_back_returns_its_use(app, studio, make_title, make_user, emu, webhooks):
    """A comp is taken back only when its viewer gives back a pre-order whose release moved:
    they keep nothing, as after a full refund, so the use is theirs (or anyone's) again."""
    release = (utcnow() + timedelta(days=10)).replace(microsecond=0)
    upcoming = make_title(
        "Festival Darling",
        studio=studio,
        offers=[dict(BUY, available_from=release)],
        release_at=release,
        preorders=True,
    )
    make_promotion(studio, name="Crew", percent_off=100, code="CREWCOMP", max_uses=1)
    crew, other = make_user("crew@example.org"), make_user("other@example.org")
    assert tries(app, crew, upcoming, "CREWCOMP").status_code == 303
    comp = latest_order(crew)
    assert comp.provider == "comp"
    owner = logged_in(app, studio.members[0].user.email)
    later = release + timedelta(days=30)
    moved = owner.post(
        f"/studio/{studio.slug}/titles/{upcoming.id}/release",
        data={"release_at": later.strftime("%Y-%m-%dT%H:%M"), "take_preorders": "y"},
    )
    assert moved.status_code == 303
    refused = tries(app, other, upcoming, "CREWCOMP")
    assert refused.status_code == 409 and USED_UP in refused.text

    path = f"/orders/{comp.public_id}/preorder"
    given_back = logged_in(app, crew.email).post(
        path, data={"choice": "refund"}, follow_redirects=True
    )
    assert given_back.status_code == 200
    # Nothing was charged, so no refund is on its way; the viewer is told the use is back.
    assert "Your refund is on its way" not in given_back.text
    assert "Nothing was charged, and the use of your code is given back." in given_back.text

    assert fresh(Order, comp.id).status == OrderStatus.REFUNDED
    assert tries(app, other, upcoming, "CREWCOMP").status_code == 303


def test_a_full_refund_that_fails_takes_the_use_again(
    app, filmmaker_client, studio, make_title, make_user, emu, webhooks
):
    """The processor may fail a refund it first reported pending: the order is paid again,
    and so its use counts again."""
    film = film_of(make_title, studio)
    make_promotion(studio, percent_off=50, code="LASTONE", max_uses=1)
    buyer, other = make_user("buyer@example.org"), make_user("other@example.org")
    order = pay_with(app, buyer, film, "LASTONE", emu)
    emu.hold_refunds_pending()
    assert refund(filmmaker_client, order).status == OrderStatus.REFUNDED
    (pending,) = emu.objects("refund")

    emu.fail_refund(pending["id"], reason="expired_or_canceled_card")

    assert fresh(Order, order.id).status == OrderStatus.PAID
    refused = tries(app, other, film, "LASTONE")
    assert refused.status_code == 409 and USED_UP in refused.text


def test_a_held_payment_refunded_in_full_gives_its_use_back(
    app, studio, make_title, make_user, emu, webhooks
):
    """A payment that did not match its order is held for an admin (flagged) and keeps its
    code's use meanwhile; once the admin gives the money back in full, nothing was sold, yet
    the use stayed held for good."""
    film = film_of(make_title, studio)
    promotion = make_promotion(studio, percent_off=50, code="LASTONE", max_uses=1)
    buyer, other = make_user("buyer@example.org"), make_user("other@example.org")
    response = buy_with_code(logged_in(app, buyer.email), film, "LASTONE", "buy")
    order = latest_order(buyer)
    order.amount -= 100  # the processor's session says otherwise: the payment is held
    db.session.commit()
    emu.pay(session_id_from(response.location))
    assert fresh(Order, order.id).status == OrderStatus.FLAGGED
    refused = tries(app, other, film, "LASTONE")
    assert refused.status_code == 409 and USED_UP in refused.text

    # The admin checks it and gives the money back.
    admin_api = stripe.StripeClient(SECRET_KEY, base_addresses={"api": emu.url})
    admin_api.v1.refunds.create({"charge": emu.objects("charge")[0]["id"]})

    flagged = fresh(Order, order.id)
    assert flagged.status == OrderStatus.FLAGGED and flagged.amount_refunded > 0
    page = logged_in(app, studio.members[0].user.email).get(
        f"/studio/{studio.slug}/codes/{promotion.id}"
    )
    assert "0 held by checkouts in progress, 1 given back by full refunds." in page.text
    assert tries(app, other, film, "LASTONE").status_code == 303
