"""Refunds from the order page: who may, what amounts, and that only the webhook changes state."""

from __future__ import annotations

import pytest

from storefront.extensions import db
from storefront.models import (
    Entitlement,
    EntitlementStatus,
    EntryType,
    LedgerEntry,
    Order,
    OrderStatus,
)

from .conftest import fresh, order_url


def refund_rows(order: Order) -> list[LedgerEntry]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(LedgerEntry)
            .filter_by(order_id=order.id, entry_type=EntryType.REFUND)
            .order_by(LedgerEntry.id)
        )
    )


def test_only_the_studio_and_admins_see_the_order(
    paid_order, client, auth, make_user, make_studio, filmmaker, admin_client_factory
):
    url = order_url(paid_order)
    outsider = make_user()
    make_studio(outsider, name="Other Films")

    auth.login(outsider.email)
    assert client.get(url).status_code == 404
    assert client.get(f"/studio/other-films/orders/{paid_order.public_id}").status_code == 404
    auth.logout()
    auth.login(filmmaker.email)
    page = client.get(url)
    assert page.status_code == 200 and "Night Train" in page.text and "€12.99" in page.text
    assert client.get(f"/studio/{paid_order.title.studio.slug}/orders").status_code == 200
    assert admin_client_factory().get(url).status_code == 200


def test_the_buyer_cannot_refund_themselves(paid_order, viewer_client):
    assert (
        viewer_client.post(
            order_url(paid_order), data={"refund_all": "y", "confirm_all": "yes"}
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("", "Enter an amount such as 4.50."),
        ("abc", "Enter an amount such as 4.50."),
        ("0", "Enter an amount greater than zero."),
        ("-1", "Enter an amount greater than zero."),
        ("1.234", "EUR amounts have at most 2 decimals."),
        ("13.00", "At most €12.99 can be refunded."),
        ("NaN", "Enter an amount greater than zero."),
    ],
)
def test_bad_amounts_are_refused_next_to_the_field(
    paid_order, filmmaker_client, emu, amount, message
):
    response = filmmaker_client.post(
        order_url(paid_order), data={"amount": amount, "refund_part": "y"}
    )

    assert response.status_code == 400
    assert message in response.text
    assert emu.objects("refund") == []
    assert fresh(Order, paid_order.id).amount_refunded == 0


def test_partial_then_full_refund(paid_order, filmmaker_client, emu):
    url = order_url(paid_order)

    partial = filmmaker_client.post(url, data={"amount": "4,50", "refund_part": "y"})

    assert partial.status_code == 303
    order = fresh(Order, paid_order.id)
    assert order.status == OrderStatus.PARTIALLY_REFUNDED and order.amount_refunded == 450
    entitlement = db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id))
    assert entitlement.status == EntitlementStatus.ACTIVE
    (first,) = refund_rows(order)
    refund = emu.objects("refund")[0]
    assert (first.gross, first.tax, first.processor_fee, first.net) == (-450, 0, 0, -450)
    assert first.refund_id == refund["id"]
    assert first.settlement_net == emu.get(refund["balance_transaction"])["net"] == -450

    page = filmmaker_client.get(url)
    assert "€8.49" in page.text  # what is left to refund

    full = filmmaker_client.post(url, data={"refund_all": "y", "confirm_all": "yes"})

    assert full.status_code == 303
    order = fresh(Order, paid_order.id)
    assert order.status == OrderStatus.REFUNDED and order.amount_refunded == 1299
    assert fresh(Entitlement, entitlement.id).status == EntitlementStatus.REVOKED
    assert [r.gross for r in refund_rows(order)] == [-450, -849]
    assert 'name="refund_all"' not in filmmaker_client.get(url).text  # nothing left


def test_a_double_submit_refunds_once(paid_order, filmmaker_client, emu):
    emu.hold_webhooks = True  # the first refund's webhook has not arrived yet
    url = order_url(paid_order)

    filmmaker_client.post(url, data={"amount": "2.00", "refund_part": "y"})
    filmmaker_client.post(url, data={"amount": "2.00", "refund_part": "y"})

    assert len(emu.objects("refund")) == 1
    assert fresh(Order, paid_order.id).amount_refunded == 0  # nothing changes before the webhook
    emu.release_held()
    assert fresh(Order, paid_order.id).amount_refunded == 200


def test_a_redelivered_refund_event_adds_no_rows(paid_order, filmmaker_client, emu):
    filmmaker_client.post(order_url(paid_order), data={"amount": "1.00", "refund_part": "y"})
    event = next(e for e in emu.events if e["type"] == "charge.refunded")

    emu.deliver(event["id"], times=3)

    assert len(refund_rows(paid_order)) == 1
    assert fresh(Order, paid_order.id).amount_refunded == 100


def test_stripe_refusing_the_refund_is_shown(paid_order, filmmaker_client, emu):
    emu.fail_next("/v1/refunds", status=500)

    response = filmmaker_client.post(
        order_url(paid_order), data={"refund_all": "y", "confirm_all": "yes"}
    )

    assert response.status_code == 503 and "could not reach our payment provider" in response.text
    assert fresh(Order, paid_order.id).status == OrderStatus.PAID


def test_refund_everything_asks_first_and_the_order_says_when(paid_order, filmmaker_client, emu):
    url = order_url(paid_order)
    asked = filmmaker_client.post(url, data={"refund_all": "y"})
    assert asked.status_code == 200
    assert "Refund everything?" in asked.text and 'name="confirm_all" value="yes"' in asked.text
    assert fresh(Order, paid_order.id).amount_refunded == 0  # nothing happened yet
    assert not emu.objects("refund")

    done = filmmaker_client.post(url, data={"refund_all": "y", "confirm_all": "yes"})
    assert done.status_code == 303
    assert fresh(Order, paid_order.id).status == OrderStatus.REFUNDED
    page = filmmaker_client.get(url).text
    when = refund_rows(fresh(Order, paid_order.id))[0].occurred_at
    assert "· on " in page and str(when.year) in page.split("· on ", 1)[1][:40]


def test_a_refund_by_an_admin_of_another_studio_is_in_the_audit_log(
    paid_order, filmmaker_client, admin_client_factory, emu
):
    """The studio refunding its own sale is its business; an admin stepping in is audited."""
    from storefront.models import AdminAction

    url = order_url(paid_order)
    assert filmmaker_client.post(url, data={"amount": "1", "refund_part": "y"}).status_code == 303
    assert db.session.scalar(db.select(db.func.count(AdminAction.id))) == 0
    admin = admin_client_factory()
    refused = admin.post(url, data={"amount": "999", "refund_part": "y"})
    assert refused.status_code == 400
    assert db.session.scalar(db.select(db.func.count(AdminAction.id))) == 0

    assert admin.post(url, data={"amount": "2,50", "refund_part": "y"}).status_code == 303

    [entry] = db.session.scalars(db.select(AdminAction)).all()
    assert (entry.action, entry.target_type, entry.target_id) == (
        "order.refund",
        "order",
        paid_order.id,
    )
    assert "2.50" in entry.detail and "EUR" in entry.detail
    log = admin.get("/admin/audit").text
    assert "Refunded an order" in log and paid_order.public_id in log
