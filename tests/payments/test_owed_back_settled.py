# ruff: noqa: F811
"""A holder told it owes back part of a share (its balance could not cover a reversal) hears,
once, when that is settled: taken from a later share as it arrived, or netted because the
dispute was won. In its language, read from a real SMTP server on loopback; its statement
says so too."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from babel.dates import format_date

from storefront.extensions import db
from storefront.models import Studio, User
from storefront.services.reports.filters import studio_zone
from storefront.tasks.rights import settle
from tests.conftest import PASSWORD
from tests.smtp_server import html_of, text_of, with_smtp

from .coproduction import onboard_in_emulator, payouts
from .test_coproduction_transfers import (  # noqa: F401 (fixtures)
    another_viewer,
    belgian,
    buy,
    connect_app,
    coproduced,
)


@pytest.fixture
def settings(settings: dict, smtp_server) -> dict:  # type: ignore[no-untyped-def]
    return with_smtp(settings, smtp_server)


def mails(mailbox, studio: Studio, event: str) -> list:  # type: ignore[no-untyped-def]
    return [m for m in mailbox.to(studio.contact_email) if m["X-Storefront-Event"] == event]


def speaks(studio: Studio, locale: str) -> None:
    owner = db.session.scalar(sa.select(User).where(User.email == studio.contact_email))
    owner.locale = locale
    db.session.commit()


def test_what_a_holder_owed_taken_from_its_next_share_is_told_once_in_its_language(
    app, make_user, coproduced, studio, belgian, sdk, emu, viewer_client, mailbox
):
    speaks(belgian, "fr")
    onboard_in_emulator(sdk, emu, studio)
    belgian_acct = onboard_in_emulator(sdk, emu, belgian)
    first = buy(viewer_client, emu, coproduced, "DE")
    emu.pay_out(belgian_acct, 428, "eur")  # its share has left for its bank
    dispute = emu.dispute(emu.objects("charge")[0]["id"])
    emu.close_dispute(dispute["id"], won=False)
    assert len(mails(mailbox, belgian, "reversal_held")) == 1
    assert mails(mailbox, belgian, "reversal_settled") == []  # still owed

    second = buy(another_viewer(app, make_user), emu, coproduced, "FR")  # its next share
    settle(first.id)  # the sweep, and a job run twice: no second mail
    settle(first.id)

    share = next(p for p in payouts(second.id) if p.studio_id == belgian.id)
    reversal = [p for p in payouts(first.id) if p.studio_id == belgian.id][-1]
    assert reversal.status == "paid" and reversal.settled_from_id == share.id
    (mail,) = mails(mailbox, belgian, "reversal_settled")
    assert mail["Subject"] == "Ce que vous deviez pour Night Train est réglé"
    zone = ZoneInfo(studio_zone(db.session.get(Studio, belgian.id)))
    day = format_date(share.created_at.astimezone(zone).date(), "long", locale="fr")
    text, html = text_of(mail), html_of(mail)
    for body in (text, html):
        assert "4,28\u00a0€" in body and first.public_id in body
        assert f"votre part du {day}" in body
    assert f"/studio/{belgian.slug}/holdings" in text and 'lang="fr"' in html

    holder = app.test_client()
    holder.post("/login", data={"email": belgian.contact_email, "password": PASSWORD})
    page = holder.get(f"/studio/{belgian.slug}/holdings").get_data(as_text=True)
    assert 'data-testid="settled"' in page and "prélevé sur votre part du" in page


def test_what_a_holder_owed_netted_by_a_dispute_won_is_told_once(
    coproduced, studio, belgian, sdk, emu, viewer_client, mailbox
):
    onboard_in_emulator(sdk, emu, studio)
    belgian_acct = onboard_in_emulator(sdk, emu, belgian)
    order = buy(viewer_client, emu, coproduced, "DE")
    emu.pay_out(belgian_acct, 400, "eur")  # 0.28 left of its 4.28
    dispute = emu.dispute(emu.objects("charge")[0]["id"])
    assert len(mails(mailbox, belgian, "reversal_held")) == 1

    emu.close_dispute(dispute["id"], won=True)
    settle(order.id)
    settle(order.id)

    statuses = {
        p.cause.split(":")[0]: p.status for p in payouts(order.id) if p.studio_id == belgian.id
    }
    assert statuses["dispute"] == "netted"
    (mail,) = mails(mailbox, belgian, "reversal_settled")
    assert mail["Subject"] == "What you owed for Night Train is settled"
    assert "the dispute was decided in your favour, so nothing is taken back" in text_of(mail)
    assert "€4.28" in text_of(mail) and order.public_id in html_of(mail)


def test_a_reversal_the_holder_could_cover_at_once_says_nothing_of_a_debt(
    coproduced, studio, belgian, sdk, emu, viewer_client, mailbox
):
    onboard_in_emulator(sdk, emu, studio)
    onboard_in_emulator(sdk, emu, belgian)
    order = buy(viewer_client, emu, coproduced, "DE")
    dispute = emu.dispute(emu.objects("charge")[0]["id"])
    emu.close_dispute(dispute["id"], won=False)
    settle(order.id)

    assert [p.status for p in payouts(order.id) if p.studio_id == belgian.id][-1] == "paid"
    assert mails(mailbox, belgian, "reversal_held") == []
    assert mails(mailbox, belgian, "reversal_settled") == []
