"""``flask payments reconcile``: every difference between Stripe's charges and our records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storefront.extensions import db
from storefront.models import Entitlement, Order

from .conftest import checkout, latest_order, session_id_from


def reconcile(app, *args: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["payments", "reconcile", *args])


def buy(client, film, emu, kind: str = "buy") -> None:  # type: ignore[no-untyped-def]
    emu.pay(session_id_from(checkout(client, film, kind).location))


def test_matching_records_report_no_difference(app, viewer_client, film, emu, webhooks, sdk):
    app.extensions["payments"].page_size = 2  # follow pagination across several pages
    buy(viewer_client, film, emu, "rent")
    buy(viewer_client, film, emu, "buy")
    sdk.v1.refunds.create({"charge": emu.objects("charge")[0]["id"], "amount": 100})
    checkout(viewer_client, film, "rent")  # abandoned: no charge, nothing to reconcile

    result = reconcile(app)

    assert result.exit_code == 0, result.output
    assert "No differences with stripe." in result.output


def test_differences_are_listed_and_fail_the_command(
    app, viewer_client, viewer, film, emu, webhooks, sdk
):
    app.extensions["payments"].page_size = 1
    buy(viewer_client, film, emu, "rent")
    paid = latest_order(viewer)
    # A refund whose webhook never arrived, a payment whose webhook never arrived, and a
    # charge the store knows nothing about.
    emu.hold_webhooks = True
    sdk.v1.refunds.create({"charge": paid.charge_id, "amount": 200})
    unconfirmed_url = checkout(viewer_client, film, "buy").location
    unconfirmed = latest_order(viewer)
    emu.pay(session_id_from(unconfirmed_url))
    foreign = sdk.v1.checkout.sessions.create(
        {
            "mode": "payment",
            "success_url": "https://elsewhere.example/ok",
            "line_items": [
                {
                    "price_data": {
                        "currency": "usd",
                        "unit_amount": 700,
                        "product_data": {"name": "T-shirt"},
                    },
                    "quantity": 1,
                }
            ],
        }
    )
    emu.pay(foreign.id)
    # And a paid order that lost its entitlement.
    db.session.execute(db.delete(Entitlement).where(Entitlement.order_id == paid.id))
    db.session.commit()

    result = reconcile(app)

    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(
        line.startswith("refund not in ledger: refund re_") and paid.public_id in line
        for line in lines
    )
    assert any(line.startswith("refunded amount differs: processor 200, order 0") for line in lines)
    assert any(
        line.startswith("order not paid:") and unconfirmed.public_id in line for line in lines
    )
    assert any(line.startswith("missing order: charge of 700 USD") for line in lines)
    assert any(
        line.startswith("paid order without entitlement:") and paid.public_id in line
        for line in lines
    )
    assert "difference(s) with stripe." in result.output


def test_orders_and_charges_that_do_not_pair_up_are_reported(
    app, viewer_client, viewer, film, emu, webhooks
):
    buy(viewer_client, film, emu)
    order = latest_order(viewer)
    real_charge = order.charge_id
    order.charge_id = "ch_other"  # the order points at another charge than Stripe's
    ghost = Order(
        public_id="ghost-order",
        user_id=viewer.id,
        title_id=film.id,
        studio_id=film.studio_id,
        kind="buy",
        amount=1299,
        currency="EUR",
        title_name=film.name,
        studio_name="Fjord",
        status="paid",
        provider="stripe",
        charge_id="ch_gone",
        paid_at=order.paid_at,
    )
    db.session.add(ghost)
    db.session.commit()

    result = reconcile(app)

    assert result.exit_code == 1
    assert (
        f"charge mismatch: the order records charge ch_other [order={order.public_id} "
        f"charge={real_charge}]" in result.output
    )
    assert (
        "charge missing at the processor: order paid but no charge ch_gone was reported "
        "[order=ghost-order charge=ch_gone]" in result.output
    )
    assert "paid order without entitlement: Night Train (buy) [order=ghost-order" in result.output


def test_since_limits_the_comparison(app, viewer_client, viewer, film, emu, webhooks):
    buy(viewer_client, film, emu)
    order = latest_order(viewer)
    db.session.execute(db.delete(Entitlement).where(Entitlement.order_id == order.id))
    db.session.commit()
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%d")

    assert reconcile(app).exit_code == 1
    assert reconcile(app, "--since", tomorrow).exit_code == 0
    assert reconcile(app, "--since", "not-a-date").exit_code == 2


def test_stripe_unreachable_is_an_error_not_a_clean_report(app, emu):
    emu.fail_next("/v1/charges", status=500)

    result = reconcile(app)

    assert result.exit_code == 1 and "could not read the processor's charges" in result.output
    assert db.session.scalar(db.select(db.func.count(Order.id))) == 0
