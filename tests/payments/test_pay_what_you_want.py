"""Pay what you want with regional floors, against the Stripe emulator: the studio sets a
floor per offer and per country, the viewer's amount is what the processor charges, and an
amount below the floor where the viewer is gets a clear refusal."""

from __future__ import annotations

from storefront.extensions import db
from storefront.models import LedgerEntry, Offer, OrderStatus

from .conftest import fresh, latest_order, session_id_from
from .promo import make_promotion


def set_pwyw(client, studio, film, **fields):  # type: ignore[no-untyped-def]
    data = {"buy_enabled": "y", "buy_floor": "5", "rows": "1"}
    data.update(fields)
    return client.post(f"/studio/{studio.slug}/titles/{film.id}/pay-what-you-want", data=data)


def pay(client, film, amount: str, country: str = "FR"):  # type: ignore[no-untyped-def]
    return client.post(
        f"/buy/{film.slug}",
        data={"kind": "buy", "amount": amount},
        headers={"X-Test-Country": country},
    )


def test_the_viewer_pays_their_own_price_above_the_floor(
    app, filmmaker_client, viewer, studio, film, emu, webhooks
):
    from .promo import logged_in

    assert set_pwyw(filmmaker_client, studio, film).status_code == 303
    viewer_client = logged_in(app, viewer.email)
    page = viewer_client.get(f"/buy/{film.slug}", headers={"X-Test-Country": "FR"})
    text = page.get_data(as_text=True)
    assert "Suggested €12.99; at least €5.00 where you are." in text
    response = pay(viewer_client, film, "7.50")
    assert response.status_code == 303
    order = latest_order(viewer)
    assert (order.amount, order.list_amount) == (750, 1299)
    assert emu.get(session_id_from(response.location))["amount_total"] == 750
    emu.pay(session_id_from(response.location))
    assert fresh(type(order), order.id).status == OrderStatus.PAID
    (sale,) = db.session.scalars(db.select(LedgerEntry).filter_by(order_id=order.id)).all()
    assert sale.gross == 750


def test_below_the_floor_is_refused_with_the_floor_named(
    app, filmmaker_client, viewer, studio, film, emu
):
    from .promo import logged_in

    set_pwyw(filmmaker_client, studio, film)
    refused = pay(logged_in(app, viewer.email), film, "4.99")
    assert refused.status_code == 409
    assert "The least you can pay here is €5.00." in refused.get_data(as_text=True)
    assert emu.objects("checkout.session") == []


def test_a_regional_floor_lets_a_viewer_in_india_pay_less(
    app, filmmaker_client, viewer, studio, film, emu
):
    from .promo import logged_in

    response = set_pwyw(
        filmmaker_client,
        studio,
        film,
        **{
            "row-0-kind": "buy",
            "row-0-country": "IN",
            "row-0-currency": "INR",
            "row-0-suggested": "300",
            "row-0-floor": "99",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    viewer_client = logged_in(app, viewer.email)
    assert pay(viewer_client, film, "120", country="IN").status_code == 303
    order = latest_order(viewer)
    assert (order.amount, order.currency, order.list_amount) == (12000, "INR", 30000)
    # The same amount in France is below the floor there.
    assert pay(viewer_client, film, "1.20", country="FR").status_code == 409
    assert "The least you can pay here is ₹99.00." in pay(
        viewer_client, film, "50", country="IN"
    ).get_data(as_text=True)


def test_the_studio_form_refuses_a_floor_above_the_suggestion(filmmaker_client, studio, film):
    response = set_pwyw(filmmaker_client, studio, film, buy_floor="20")
    assert response.status_code == 400
    assert "The floor must not be above the suggested price." in response.get_data(as_text=True)
    offer = db.session.scalar(db.select(Offer).filter_by(title_id=film.id, kind="buy"))
    assert offer.pay_what_you_want is False


def test_a_refused_form_keeps_the_rows_typed_and_names_the_country(filmmaker_client, studio, film):
    """A refused save showed the saved rows instead of the ones typed (an empty table for a
    first try), and the reason began with the raw code: "IN: Enter a price…"."""
    row = {
        "row-1-kind": "buy",
        "row-1-country": "IN",
        "row-1-currency": "INR",
        "row-1-suggested": "3OO",
        "row-1-floor": "99",
    }
    response = set_pwyw(filmmaker_client, studio, film, rows="3", buy_floor="20", **row)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'name="row-1-suggested" aria-label="Suggested, row 2" value="3OO"' in html
    assert 'name="row-1-floor" aria-label="Floor, row 2" value="99"' in html
    assert '<option value="IN" selected>' in html and '<option value="INR" selected>' in html
    assert "India: " in html and "IN: " not in html
    assert (
        '<p class="error" id="buy-floor-error">The floor must not be above the suggested price.'
        in html
    )


def test_a_code_applies_to_the_suggested_price(app, filmmaker_client, viewer, studio, film, emu):
    from .promo import buy_with_code, logged_in

    set_pwyw(filmmaker_client, studio, film)
    make_promotion(studio, percent_off=50, code="HALF")
    buy_with_code(logged_in(app, viewer.email), film, "HALF", "buy")
    assert latest_order(viewer).amount == 649  # 12.99 less half of it (6.495 -> 6.50 off)


def test_a_code_lowers_the_floor_and_the_viewer_pays_what_they_confirmed(
    app, filmmaker_client, viewer, studio, film, emu, webhooks
):
    from .promo import logged_in

    set_pwyw(filmmaker_client, studio, film)  # suggested 12.99, floor 5.00
    make_promotion(studio, percent_off=20, code="FESTIVAL20")
    viewer_client = logged_in(app, viewer.email)
    page = viewer_client.get(f"/buy/{film.slug}?code=festival20", headers={"X-Test-Country": "FR"})
    # 20 % off both: 12.99 - 2.60 and 5.00 - 1.00.
    assert "Suggested €10.39; at least €4.00 where you are." in page.get_data(as_text=True)

    def pay_with_code(amount: str):  # type: ignore[no-untyped-def]
        data = {"kind": "buy", "amount": amount, "code": "FESTIVAL20"}
        return viewer_client.post(f"/buy/{film.slug}", data=data, headers={"X-Test-Country": "FR"})

    refused = pay_with_code("3.99")
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert "The least you can pay here is €4.00." in text
    assert 'value="FESTIVAL20"' in text  # the code stays applied while the amount is fixed
    assert emu.objects("checkout.session") == []

    response = pay_with_code("4.50")
    assert response.status_code == 303, response.get_data(as_text=True)
    order = latest_order(viewer)
    assert (order.amount, order.list_amount, order.promo_code) == (450, 1299, "FESTIVAL20")
    assert order.discount_amount == 260  # at most what the code takes off the suggestion
    assert emu.get(session_id_from(response.location))["amount_total"] == 450
    emu.pay(session_id_from(response.location))
    assert fresh(type(order), order.id).status == OrderStatus.PAID
    (sale,) = db.session.scalars(db.select(LedgerEntry).filter_by(order_id=order.id)).all()
    assert (sale.gross, sale.promo_code) == (450, "FESTIVAL20")


def test_paying_more_than_the_discounted_suggestion_records_only_the_discount_used(
    app, filmmaker_client, viewer, studio, film, emu
):
    from .promo import logged_in

    set_pwyw(filmmaker_client, studio, film)
    make_promotion(studio, percent_off=20, code="FESTIVAL20")
    response = logged_in(app, viewer.email).post(
        f"/buy/{film.slug}",
        data={"kind": "buy", "amount": "12.00", "code": "FESTIVAL20"},
        headers={"X-Test-Country": "FR"},
    )
    assert response.status_code == 303
    order = latest_order(viewer)
    assert (order.amount, order.discount_amount) == (1200, 99)  # 12.99 suggested, 12.00 paid
    assert emu.get(session_id_from(response.location))["amount_total"] == 1200


def test_the_row_count_the_form_sends_is_not_a_loop_to_run(filmmaker_client, studio, film):
    """The form says how many country rows it has; 10**7 or 10**20 of them is answered at
    once, reading no more rows than a plan may hold."""
    import time

    india = {
        "row-0-kind": "buy",
        "row-0-country": "IN",
        "row-0-currency": "INR",
        "row-0-suggested": "300",
        "row-0-floor": "99",
    }
    for count in ("10000000", "99999999999999999999"):
        started = time.monotonic()
        response = set_pwyw(filmmaker_client, studio, film, rows=count, **india)
        assert time.monotonic() - started < 5, f"{count} rows"
        assert response.status_code == 303, response.get_data(as_text=True)
    offer = db.session.scalar(db.select(Offer).filter_by(title_id=film.id, kind="buy"))
    assert [t.country for t in offer.territories if t.minimum_amount] == ["IN"]


def test_a_regional_floor_never_opens_a_country_the_offer_leaves_out(
    app, filmmaker_client, viewer, studio, make_title, emu
):
    """A floor row for a country the offer does not sell in (not listed, or blocked) made
    that country a priced, unblocked row: the film went on sale where the studio had
    excluded it, from a form about prices."""
    from .promo import logged_in

    film = make_title(
        "Only Here",
        studio=studio,
        offers=[
            {
                "kind": "buy",
                "amount": 1299,
                "currency": "EUR",
                "territory_mode": "allow",
                "territories": [{"country": "FR"}],
            },
            {
                "kind": "rent",
                "amount": 499,
                "currency": "EUR",
                "territory_mode": "deny",
                "territories": [{"country": "US", "blocked": True}],
            },
        ],
    )
    for kind, country in (("buy", "BR"), ("rent", "US")):
        response = set_pwyw(
            filmmaker_client,
            studio,
            film,
            rent_enabled="y",
            rent_floor="1",
            **{
                "row-0-kind": kind,
                "row-0-country": country,
                "row-0-currency": "USD",
                "row-0-suggested": "5",
                "row-0-floor": "1",
            },
        )
        assert response.status_code == 400
        assert "not sold there" in response.get_data(as_text=True)
    db.session.expire_all()
    offers = db.session.scalars(db.select(Offer).filter_by(title_id=film.id)).all()
    assert {(t.country, t.blocked) for o in offers for t in o.territories} == {
        ("FR", False),
        ("US", True),
    }
    viewer_client = logged_in(app, viewer.email)
    assert pay(viewer_client, film, "5", country="BR").status_code == 409
    rent = viewer_client.post(
        f"/buy/{film.slug}", data={"kind": "rent", "amount": "5"}, headers={"X-Test-Country": "US"}
    )
    assert rent.status_code == 409
    assert emu.objects("checkout.session") == []
