"""Co-productions with Stripe Connect: separate charges and transfers, one transfer per holder
tied to the charge, reversals on refunds and disputes, and a holder paid once it onboards.

Every figure is checked against the emulator's own objects: what each holder's account
received (transfers less reversals) and the platform's balance (sum of balance transactions).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from storefront.extensions import db
from storefront.models import Notification, Studio
from tests.conftest import PASSWORD

from .conftest import checkout, latest_order, session_id_from
from .coproduction import (
    add_holder,
    holder_total,
    nordic_benelux_rest,
    onboard_in_emulator,
    payouts,
    received_in_emulator,
    split_rows,
)


@pytest.fixture
def connect_app(app):  # type: ignore[no-untyped-def]
    app.config.update(
        STRIPE_CONNECT=True, PLATFORM_FEE_PERCENT=Decimal("10"), PLATFORM_FEE_FIXED={"EUR": 30}
    )
    return app


@pytest.fixture
def belgian(make_studio) -> Studio:  # type: ignore[no-untyped-def]
    return make_studio(name="Bruxelles Films", country="BE")


@pytest.fixture
def coproduced(connect_app, film, studio, belgian, sdk, emu, webhooks):  # type: ignore[no-untyped-def]
    add_holder(film, belgian)
    nordic_benelux_rest(film, studio, belgian)
    return film


def buy(client, emu, film, country: str):  # type: ignore[no-untyped-def]
    response = checkout(client, film, "buy", country)
    assert response.status_code == 303, response.text
    emu.pay(session_id_from(response.location))
    return latest_order()


def another_viewer(app, make_user):  # type: ignore[no-untyped-def]
    from tests.conftest import PASSWORD

    person = make_user()
    client = app.test_client()
    client.post("/login", data={"email": person.email, "password": PASSWORD})
    return client


def platform_balance(emu) -> int:  # type: ignore[no-untyped-def]
    return sum(t["net"] for t in emu.balance_transactions())


def test_rest_of_world_sale_pays_each_holder_its_share_by_transfer(
    coproduced, studio, belgian, sdk, emu, viewer_client
):
    owner_acct = onboard_in_emulator(sdk, emu, studio)
    belgian_acct = onboard_in_emulator(sdk, emu, belgian)

    order = buy(viewer_client, emu, coproduced, "DE")

    assert order.destination_account_id is None  # charged on the platform
    assert split_rows(order.id) == [(studio.id, 6000, True), (belgian.id, 4000, False)]
    intent = emu.objects("payment_intent")[0]
    assert intent["transfer_group"] == f"order-{order.public_id}"
    # 12.99 EUR; Stripe's fee 0.68; platform fee 10 % + 0.30 = 1.60; 10.71 to share.
    moved = emu.objects("transfer")
    assert sorted(t["amount"] for t in moved) == [428, 643]  # 60 % gets the rounding unit
    charge = emu.objects("charge")[0]
    for transfer in moved:
        assert transfer["source_transaction"] == charge["id"]
        assert transfer["transfer_group"] == f"order-{order.public_id}"
    assert [p.status for p in payouts(order.id)] == ["paid", "paid"]
    assert holder_total(studio.id) == received_in_emulator(emu, owner_acct) == 643
    assert holder_total(belgian.id) == received_in_emulator(emu, belgian_acct) == 428
    assert platform_balance(emu) == 160  # exactly the platform's fee stays


def test_each_territory_pays_its_holder(
    app, make_user, coproduced, studio, belgian, sdk, emu, viewer_client
):
    owner_acct = onboard_in_emulator(sdk, emu, studio)
    belgian_acct = onboard_in_emulator(sdk, emu, belgian)

    nordic = buy(viewer_client, emu, coproduced, "SE")
    benelux = buy(another_viewer(app, make_user), emu, coproduced, "NL")

    assert split_rows(nordic.id) == [(studio.id, 10000, True)]
    assert split_rows(benelux.id) == [(belgian.id, 10000, True)]
    assert received_in_emulator(emu, owner_acct) == 1071 == holder_total(studio.id)
    assert received_in_emulator(emu, belgian_acct) == 1071 == holder_total(belgian.id)


def test_the_split_is_the_one_in_force_at_checkout(
    coproduced, studio, belgian, sdk, emu, viewer_client
):
    onboard_in_emulator(sdk, emu, studio)
    onboard_in_emulator(sdk, emu, belgian)
    response = checkout(viewer_client, coproduced, "buy", "DE")
    from storefront.services.rights.splits import RuleInput, save_rules

    save_rules(
        coproduced,
        [RuleInput("worldwide", "", "", {studio.id: "10", belgian.id: "90"})],
        {studio.id, belgian.id},
        "en",
    )
    db.session.commit()
    emu.pay(session_id_from(response.location))

    order = latest_order()
    assert split_rows(order.id) == [(studio.id, 6000, True), (belgian.id, 4000, False)]
    assert sorted(p.amount for p in payouts(order.id)) == [428, 643]


def test_partial_then_full_refund_reverses_each_transfer_in_proportion(
    coproduced, studio, belgian, sdk, emu, viewer_client, admin_client_factory
):
    owner_acct = onboard_in_emulator(sdk, emu, studio)
    belgian_acct = onboard_in_emulator(sdk, emu, belgian)
    order = buy(viewer_client, emu, coproduced, "DE")
    admin = admin_client_factory()

    admin.post(
        f"/studio/{studio.slug}/orders/{order.public_id}",
        data={"amount": "4.50", "refund_part": "y"},
    )
    first = [p for p in payouts(order.id) if p.kind == "reversal"]
    # 4.50 of 12.99 of each share, rounded half up: 643 -> 223, 428 -> 148.
    assert sorted(p.amount for p in first) == [-223, -148]
    assert received_in_emulator(emu, owner_acct) == 643 - 223 == holder_total(studio.id)
    assert received_in_emulator(emu, belgian_acct) == 428 - 148 == holder_total(belgian.id)

    admin.post(
        f"/studio/{studio.slug}/orders/{order.public_id}",
        data={"refund_all": "y", "confirm_all": "yes"},
    )

    assert received_in_emulator(emu, owner_acct) == 0 == holder_total(studio.id)
    assert received_in_emulator(emu, belgian_acct) == 0 == holder_total(belgian.id)
    assert all(p.status == "paid" and p.reversal_id for p in payouts(order.id) if p.amount < 0)
    # The platform is left with what Stripe kept: its fee on the charge.
    assert platform_balance(emu) == -68


def test_a_dispute_recovers_the_shares_and_a_won_dispute_restores_them(
    coproduced, studio, belgian, sdk, emu, viewer_client
):
    owner_acct = onboard_in_emulator(sdk, emu, studio)
    belgian_acct = onboard_in_emulator(sdk, emu, belgian)
    order = buy(viewer_client, emu, coproduced, "DE")
    charge = emu.objects("charge")[0]

    dispute = emu.dispute(charge["id"])

    assert received_in_emulator(emu, owner_acct) == 0 == holder_total(studio.id)
    assert received_in_emulator(emu, belgian_acct) == 0 == holder_total(belgian.id)
    # Debited 12.99 + 15.00 fee on the platform; 10.71 recovered from the holders.
    assert platform_balance(emu) == 160 - 1299 - 1500 + 1071

    emu.close_dispute(dispute["id"], won=True)

    assert received_in_emulator(emu, owner_acct) == 643 == holder_total(studio.id)
    assert received_in_emulator(emu, belgian_acct) == 428 == holder_total(belgian.id)
    causes = [(p.kind, p.cause.split(":")[0]) for p in payouts(order.id)]
    assert causes.count(("restore", "dispute_won")) == 2
    assert platform_balance(emu) == 160  # won: Stripe gives the dispute fee back too


def test_a_lost_dispute_leaves_the_shares_recovered(
    coproduced, studio, belgian, sdk, emu, viewer_client
):
    owner_acct = onboard_in_emulator(sdk, emu, studio)
    onboard_in_emulator(sdk, emu, belgian)
    buy(viewer_client, emu, coproduced, "DE")
    dispute = emu.dispute(emu.objects("charge")[0]["id"])

    emu.close_dispute(dispute["id"], won=False)

    assert received_in_emulator(emu, owner_acct) == 0 == holder_total(studio.id)
    assert platform_balance(emu) == 160 - 1299 - 1500 + 1071


def test_a_holder_still_onboarding_is_paid_when_it_finishes(
    coproduced, studio, belgian, sdk, emu, viewer_client, admin_client_factory
):
    owner_acct = onboard_in_emulator(sdk, emu, studio)
    belgian_acct = onboard_in_emulator(sdk, emu, belgian, finish=False)
    order = buy(viewer_client, emu, coproduced, "DE")

    states = {p.studio_id: p.status for p in payouts(order.id)}
    assert states == {studio.id: "paid", belgian.id: "held"}
    assert received_in_emulator(emu, belgian_acct) == 0
    page = admin_client_factory().get(f"/studio/{studio.slug}/titles/{coproduced.id}/rights/sales")
    assert page.status_code == 200
    assert "Held until it can be made (payouts not set up yet, or a balance short)" in page.text

    emu.complete_onboarding(belgian_acct)

    assert received_in_emulator(emu, belgian_acct) == 428 == holder_total(belgian.id)
    assert received_in_emulator(emu, owner_acct) == 643
    assert {p.status for p in payouts(order.id)} == {"paid"}


def test_a_refused_transfer_is_failed_with_the_reason_and_can_be_retried(
    coproduced, studio, belgian, sdk, emu, viewer_client, admin_client_factory
):
    onboard_in_emulator(sdk, emu, studio)
    onboard_in_emulator(sdk, emu, belgian)
    emu.fail_next("/v1/transfers", status=400)

    order = buy(viewer_client, emu, coproduced, "DE")

    failed = [p for p in payouts(order.id) if p.status == "failed"]
    assert len(failed) == 1 and failed[0].failure_reason
    # The studio whose share did not arrive is told why, by mail, once.
    (mail,) = db.session.scalars(
        sa.select(Notification).where(Notification.event == "transfer_failed")
    ).all()
    payee = db.session.get(Studio, failed[0].studio_id)
    assert mail.to == payee.contact_email
    assert mail.context["reason"] == failed[0].failure_reason
    owner = admin_client_factory()
    sales = owner.get(f"/studio/{studio.slug}/titles/{coproduced.id}/rights/sales")
    assert "Failed" in sales.text and failed[0].failure_reason in sales.text

    retry = f"/studio/{studio.slug}/titles/{coproduced.id}/rights/payouts/{failed[0].id}/retry"
    tried = owner.post(retry, follow_redirects=True)

    assert "The payment will be tried again." in tried.text
    assert {p.status for p in payouts(order.id)} == {"paid"}
    assert sorted(t["amount"] for t in emu.objects("transfer")) == [428, 643]
    # A second click (or a stale page) once said the paid transfer would be tried again.
    again = owner.post(retry, follow_redirects=True)
    assert "This payment is not failed: there is nothing to try again." in again.text
    assert "will be tried again" not in again.text


def test_a_refund_before_the_holder_onboards_is_taken_from_its_late_transfer(
    coproduced, studio, belgian, sdk, emu, viewer_client, admin_client_factory
):
    onboard_in_emulator(sdk, emu, studio)
    belgian_acct = onboard_in_emulator(sdk, emu, belgian, finish=False)
    order = buy(viewer_client, emu, coproduced, "DE")
    admin_client_factory().post(
        f"/studio/{studio.slug}/orders/{order.public_id}",
        data={"amount": "4.50", "refund_part": "y"},
    )
    assert {p.status for p in payouts(order.id) if p.studio_id == belgian.id} == {"held"}

    emu.complete_onboarding(belgian_acct)

    assert received_in_emulator(emu, belgian_acct) == 428 - 148 == holder_total(belgian.id)
    assert {p.status for p in payouts(order.id)} == {"paid"}


def test_without_connect_the_shares_are_owed_and_paid_by_hand(
    app, film, studio, belgian, emu, webhooks, viewer_client, admin_client_factory
):
    add_holder(film, belgian)
    nordic_benelux_rest(film, studio, belgian)

    order = buy(viewer_client, emu, film, "DE")

    # Single account: no platform fee, 12.99 - 0.68 = 12.31 shared 60/40.
    assert emu.objects("transfer") == []
    assert {p.studio_id: (p.amount, p.status) for p in payouts(order.id)} == {
        studio.id: (739, "owed"),
        belgian.id: (492, "owed"),
    }
    admin = admin_client_factory()
    page = admin.get("/admin/rights/owed")
    assert "Bruxelles Films" in page.text and "€4.92" in page.text

    admin.post(
        f"/admin/rights/owed/{belgian.id}/EUR", data={"note": "SEPA 2026-11-30", "amount": "492"}
    )

    states = {p.studio_id: (p.status, p.manual_note) for p in payouts(order.id)}
    assert states == {studio.id: ("owed", None), belgian.id: ("paid", "SEPA 2026-11-30")}
    assert holder_total(belgian.id) == 492


def test_reconcile_names_each_kind_of_transfer_difference(
    app, coproduced, studio, belgian, sdk, emu, viewer_client
):
    from storefront.services.payments.reconcile_transfers import check_order

    onboard_in_emulator(sdk, emu, studio)
    belgian_acct = onboard_in_emulator(sdk, emu, belgian)
    order = buy(viewer_client, emu, coproduced, "DE")
    gateway = app.extensions["payments"]
    assert check_order(gateway, order) == []

    theirs = next(t for t in emu.objects("transfer") if t["destination"] == belgian_acct)
    sdk.v1.transfers.reversals.create(theirs["id"], {"amount": 100})
    sdk.v1.transfers.create(
        {"amount": 5, "currency": "eur", "destination": belgian_acct,
         "transfer_group": f"order-{order.public_id}"}
    )  # fmt: skip

    kinds = sorted(kind for kind, _detail in check_order(gateway, order))
    assert kinds == ["holder total differs", "unrecorded transfer", "unrecorded transfer reversal"]
    from storefront.services.payments.reconcile import reconcile

    named = {d.kind for d in reconcile(gateway)}
    assert {"holder total differs", "unrecorded transfer"} <= named


def test_shares_are_of_the_settled_amount_in_the_settlement_currency(
    coproduced, studio, belgian, sdk, emu, viewer_client
):
    owner_acct = onboard_in_emulator(sdk, emu, studio)
    belgian_acct = onboard_in_emulator(sdk, emu, belgian)
    emu.settle_in("usd", {"eur": "1.0837"})  # the platform's balance is in dollars

    order = buy(viewer_client, emu, coproduced, "DE")

    # 12.99 EUR settled as 14.08 USD, Stripe's fee 0.71 USD: 13.37 USD; the platform's 10 %
    # of the settled 14.08 is 1.41 USD (no fixed fee in USD); 11.96 USD shared 60/40.
    moved = sorted((t["amount"], t["currency"]) for t in emu.objects("transfer"))
    assert moved == [(478, "usd"), (718, "usd")]
    rows = {p.studio_id: p for p in payouts(order.id)}
    assert (rows[studio.id].amount, rows[studio.id].currency) == (718, "USD")
    assert received_in_emulator(emu, owner_acct) == 718 == holder_total(studio.id)
    assert received_in_emulator(emu, belgian_acct) == 478 == holder_total(belgian.id)
    txn = emu.get(moved and emu.objects("transfer")[0]["balance_transaction"])
    first = next(p for p in payouts(order.id) if p.balance_transaction_id == txn["id"])
    assert (first.settlement_currency, first.settlement_amount, first.settlement_net) == (
        "USD",
        txn["amount"],
        txn["net"],
    )
    assert platform_balance(emu) == 1337 - 1196  # the platform keeps exactly its fee


def test_a_payout_by_hand_records_only_what_the_admin_saw_owed(
    app, make_user, film, studio, belgian, emu, webhooks, viewer_client, admin_client_factory
):
    """The page showed €4.92 owed, but recording marked everything owed when the form arrived
    as paid, a sale made meanwhile included; a second click said "Payout of €0.00 recorded"."""
    add_holder(film, belgian)
    nordic_benelux_rest(film, studio, belgian)
    buy(viewer_client, emu, film, "DE")
    admin = admin_client_factory()
    assert 'name="amount" value="492"' in admin.get("/admin/rights/owed").text
    buy(another_viewer(app, make_user), emu, film, "DE")  # while the admin pays by bank
    url = f"/admin/rights/owed/{belgian.id}/EUR"

    changed = admin.post(url, data={"note": "SEPA 1", "amount": "492"}, follow_redirects=True)

    assert "The amount owed is now €9.84" in changed.text
    assert holder_total(belgian.id) == 0
    paid = admin.post(url, data={"note": "SEPA 1", "amount": "984"}, follow_redirects=True)
    assert "Payout of €9.84 recorded." in paid.text
    assert holder_total(belgian.id) == 984
    again = admin.post(url, data={"note": "SEPA 1", "amount": "984"}, follow_redirects=True)
    assert "Nothing is owed to Bruxelles Films in EUR" in again.text
    assert "recorded" not in again.text


def test_a_refund_after_a_payout_by_hand_reads_as_owed_back_not_as_a_negative_debt(
    app, film, studio, belgian, emu, webhooks, viewer_client, admin_client_factory
):
    """The holder was paid its €4.92 by bank; the buyer was then refunded €4.50, and the page
    listed "Owed: -€1.48" beside a "Paid" button, as if the store owed a negative amount."""
    add_holder(film, belgian)
    nordic_benelux_rest(film, studio, belgian)
    order = buy(viewer_client, emu, film, "DE")
    admin = admin_client_factory()
    admin.post(f"/admin/rights/owed/{belgian.id}/EUR", data={"note": "SEPA 1", "amount": "492"})
    admin.post(
        f"/studio/{studio.slug}/orders/{order.public_id}",
        data={"amount": "4.50", "refund_part": "y"},
    )
    owed = [p for p in payouts(order.id) if p.studio_id == belgian.id and p.status == "owed"]
    back = -sum(p.amount for p in owed)  # the refund's share of what it was already paid

    page = admin.get("/admin/rights/owed").text
    row = page.split("Bruxelles Films", 1)[1].split("</tr>", 1)[0]

    assert back > 0
    shown = f"€{back // 100}.{back % 100:02d}"
    assert f"Owes the store {shown}" in row and "-€" not in row and "−€" not in row
    assert "Paid back" in row and ">Paid<" not in row
    holder = app.test_client()
    holder.post("/login", data={"email": belgian.contact_email, "password": PASSWORD})
    holder_page = holder.get(f"/studio/{belgian.slug}/holdings").text
    totals = holder_page.split('data-testid="share-totals"', 1)[1].split("</dl>", 1)[0]
    assert "You owe the store (EUR)" in totals and shown in totals and "€-" not in totals

    settled = admin.post(
        f"/admin/rights/owed/{belgian.id}/EUR",
        data={"note": "SEPA back 1", "amount": str(-back)},
        follow_redirects=True,
    )
    assert f"{shown} paid back by Bruxelles Films recorded." in settled.text
    assert "Bruxelles Films" not in admin.get("/admin/rights/owed").text  # square again


def _split_lookups(statements: list[str]) -> int:
    return sum(1 for s in statements if s.startswith("SELECT order_splits.id") and "LIMIT" in s)


def test_a_co_produced_payment_asks_once_per_job_whether_its_order_is_split(
    coproduced, studio, belgian, sdk, emu, viewer_client, statements
):
    onboard_in_emulator(sdk, emu, studio)
    onboard_in_emulator(sdk, emu, belgian)
    statements.clear()

    order = buy(viewer_client, emu, coproduced, "DE")

    assert [p.status for p in payouts(order.id)] == ["paid", "paid"]
    assert _split_lookups(statements) == 2  # the fulfilment job and the settle job


def test_a_payout_by_hand_is_in_the_audit_log_and_a_refused_one_is_not(
    app, film, studio, belgian, emu, webhooks, viewer_client, admin_client_factory
):
    from storefront.models import AdminAction

    add_holder(film, belgian)
    nordic_benelux_rest(film, studio, belgian)
    buy(viewer_client, emu, film, "DE")
    admin = admin_client_factory()
    url = f"/admin/rights/owed/{belgian.id}/EUR"
    admin.post(url, data={"note": "SEPA 7", "amount": "1"})  # not what is owed: refused
    assert db.session.scalar(sa.select(sa.func.count(AdminAction.id))) == 0

    admin.post(url, data={"note": "SEPA 7", "amount": "492"})

    [entry] = db.session.scalars(sa.select(AdminAction)).all()
    assert (entry.action, entry.target_type, entry.target_id) == (
        "studio.payout",
        "studio",
        belgian.id,
    )
    assert entry.admin_id is not None and "SEPA 7" in entry.detail and "4.92" in entry.detail
    log = admin.get("/admin/audit").text
    assert "Recorded a payout made by hand" in log and "Bruxelles Films" in log


def test_a_refund_takes_back_the_share_of_a_holder_whose_payouts_stripe_disabled_since(
    coproduced, studio, belgian, sdk, emu, viewer_client, admin_client_factory
):
    onboard_in_emulator(sdk, emu, studio)
    belgian_acct = onboard_in_emulator(sdk, emu, belgian)
    order = buy(viewer_client, emu, coproduced, "DE")
    assert received_in_emulator(emu, belgian_acct) == 428
    # Later Stripe disables the Belgian account's payouts (its documents are past due).
    emu.disable_payouts(belgian_acct)
    db.session.expire_all()
    assert not db.session.get(Studio, belgian.id).payouts_enabled

    admin_client_factory().post(
        f"/studio/{studio.slug}/orders/{order.public_id}",
        data={"refund_all": "y", "confirm_all": "yes"},
    )

    # The buyer has the money back, so the holder's share is taken back from its transfer
    # (a reversal debits the account; it needs no payouts): the platform does not bear it.
    assert received_in_emulator(emu, belgian_acct) == 0 == holder_total(belgian.id)
    assert all(p.status == "paid" for p in payouts(order.id))
    assert platform_balance(emu) == -68


def test_a_share_refused_while_stripe_disabled_the_holder_is_paid_once_it_is_enabled_again(
    coproduced, studio, belgian, sdk, emu, viewer_client
):
    onboard_in_emulator(sdk, emu, studio)
    belgian_acct = onboard_in_emulator(sdk, emu, belgian)
    # Stripe disables the Belgian account; the store has not heard yet (the event is late).
    emu.hold_webhooks = True
    emu.disable_payouts(belgian_acct)
    emu.hold_webhooks = False

    order = buy(viewer_client, emu, coproduced, "DE")

    (refused,) = [p for p in payouts(order.id) if p.status == "failed"]
    assert refused.studio_id == belgian.id and "transfers" in refused.failure_reason
    told = db.session.scalars(
        sa.select(Notification.to).where(Notification.event == "transfer_failed")
    ).all()
    assert told == [belgian.contact_email]  # the holder hears why its share did not arrive

    # The holder provides what Stripe asked for; nobody has to notice and click "Try again".
    emu.complete_onboarding(belgian_acct)

    assert received_in_emulator(emu, belgian_acct) == 428 == holder_total(belgian.id)
    assert {p.status for p in payouts(order.id)} == {"paid"}
