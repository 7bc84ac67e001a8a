"""Stripe Connect: studios onboard their own Express account; sales are destination charges
with the platform's application fee, and the ledger splits studio and platform money."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests

from storefront.extensions import db
from storefront.models import EntryType, LedgerEntry, Studio

from .conftest import checkout, fresh, latest_order, session_id_from


@pytest.fixture
def connect_app(app):  # type: ignore[no-untyped-def]
    app.config.update(
        STRIPE_CONNECT=True, PLATFORM_FEE_PERCENT=Decimal("10"), PLATFORM_FEE_FIXED={"EUR": 30}
    )
    return app


def onboard(client, studio: Studio, emu) -> None:  # type: ignore[no-untyped-def]
    """The owner connects and finishes Stripe's onboarding, coming back to the studio."""
    start = client.post(f"/studio/{studio.slug}/payments/connect")
    assert start.status_code == 303 and start.location.startswith(emu.url + "/setup/e/")
    done = requests.post(start.location + "/complete", allow_redirects=False, timeout=5)
    assert done.status_code == 303
    back = client.get(done.headers["Location"].split("localhost", 1)[1])
    assert back.status_code == 303


def rows() -> list[LedgerEntry]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(LedgerEntry).order_by(LedgerEntry.id)))


def test_single_account_mode_needs_no_setup(filmmaker_client, studio):
    page = filmmaker_client.get(f"/studio/{studio.slug}/payments")

    assert page.status_code == 200
    assert "nothing to set up" in page.text and "Connect with Stripe" not in page.text


def test_a_studio_without_an_account_cannot_sell(connect_app, viewer_client, film, emu):
    from storefront.services.payments.connect import payment_blockers

    response = checkout(viewer_client, film, "rent")

    assert response.status_code == 409
    assert "not set up to be paid" in response.text
    assert emu.objects("checkout.session") == []
    assert payment_blockers(film.studio) == [
        "The studio has not connected a Stripe account to receive payments."
    ]


def test_onboarding_shows_what_stripe_needs_then_enables_sales(
    connect_app, filmmaker_client, studio, emu, webhooks
):
    start = filmmaker_client.post(f"/studio/{studio.slug}/payments/connect")
    account_id = fresh(Studio, studio.id).stripe_account_id
    account = emu.get(account_id)
    assert (account["type"], account["country"], account["email"]) == (
        "express",
        "NO",
        studio.contact_email,
    )

    page = filmmaker_client.get(f"/studio/{studio.slug}/payments")
    assert "A bank account for payouts" in page.text
    assert "Accepting Stripe&#39;s terms of service" in page.text
    assert "cannot be put on sale until payments are enabled" in page.text

    done = requests.post(start.location + "/complete", allow_redirects=False, timeout=5)
    # The account.updated webhook already told us; the return page asks Stripe again anyway.
    assert fresh(Studio, studio.id).charges_enabled is True
    back = filmmaker_client.get(done.headers["Location"].split("localhost", 1)[1])
    assert back.status_code == 303
    studio = fresh(Studio, studio.id)
    assert studio.charges_enabled and studio.payouts_enabled and studio.details_submitted
    assert studio.payment_requirements == []
    page = filmmaker_client.get(f"/studio/{studio.slug}/payments")
    assert 'data-testid="charges-status"><span class="badge badge-ok">Enabled' in page.text


def test_an_expired_onboarding_link_is_renewed(connect_app, filmmaker_client, studio, emu):
    start = filmmaker_client.post(f"/studio/{studio.slug}/payments/connect")
    emu.advance_clock(600)  # account links last five minutes

    expired = requests.get(start.location, allow_redirects=False, timeout=5)
    renewed = filmmaker_client.get(expired.headers["Location"].split("localhost", 1)[1])

    assert renewed.status_code == 303 and renewed.location != start.location
    assert renewed.location.startswith(emu.url + "/setup/e/")


def test_only_the_owner_connects(connect_app, client, auth, make_user, studio):
    from storefront.models import StudioMember

    member = make_user()
    db.session.add(StudioMember(studio_id=studio.id, user_id=member.id))
    db.session.commit()
    auth.login(member.email)

    assert client.post(f"/studio/{studio.slug}/payments/connect").status_code == 403
    assert "The studio's owner connects" in client.get(f"/studio/{studio.slug}/payments").text


def test_connect_sale_and_refund_split_studio_and_platform_money(
    app, connect_app, client, auth, filmmaker, viewer, film, emu, webhooks
):
    auth.login(filmmaker.email)
    onboard(client, film.studio, emu)
    auth.logout()
    auth.login(viewer.email)

    response = checkout(client, film, "buy")
    order = latest_order(viewer)
    assert order.destination_account_id == fresh(Studio, film.studio_id).stripe_account_id
    assert order.application_fee_amount == 130 + 30  # 10 % of 12.99 rounded half up, + 0.30
    emu.pay(session_id_from(response.location))

    sale, fee = rows()
    assert (sale.entry_type, sale.gross, sale.processor_fee, sale.platform_fee) == (
        EntryType.SALE,
        1299,
        0,
        160,
    )
    assert sale.net == 1139 and sale.settlement_net == 1139  # what reached the studio
    stripe_fee = emu.get(emu.objects("charge")[0]["balance_transaction"])["fee"]
    assert (fee.entry_type, fee.gross, fee.processor_fee) == (EntryType.APPLICATION_FEE, 160, 68)
    assert stripe_fee == 68 and fee.net == fee.settlement_net == 92
    platform_balance = sum(t["net"] for t in emu.balance_transactions())
    assert platform_balance == fee.net

    auth.logout()
    auth.login(filmmaker.email)
    client.post(
        f"/studio/{film.studio.slug}/orders/{order.public_id}",
        data={"amount": "4.50", "refund_part": "y"},
    )
    client.post(
        f"/studio/{film.studio.slug}/orders/{order.public_id}",
        data={"refund_all": "y", "confirm_all": "yes"},
    )

    entries = rows()
    refunds = [e for e in entries if e.entry_type == EntryType.REFUND]
    assert [(r.gross, r.platform_fee, r.net) for r in refunds] == [
        (-450, -55, -395),
        (-849, -105, -744),
    ]
    assert [r.settlement_net for r in refunds] == [-395, -744]
    fee_refunds = [e for e in entries if e.entry_type == EntryType.APPLICATION_FEE][1:]
    assert [f.gross for f in fee_refunds] == [-55, -105]
    # Studio and platform both net to zero except the Stripe fee the platform keeps paying.
    assert sum(e.net for e in entries if e.entry_type != EntryType.APPLICATION_FEE) == 0
    platform = [e for e in entries if e.entry_type == EntryType.APPLICATION_FEE]
    assert sum(e.net for e in platform) == -68 == sum(t["net"] for t in emu.balance_transactions())
