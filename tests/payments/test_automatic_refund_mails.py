"""A payment the store gives back by itself is mailed to its buyer once, when the processor
confirms the refund, in their language, saying why; one an admin refunds after checking it,
like any refund. Read from a real SMTP server on loopback.
(The closed-screening case is in tests/festivals/test_screening_changes.py.)"""

from __future__ import annotations

import pytest

from storefront.extensions import db
from storefront.models import Notification, Order, OrderStatus
from tests.smtp_server import html_of, text_of, with_smtp

from .conftest import flagged_payment, fresh, pay_twice


@pytest.fixture
def settings(settings: dict, smtp_server) -> dict:  # type: ignore[no-untyped-def]
    return with_smtp(settings, smtp_server)


def refund_mails(mailbox, address: str) -> list:  # type: ignore[no-untyped-def]
    return [m for m in mailbox.to(address) if m["X-Storefront-Event"] == "refund"]


def test_a_second_payment_refunded_by_itself_is_explained_once_in_the_buyers_language(
    viewer_client, viewer, film, emu, webhooks, mailbox
):
    viewer.locale = "fr"
    db.session.commit()

    duplicate = pay_twice(viewer_client, viewer, film, emu)

    assert duplicate.status == OrderStatus.FLAGGED and duplicate.amount_refunded == 1299
    (mail,) = refund_mails(mailbox, viewer.email)
    assert mail["Subject"] == "Votre remboursement pour Night Train"
    text, html = text_of(mail), html_of(mail)
    for body in (text, html):
        assert "Vous aviez déjà Night Train" in body
        assert "12,99" in body and "intégralement remboursé" in body
        assert "quelques" in body  # when the money reaches the card
        assert "quitté votre" not in body  # the film stays, from the first order
    assert duplicate.public_id in text
    assert 'lang="fr"' in html


def test_a_redelivered_refund_confirmation_mails_nothing_more(
    viewer_client, viewer, film, emu, webhooks, mailbox
):
    duplicate = pay_twice(viewer_client, viewer, film, emu)
    confirmed = [e for e in emu.events if e["type"] == "charge.refunded"]
    assert len(confirmed) == 1

    emu.deliver(confirmed[0]["id"], times=2)

    (mail,) = refund_mails(mailbox, viewer.email)
    assert "You already had Night Train: your second payment of €12.99" in text_of(mail)
    db.session.expire_all()
    keys = db.session.scalars(db.select(Notification.key).filter_by(event="refund")).all()
    assert keys == [f"refund:auto:{duplicate.id}"]


def test_a_flagged_payment_an_admin_refunds_is_mailed_to_its_buyer_once(
    viewer_client, viewer, film, emu, webhooks, sdk, mailbox
):
    order = flagged_payment(viewer_client, viewer, film, emu)
    assert fresh(Order, order.id).status == OrderStatus.FLAGGED
    assert refund_mails(mailbox, viewer.email) == []  # held for an admin: nothing said yet

    # The admin checks it and gives the money back (from the order's page, or Stripe's).
    sdk.v1.refunds.create({"charge": emu.objects("charge")[0]["id"]})
    emu.deliver(next(e for e in emu.events if e["type"] == "charge.refunded")["id"])

    (mail,) = refund_mails(mailbox, viewer.email)
    assert "€4.99 of your payment for Night Train has been refunded." in text_of(mail)
    assert fresh(Order, order.id).amount_refunded == 499
