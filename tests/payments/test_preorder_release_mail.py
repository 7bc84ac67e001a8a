"""A pre-order's viewer hears when the film opens: one mail at the release, in their
language, with the watch link (and no mail for a release still to come or long past)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storefront.extensions import db
from storefront.services.accounts.notifications.reminders import announce_releases
from tests.smtp_server import text_of, with_smtp

from . import test_preorders

# The pre-order of test_preorders.py: "Festival Darling", released in ten days, paid.
release, upcoming, paid_preorder = (
    test_preorders.release,
    test_preorders.upcoming,
    test_preorders.paid_preorder,
)

PUBLIC = "https://films.example"


@pytest.fixture
def settings(settings: dict, smtp_server) -> dict:  # type: ignore[no-untyped-def]
    settings["PUBLIC_URL"] = PUBLIC
    return with_smtp(settings, smtp_server)


def test_the_viewer_hears_once_when_the_preordered_film_opens(
    viewer,
    paid_preorder,
    upcoming,
    release,
    mailbox,
):
    mailbox.clear()  # the receipt
    assert announce_releases(release - timedelta(minutes=5)) == 0
    db.session.commit()
    assert mailbox.to(viewer.email) == []

    assert announce_releases(release + timedelta(minutes=10)) == 1
    db.session.commit()
    announce_releases(release + timedelta(minutes=40))  # the next run: nothing more
    db.session.commit()

    (opened,) = mailbox.to(viewer.email)
    assert "Festival Darling" in opened["Subject"]
    assert f"{PUBLIC}/watch/{upcoming.slug}" in text_of(opened)


def test_a_release_long_past_is_not_announced_again(
    viewer,
    paid_preorder,
    release,
    mailbox,
):
    mailbox.clear()
    assert announce_releases(release + timedelta(days=3)) == 0
    db.session.commit()
    assert mailbox.to(viewer.email) == []


def test_the_release_mail_is_in_the_viewers_language(
    viewer,
    paid_preorder,
    release,
    mailbox,
):
    viewer.locale = "fr"
    db.session.commit()
    mailbox.clear()

    announce_releases(release + timedelta(minutes=10))
    db.session.commit()

    (opened,) = mailbox.to(viewer.email)
    assert "est sorti" in opened["Subject"] and "Regarder maintenant" in text_of(opened)


def test_the_receipt_of_a_preorder_says_when_the_film_opens(viewer, mailbox, paid_preorder):
    (receipt,) = mailbox.to(viewer.email)
    body = text_of(receipt)
    assert "Pre-ordered: you can watch it from" in body
    # Not yet: "Watch now" would lead to a refusal until the release.
    assert "Watch now" not in body and "You bought this film" in body
