# ruff: noqa: F811
"""Refunds that fail on the platform's charges: a co-produced order's holders get their
reversals transferred again; a destination charge's rows follow what Stripe moved back."""

from __future__ import annotations

from storefront.extensions import db
from storefront.models import LedgerEntry, Notification, Order, OrderStatus
from storefront.models.ledger import PLATFORM_ENTRY_TYPES
from storefront.services.payments.refunds import refundable_amount

from .conftest import checkout, fresh, latest_order, session_id_from
from .coproduction import holder_total, onboard_in_emulator, payouts, received_in_emulator
from .test_connect import onboard
from .test_coproduction_transfers import (  # noqa: F401 (fixtures)
    belgian,
    buy,
    connect_app,
    coproduced,
    platform_balance,
)


def platform_rows_net(order: Order) -> int:
    db.session.expire_all()
    return sum(
        db.session.scalars(
            db.select(LedgerEntry.settlement_net).where(
                LedgerEntry.order_id == order.id, LedgerEntry.entry_type.in_(PLATFORM_ENTRY_TYPES)
            )
        )
    )


def test_a_failed_refund_of_a_split_order_pays_the_holders_again(
    coproduced, studio, belgian, sdk, emu, viewer_client, admin_client_factory
):
    owner_acct = onboard_in_emulator(sdk, emu, studio)
    belgian_acct = onboard_in_emulator(sdk, emu, belgian)
    order = buy(viewer_client, emu, coproduced, "DE")
    before = platform_balance(emu)
    assert platform_rows_net(order) == before
    admin = admin_client_factory()
    url = f"/studio/{studio.slug}/orders/{order.public_id}"
    admin.post(url, data={"amount": "4.50", "refund_part": "y"})
    emu.hold_refunds_pending()
    admin.post(url, data={"refund_all": "y", "confirm_all": "yes"})
    assert received_in_emulator(emu, owner_acct) == 0 == holder_total(studio.id)
    pending = next(r for r in emu.objects("refund") if r["status"] == "pending")

    emu.fail_refund(pending["id"])

    # 12.99 - 4.50 goes back to the holders: what the failed refund took (643-223, 428-148).
    assert received_in_emulator(emu, owner_acct) == 643 - 223 == holder_total(studio.id)
    assert received_in_emulator(emu, belgian_acct) == 428 - 148 == holder_total(belgian.id)
    restores = [p for p in payouts(order.id) if p.cause.startswith("refund_failed")]
    assert sorted(p.amount for p in restores) == [280, 420]
    assert all(p.status == "paid" and p.transfer_id for p in restores)
    assert platform_rows_net(order) == platform_balance(emu)
    refreshed = fresh(Order, order.id)
    assert refreshed.status == OrderStatus.PARTIALLY_REFUNDED
    assert refreshed.amount_refunded == 450 and refundable_amount(refreshed) == 849

    # Refunded again, the holders' transfers are reversed once more, down to nothing.
    admin.post(url, data={"refund_all": "y", "confirm_all": "yes"})

    assert received_in_emulator(emu, owner_acct) == 0 == holder_total(studio.id)
    assert received_in_emulator(emu, belgian_acct) == 0 == holder_total(belgian.id)
    assert platform_rows_net(order) == platform_balance(emu)
    assert fresh(Order, order.id).status == OrderStatus.REFUNDED


def test_a_failed_refund_of_a_destination_charge_keeps_each_balance_exact(
    app, connect_app, client, auth, filmmaker, viewer, film, emu, webhooks
):
    """Stripe undoes only the refund: the studio's transfer reversal and the platform's fee
    refund stand. The rows say so: the platform's balance has the refund back, the studio's
    account moved nothing, and the order is paid again."""
    auth.login(filmmaker.email)
    onboard(client, film.studio, emu)
    auth.logout()
    auth.login(viewer.email)
    emu.pay(session_id_from(checkout(client, film, "buy").location))
    order = latest_order(viewer)
    auth.logout()
    auth.login(filmmaker.email)
    emu.hold_refunds_pending()
    client.post(
        f"/studio/{film.studio.slug}/orders/{order.public_id}",
        data={"refund_all": "y", "confirm_all": "yes"},
    )
    (refund,) = emu.objects("refund")

    emu.fail_refund(refund["id"])

    refreshed = fresh(Order, order.id)
    assert refreshed.status == OrderStatus.PAID and refreshed.amount_refunded == 0
    db.session.expire_all()
    entries = list(db.session.scalars(db.select(LedgerEntry).filter_by(order_id=order.id)))
    platform = [e for e in entries if e.entry_type in PLATFORM_ENTRY_TYPES]
    studio_rows = [e for e in entries if e.entry_type not in PLATFORM_ENTRY_TYPES]
    assert sum(e.settlement_net for e in platform) == platform_balance(emu)
    (transfer,) = emu.objects("transfer")
    (fee,) = emu.objects("application_fee")
    on_studio_account = (
        transfer["amount"] - transfer["amount_reversed"] - fee["amount"] + fee["amount_refunded"]
    )
    assert sum(e.settlement_net for e in studio_rows) == on_studio_account
    # The order's own figures: nothing refunded.
    assert sum(e.gross for e in studio_rows) == 1299
    # The studio and the admins hear what the platform now holds for the studio.
    held = transfer["amount_reversed"] - fee["amount_refunded"]
    mails = db.session.scalars(
        db.select(Notification).where(Notification.key.like(f"refund_failed:{refund['id']}:%"))
    ).all()
    assert mails and {n.context["held"] for n in mails} == {held} and held == 1299 - 160


def test_a_refund_after_a_small_failed_one_takes_back_the_whole_share_from_both_transfers(
    app, coproduced, studio, belgian, sdk, emu, viewer_client, admin_client_factory
):
    def sdk_gateway():  # type: ignore[no-untyped-def]
        return app.extensions["payments"]

    owner_acct = onboard_in_emulator(sdk, emu, studio)
    belgian_acct = onboard_in_emulator(sdk, emu, belgian)
    order = buy(viewer_client, emu, coproduced, "DE")
    admin = admin_client_factory()
    url = f"/studio/{studio.slug}/orders/{order.public_id}"
    admin.post(url, data={"amount": "4.50", "refund_part": "y"})
    emu.hold_refunds_pending()
    admin.post(url, data={"amount": "1.00", "refund_part": "y"})
    emu.fail_refund(next(r for r in emu.objects("refund") if r["status"] == "pending")["id"])
    # What the failed refund took came back as new transfers, beside what is left of the first.
    assert received_in_emulator(emu, belgian_acct) == 428 - 148 == holder_total(belgian.id)
    assert received_in_emulator(emu, owner_acct) == 643 - 223 == holder_total(studio.id)

    admin.post(url, data={"refund_all": "y", "confirm_all": "yes"})

    # Each share is taken back in full, from the transfers that still hold it.
    assert received_in_emulator(emu, belgian_acct) == 0 == holder_total(belgian.id)
    assert received_in_emulator(emu, owner_acct) == 0 == holder_total(studio.id)
    assert all(p.status == "paid" for p in payouts(order.id))
    assert platform_rows_net(order) == platform_balance(emu)
    from storefront.services.payments.reconcile_transfers import check_order

    assert check_order(sdk_gateway(), fresh(Order, order.id)) == []
