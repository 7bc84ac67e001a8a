# ruff: noqa: F811
"""Movements a balance cannot cover yet: a restore after a won dispute when the platform's
available balance is short (Stripe refuses a transfer without ``source_transaction`` then),
and a reversal when the holder already paid its balance out (Stripe reverses a
``transfer_group`` transfer only if the account's balance covers it). Each waits, held with
the reason, and is made once it can be; a holder is never paid twice."""

from __future__ import annotations

import sqlalchemy as sa

from storefront.extensions import db
from storefront.models import Notification, NotificationStatus, OutboxMessage, Studio, User
from storefront.services.rights.statements import holder_statement
from storefront.tasks.rights import settle

from .coproduction import holder_total, onboard_in_emulator, payouts, received_in_emulator
from .test_coproduction_transfers import (  # noqa: F401 (fixtures)
    another_viewer,
    belgian,
    buy,
    connect_app,
    coproduced,
)


def owed_back_mails() -> list[Notification]:
    db.session.expire_all()
    query = sa.select(Notification).where(Notification.event == "reversal_held")
    return list(db.session.scalars(query.order_by(Notification.id)))


def test_a_restore_the_platform_balance_cannot_cover_is_held_then_made_once(
    app, make_user, coproduced, studio, belgian, sdk, emu, viewer_client
):
    owner_acct = onboard_in_emulator(sdk, emu, studio)
    belgian_acct = onboard_in_emulator(sdk, emu, belgian)
    order = buy(viewer_client, emu, coproduced, "DE")
    dispute = emu.dispute(emu.objects("charge")[0]["id"])
    emu.pay_out(None, 200, "eur")  # the platform's automatic payout meanwhile

    emu.close_dispute(dispute["id"], won=True)  # 10.31 available for 6.43 + 4.28

    restores = {p.studio_id: p for p in payouts(order.id) if p.kind == "restore"}
    assert restores[studio.id].status == "paid"
    held = restores[belgian.id]
    assert held.status == "held" and "insufficient" in (held.failure_reason or "")
    assert received_in_emulator(emu, belgian_acct) == 0 == holder_total(belgian.id)
    assert holder_statement(db.session.get(Studio, belgian.id)).waiting == {"EUR": 428}
    assert owed_back_mails() == []  # the holder owes nothing: the platform pays it late

    buy(another_viewer(app, make_user), emu, coproduced, "NO")  # funds come in
    settle(order.id)  # what the periodic sweep does for open payouts
    settle(order.id)

    assert payouts(order.id)[-1].status == "paid"
    assert received_in_emulator(emu, belgian_acct) == 428 == holder_total(belgian.id)
    assert received_in_emulator(emu, owner_acct) == 643 + 1071 == holder_total(studio.id)


def test_a_dispute_won_before_the_holder_could_give_back_pays_it_nothing_more(
    coproduced, studio, belgian, sdk, emu, viewer_client
):
    onboard_in_emulator(sdk, emu, studio)
    belgian_acct = onboard_in_emulator(sdk, emu, belgian)
    order = buy(viewer_client, emu, coproduced, "DE")
    emu.pay_out(belgian_acct, 400, "eur")  # 0.28 left of its 4.28
    dispute = emu.dispute(emu.objects("charge")[0]["id"])

    reversal = next(p for p in payouts(order.id) if p.studio_id == belgian.id and p.amount < 0)
    assert reversal.status == "held" and "balance" in (reversal.failure_reason or "")
    emu.close_dispute(dispute["id"], won=True)
    settle(order.id)

    mine = {p.cause.split(":")[0]: p.status for p in payouts(order.id) if p.studio_id == belgian.id}
    assert mine == {"sale": "paid", "dispute": "netted", "dispute_won": "netted"}
    # It kept its share, once: no restore of what was never taken back.
    assert received_in_emulator(emu, belgian_acct) == 428 == holder_total(belgian.id)
    statement = holder_statement(db.session.get(Studio, belgian.id))
    assert statement.received == {"EUR": 428} and statement.waiting == {}


def test_what_a_holder_owes_back_is_taken_from_its_next_share(
    app, make_user, coproduced, studio, belgian, sdk, emu, viewer_client
):
    onboard_in_emulator(sdk, emu, studio)
    belgian_acct = onboard_in_emulator(sdk, emu, belgian)
    first = buy(viewer_client, emu, coproduced, "DE")
    emu.pay_out(belgian_acct, 428, "eur")
    dispute = emu.dispute(emu.objects("charge")[0]["id"])
    emu.close_dispute(dispute["id"], won=False)

    owed = holder_statement(db.session.get(Studio, belgian.id))
    assert owed.received == {"EUR": 428} and owed.waiting == {"EUR": -428}

    buy(another_viewer(app, make_user), emu, coproduced, "FR")  # another 4.28 to it

    reversal = next(p for p in payouts(first.id) if p.studio_id == belgian.id and p.amount < 0)
    assert reversal.status == "paid"
    # Paid 4.28 twice, 4.28 taken back: its balance and its statement agree, nothing waits.
    assert received_in_emulator(emu, belgian_acct) == 428 == holder_total(belgian.id)
    statement = holder_statement(db.session.get(Studio, belgian.id))
    assert statement.received == {"EUR": 428} and statement.waiting == {}


def test_a_holder_that_owes_back_a_share_is_told_once_what_and_how_it_is_taken(
    app, make_user, coproduced, studio, belgian, sdk, emu, viewer_client
):
    owner = db.session.scalar(sa.select(User).where(User.email == belgian.contact_email))
    owner.locale = "fr"
    db.session.commit()
    onboard_in_emulator(sdk, emu, studio)
    belgian_acct = onboard_in_emulator(sdk, emu, belgian)
    first = buy(viewer_client, emu, coproduced, "DE")
    emu.pay_out(belgian_acct, 428, "eur")  # its share has left for its bank
    dispute = emu.dispute(emu.objects("charge")[0]["id"])
    emu.close_dispute(dispute["id"], won=False)
    settle(first.id)  # the sweep tries the held reversal again: no second mail
    settle(first.id)

    [told] = owed_back_mails()
    assert told.to == belgian.contact_email and told.status == NotificationStatus.SENT
    assert told.locale == "fr"
    [mail] = db.session.scalars(
        sa.select(OutboxMessage).where(
            OutboxMessage.to == belgian.contact_email,
            OutboxMessage.subject == "Une partie de votre part de Night Train est à rendre",
        )
    )
    assert "4,28\u00a0€" in mail.body and first.public_id in mail.body
    assert "prochaines parts" in mail.body  # taken from its next shares
    assert f"/studio/{belgian.slug}/holdings" in mail.body

    buy(another_viewer(app, make_user), emu, coproduced, "FR")  # its next share pays it back
    assert [p.status for p in payouts(first.id) if p.studio_id == belgian.id][-1] == "paid"
    assert len(owed_back_mails()) == 1
