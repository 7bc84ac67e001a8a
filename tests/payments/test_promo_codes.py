"""Promo and comp codes at checkout, against the Stripe emulator: the discounted amount is
what the processor charges, a comp needs no processor, and each refusal has its message."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storefront.extensions import db
from storefront.models import (
    Entitlement,
    EntryType,
    LedgerEntry,
    Order,
    OrderStatus,
    PromoRedemption,
    RedemptionStatus,
    utcnow,
)
from storefront.services.watching.access import best_entitlement

from .conftest import BUY, RENT, fresh, latest_order, session_id_from
from .promo import buy_with_code, logged_in, make_promotion


def redemption_states() -> list[RedemptionStatus]:
    db.session.expire_all()
    return [r.status for r in db.session.scalars(db.select(PromoRedemption))]


def test_the_checkout_page_shows_the_discounted_price(viewer_client, studio, film):
    make_promotion(studio, percent_off=20)
    page = viewer_client.get(f"/buy/{film.slug}?code=newsletter20").get_data(as_text=True)
    assert "Code NEWSLETTER20:" in page
    assert "€3.99" in page and "€4.99" in page  # rent 4.99 - 20 % (1.00) = 3.99
    assert "€10.39" in page  # buy 12.99 - 2.60


def test_the_processor_charges_the_discounted_amount_and_the_ledger_says_why(
    viewer_client, viewer, studio, film, emu, webhooks
):
    make_promotion(studio, percent_off=20)
    response = buy_with_code(viewer_client, film, " newsletter20 ", "rent")
    assert response.status_code == 303, response.get_data(as_text=True)
    order = latest_order(viewer)
    assert (order.amount, order.list_amount, order.discount_amount) == (399, 499, 100)
    assert order.promo_code == "NEWSLETTER20"
    session = emu.get(session_id_from(response.location))
    assert session["amount_total"] == 399
    assert redemption_states() == [RedemptionStatus.RESERVED]

    emu.pay(session["id"])

    order = fresh(type(order), order.id)
    assert order.status == OrderStatus.PAID
    (sale,) = db.session.scalars(db.select(LedgerEntry).filter_by(order_id=order.id)).all()
    assert (sale.entry_type, sale.gross, sale.discount, sale.promo_code) == (
        EntryType.SALE,
        399,
        100,
        "NEWSLETTER20",
    )
    assert redemption_states() == [RedemptionStatus.REDEEMED]


def test_a_comp_grants_access_without_any_processor(viewer_client, viewer, studio, film, emu):
    make_promotion(studio, percent_off=100, code="CASTANDCREW")
    response = buy_with_code(viewer_client, film, "castandcrew", "buy")
    order = latest_order(viewer)
    assert response.status_code == 303
    assert response.location.endswith(f"/orders/{order.public_id}/done")
    assert emu.objects("checkout.session") == []
    assert (order.status, order.amount, order.list_amount, order.provider) == (
        OrderStatus.PAID,
        0,
        1299,
        "comp",
    )
    assert best_entitlement(viewer.id, film.id, utcnow()) is not None
    (row,) = db.session.scalars(db.select(LedgerEntry).filter_by(order_id=order.id)).all()
    assert (row.entry_type, row.gross, row.net, row.discount, row.promo_code) == (
        EntryType.COMP,
        0,
        0,
        1299,
        "CASTANDCREW",
    )
    assert redemption_states() == [RedemptionStatus.REDEEMED]
    page = viewer_client.get(response.location)
    assert page.status_code == 200
    # Nothing was paid, so the order page says so, and says it once, not "Payment confirmed."
    text = page.get_data(as_text=True)
    assert (
        text.count("Your code covers the whole price: the film is yours, nothing was charged.") == 1
    )
    assert "Payment confirmed." not in text
    assert viewer_client.get(f"/orders/{order.public_id}/status").get_json()["message"] == (
        "Your code covers the whole price: the film is yours, nothing was charged."
    )


def test_a_fixed_amount_off_per_currency(viewer_client, viewer, studio, film, emu):
    make_promotion(
        studio, discount_type="fixed", fixed_prices={"EUR": "2.50", "USD": "3"}, code="TWOFIFTY"
    )
    buy_with_code(viewer_client, film, "TWOFIFTY", "buy")
    assert latest_order(viewer).amount == 1299 - 250


def test_a_use_is_spent_only_when_the_payment_succeeds(
    viewer_client, viewer, studio, film, emu, webhooks, make_user, app
):
    make_promotion(studio, percent_off=50, max_uses=1)
    response = buy_with_code(viewer_client, film, "NEWSLETTER20", "rent")
    assert redemption_states() == [RedemptionStatus.RESERVED]

    emu.expire(session_id_from(response.location))  # the viewer walked away

    assert redemption_states() == [RedemptionStatus.RELEASED]
    other = logged_in(app, make_user("second@example.org").email)
    assert buy_with_code(other, film, "NEWSLETTER20", "rent").status_code == 303


def test_a_payment_refunded_as_a_duplicate_gives_its_code_use_back(
    viewer_client, viewer, studio, film, emu, webhooks
):
    make_promotion(studio, percent_off=50, max_uses=1)
    rental = buy_with_code(viewer_client, film, "NEWSLETTER20", "rent")  # left open in a tab
    make_promotion(studio, percent_off=100, code="CASTANDCREW")
    assert buy_with_code(viewer_client, film, "CASTANDCREW", "buy").status_code == 303  # owned

    emu.pay(session_id_from(rental.location))  # the open tab is paid: nothing left to give

    session = session_id_from(rental.location)
    order = fresh(
        Order, db.session.scalar(db.select(Order.id).filter_by(checkout_session_id=session))
    )
    assert order.status == OrderStatus.FLAGGED and order.amount_refunded == order.amount
    uses = {r.order_id: r.status for r in db.session.scalars(db.select(PromoRedemption))}
    assert uses[order.id] == RedemptionStatus.RELEASED  # the newsletter's one use is free again


REFUSALS = [
    ({}, "NOPE", {}, "There is no code “NOPE” for this film"),
    ({"valid_until": -1}, "NEWSLETTER20", {}, "The code “NEWSLETTER20” expired on"),
    ({"valid_from": +1}, "NEWSLETTER20", {}, "The code “NEWSLETTER20” can be used from"),
    ({"withdrawn": True}, "NEWSLETTER20", {}, "has been withdrawn by the studio"),
    ({"other_title": True}, "NEWSLETTER20", {}, "is not valid for this film"),
    ({"kind": "buy"}, "NEWSLETTER20", {}, "is only valid to buy this film"),
    (
        {"territory_mode": "allow", "countries": ["NO"]},
        "NEWSLETTER20",
        {"country": "FR"},
        "cannot be used in the country you are in",
    ),
    (
        {"discount_type": "fixed", "fixed_prices": {"USD": "1"}},
        "NEWSLETTER20",
        {},
        "does not apply to prices in EUR",
    ),
    ({"percent_off": 95}, "NEWSLETTER20", {}, "less than the smallest payment we can take"),
]


@pytest.mark.parametrize(("terms", "typed", "where", "message"), REFUSALS)
def test_each_refusal_has_its_own_message(
    viewer_client, viewer, studio, film, make_title, emu, terms, typed, where, message
):
    terms = dict(terms)
    now = utcnow()
    expired = terms.pop("valid_until", None) is not None
    if "valid_from" in terms:
        terms["valid_from"] = now + timedelta(days=2)
    withdrawn = terms.pop("withdrawn", False)
    if terms.pop("other_title", False):
        terms["title_ids"] = [make_title("Another Film", studio=studio, offers=[dict(BUY)]).id]
    terms.setdefault(
        "percent_off", 20 if terms.get("discount_type", "percent") == "percent" else None
    )
    promotion = make_promotion(studio, **terms)
    if withdrawn:
        promotion.active = False
        db.session.commit()
    if expired:  # its last day has passed since the studio made it
        promotion.valid_from, promotion.valid_until = (
            now - timedelta(days=9),
            now - timedelta(days=1),
        )
        db.session.commit()

    response = buy_with_code(viewer_client, film, typed, "rent", **where)

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert 'data-testid="code-refusal"' in page and message in page.replace("&#34;", '"')
    assert emu.objects("checkout.session") == []
    assert latest_order_count() == 0


def test_a_code_refused_for_every_option_is_said_once(viewer_client, studio, film):
    """Not once next to the field and again under each button."""
    page = viewer_client.get(f"/buy/{film.slug}?code=NOPE").get_data(as_text=True)
    assert page.count("There is no code") == 1
    assert 'data-testid="code-refusal"' in page


def latest_order_count() -> int:
    from storefront.models import Order

    return db.session.scalar(db.select(db.func.count()).select_from(Order))


def test_used_up_and_already_used(viewer_client, viewer, studio, film, emu, make_user, app):
    make_promotion(studio, percent_off=100, code="ONEEACH", max_uses=2, per_viewer_limit=1)
    assert buy_with_code(viewer_client, film, "ONEEACH", "rent").status_code == 303
    again = buy_with_code(viewer_client, film, "ONEEACH", "buy")
    assert again.status_code == 409
    assert "You have already used the code “ONEEACH”" in again.get_data(as_text=True)
    second = logged_in(app, make_user("second@example.org").email)
    assert buy_with_code(second, film, "ONEEACH", "rent").status_code == 303
    third = logged_in(app, make_user("third@example.org").email)
    refused = buy_with_code(third, film, "ONEEACH", "rent")
    assert refused.status_code == 409
    assert "has been used as many times as it allows" in refused.get_data(as_text=True)


def test_batch_codes_are_single_use(viewer_client, studio, film, emu, make_user, app):
    promotion = make_promotion(studio, percent_off=100, batch_size=3, batch_prefix="fest")
    codes = [c.code for c in promotion.codes]
    assert len(set(codes)) == 3 and all(c.startswith("FEST-") for c in codes)
    assert buy_with_code(viewer_client, film, codes[0], "rent").status_code == 303
    other = logged_in(app, make_user("juror@example.org").email)
    assert buy_with_code(other, film, codes[0], "rent").status_code == 409
    assert buy_with_code(other, film, codes[1], "rent").status_code == 303
    assert db.session.scalar(db.select(db.func.count()).select_from(Entitlement)) == 2


def test_rent_and_buy_prices_are_unchanged_without_a_code(viewer_client, viewer, film, emu):
    response = viewer_client.post(f"/buy/{film.slug}", data={"kind": "buy"})
    assert response.status_code == 303
    order = latest_order(viewer)
    assert (order.amount, order.list_amount, order.discount_amount, order.promo_code) == (
        1299,
        1299,
        0,
        None,
    )
    assert RENT["amount"] == 499  # the fixture the discounted tests above start from


def test_coming_back_from_the_processor_and_starting_again_keeps_the_code(
    viewer_client, viewer, studio, film, emu
):
    make_promotion(studio, percent_off=50, max_uses=1, per_viewer_limit=1)
    first = buy_with_code(viewer_client, film, "NEWSLETTER20", "rent")
    assert first.status_code == 303
    # The same checkout is handed out again, still holding the one use.
    again = buy_with_code(viewer_client, film, "NEWSLETTER20", "rent")
    assert again.status_code == 303 and again.location == first.location
    assert redemption_states() == [RedemptionStatus.RESERVED]
    # Without the code the price differs: the old checkout closes and frees the use...
    assert viewer_client.post(f"/buy/{film.slug}", data={"kind": "rent"}).status_code == 303
    assert redemption_states() == [RedemptionStatus.RELEASED]
    # ...so the viewer can still change their mind and use it.
    assert buy_with_code(viewer_client, film, "NEWSLETTER20", "rent").status_code == 303
    assert sorted(redemption_states()) == [RedemptionStatus.RELEASED, RedemptionStatus.RESERVED]


def test_the_revenue_dashboard_counts_comps_beside_paid_sales(
    app, viewer, filmmaker, studio, film, emu, webhooks, make_user
):
    import re

    make_promotion(studio, percent_off=100, code="CASTANDCREW")
    paid = logged_in(app, viewer.email).post(f"/buy/{film.slug}", data={"kind": "buy"})
    emu.pay(session_id_from(paid.location))
    for email in ("cast@example.org", "crew@example.org"):
        make_user(email)
        buy_with_code(logged_in(app, email), film, "CASTANDCREW", "buy")

    revenue = logged_in(app, filmmaker.email).get(f"/studio/{studio.slug}/revenue")
    html = revenue.get_data(as_text=True)
    stats = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)", html))
    assert (stats["Purchases"].strip(), stats["Comps"].strip()) == ("1", "2")
    assert stats["Gross sales"].strip() == "€12.99"  # comps add nothing to the money


def test_guessing_codes_is_rate_limited_per_account_and_per_address(
    settings, viewer, studio, film, make_user
):
    """Codes a studio chose (PRESS, FESTIVAL) are guessable, and each try says whether the
    code exists: tries are limited per account, and per address (a second account from
    the same place gets no fresh tries). Reading the page without a code is not limited."""
    import uuid

    from storefront import create_app
    from tests.conftest import PASSWORD

    make_promotion(studio, percent_off=100, code="PRESS")
    make_user("second@example.org")
    settings.update(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        CODE_RATE_LIMIT="3 per minute",
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
    )
    limited = create_app(settings)

    def signed_in(email: str):  # type: ignore[no-untyped-def]
        client = limited.test_client()
        assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code
        return client

    guesser = signed_in("viewer@example.org")
    tries = [guesser.get(f"/buy/{film.slug}?code=GUESS{n}").status_code for n in range(3)]
    assert tries == [200, 200, 200]
    assert guesser.get(f"/buy/{film.slug}?code=PRESS").status_code == 429
    assert buy_with_code(guesser, film, "PRESS").status_code == 429
    assert guesser.get(f"/buy/{film.slug}").status_code == 200
    elsewhere = {"REMOTE_ADDR": "192.0.2.9"}  # the same account from another address
    assert guesser.get(f"/buy/{film.slug}?code=PRESS", environ_base=elsewhere).status_code == 429
    second = signed_in("second@example.org")
    assert second.get(f"/buy/{film.slug}?code=PRESS").status_code == 429
    assert redemption_states() == []


def test_an_empty_code_in_the_address_does_not_hide_the_forms_code_from_the_limit(
    settings, viewer, studio, film
):
    """The limit asked ``request.values``, where the query string comes first: posting
    ``/buy/<film>?code=`` with the guess in the form was exempt, and guesses went on without
    end until one named a real code (PRESS, 100 % off: a free film)."""
    import uuid

    from storefront import create_app
    from tests.conftest import PASSWORD

    make_promotion(studio, percent_off=100, code="PRESS")
    settings.update(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        CODE_RATE_LIMIT="3 per minute",
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
    )
    client = create_app(settings).test_client()
    assert client.post("/login", data={"email": viewer.email, "password": PASSWORD})

    def guess(code: str) -> int:
        form = {"kind": "rent", "code": code}
        return client.post(f"/buy/{film.slug}?code=", data=form).status_code

    assert [guess(f"GUESS{n}") for n in range(3)] == [409, 409, 409]
    assert guess("PRESS") == 429
    assert redemption_states() == []


def test_a_second_tab_cannot_spend_a_one_use_code_twice(
    viewer_client, viewer, studio, film, make_title, emu, webhooks
):
    """A viewer started a checkout with a one-use code, then another film's checkout with
    it in a second tab: the second took the use over, but the first processor page stayed
    open, and paying both gave two discounted sales on a code allowing one."""
    other = make_title("Second Feature", studio=studio, offers=[dict(RENT)])
    make_promotion(studio, percent_off=50, max_uses=1, per_viewer_limit=1)
    first = buy_with_code(viewer_client, film, "NEWSLETTER20", "rent")
    second = buy_with_code(viewer_client, other, "NEWSLETTER20", "rent")
    assert first.status_code == second.status_code == 303

    assert emu.get(session_id_from(first.location))["status"] == "expired"
    # The processor's news of the closed page was taken on its first delivery: the request
    # that closed it no longer holds the database while the processor answers.
    closed = [d for d in emu.deliveries if d.event_type == "checkout.session.expired"]
    assert [(d.attempt, d.ok) for d in closed] == [(1, True)], [(d.status, d.error) for d in closed]
    first_order = db.session.scalar(
        db.select(Order).filter_by(checkout_session_id=session_id_from(first.location))
    )
    assert first_order.status == OrderStatus.EXPIRED
    emu.pay(session_id_from(second.location))
    paid = db.session.scalars(db.select(Order).filter_by(status=OrderStatus.PAID)).all()
    assert [o.title_id for o in paid] == [other.id]
    assert redemption_states().count(RedemptionStatus.REDEEMED) == 1
