"""A studio's contact address after the person it belonged to deleted their account: it
passes to another owner's confirmed address, or is cleared and the studio is asked for one;
the studio's mail then reaches that owner or is recorded as not sent, never the old address."""

from __future__ import annotations

from storefront.extensions import db
from storefront.models import (
    Notification,
    NotificationStatus,
    OutboxMessage,
    Studio,
    StudioMember,
    StudioRole,
)
from storefront.services.accounts import privacy, studios
from storefront.services.accounts.notifications import studio_mails
from storefront.services.accounts.notifications.opt_out import stop_url, studio_of
from storefront.services.accounts.notifications.queue import NO_ADDRESS

from .conftest import PASSWORD


def _join(studio: Studio, user, role: StudioRole) -> None:  # type: ignore[no-untyped-def]
    db.session.add(StudioMember(studio_id=studio.id, user_id=user.id, role=role))
    db.session.commit()


def _mails_about(key: str) -> list[Notification]:
    return list(db.session.scalars(db.select(Notification).where(Notification.key.like(key))))


def test_a_deleted_owners_address_passes_to_the_next_owner_and_the_mail_follows(
    app, make_user, make_studio
):
    leaving = make_user("first@example.org")
    studio = make_studio(leaving, "Fjord Pictures")
    staying = make_user("second@example.org")
    _join(studio, staying, StudioRole.OWNER)
    with app.test_request_context():
        old_link = stop_url(studio.slug, "first@example.org").rsplit("/", 1)[1]

    privacy.delete_account(leaving, PASSWORD)
    db.session.commit()

    studio = db.session.get(Studio, studio.id)
    assert studio.contact_email == "second@example.org"
    studio_mails.money_failed(studio, "po_1", 1500, "eur", "account closed")
    db.session.commit()
    [mail] = _mails_about("money_failed:po_1")
    assert mail.to == "second@example.org" and mail.status == NotificationStatus.SENT
    # A stop link mailed to the person who left no longer speaks for the studio.
    assert studio_of(old_link) is None


def test_with_no_other_confirmed_owner_the_address_is_cleared_and_mail_is_not_sent(
    make_user, make_studio, client, auth
):
    owner = make_user("owner@example.org", verified=False)
    studio = make_studio(owner, "Quiet Films")
    manager = make_user("manager@example.org")
    _join(studio, manager, StudioRole.MANAGER)
    studio.contact_email = "manager@example.org"
    db.session.commit()

    privacy.delete_account(manager, PASSWORD)
    db.session.commit()

    studio = db.session.get(Studio, studio.id)
    assert studio.contact_email == ""
    studio_mails.money_failed(studio, "po_2", 900, "eur", "account closed")
    db.session.commit()
    [mail] = _mails_about("money_failed:po_2")
    assert mail.status == NotificationStatus.SUPPRESSED and mail.error == NO_ADDRESS
    assert "manager@example.org" not in mail.to

    # The owner is asked for an address where the studio's profile shows it.
    auth.login(owner.email)
    page = client.get(f"/studio/{studio.slug}/")
    assert page.status_code == 200
    assert "no other owner has a confirmed address" in page.text
    assert f"/studio/{studio.slug}/edit" in page.text


def test_an_unconfirmed_account_does_not_take_another_studios_address_with_it(
    make_user, make_studio
):
    studio = make_studio(make_user("real@example.org"), "Real Films")
    squatter = make_user("real.contact@example.org", verified=False)
    studio.contact_email = "real.contact@example.org"
    db.session.commit()

    privacy.delete_account(squatter, PASSWORD)
    db.session.commit()

    assert db.session.get(Studio, studio.id).contact_email == "real.contact@example.org"


def _handed_over_mails() -> list[Notification]:
    db.session.expire_all()
    return _mails_about("contact_handed_over:%")


def test_a_removed_members_address_passes_to_the_next_owner_who_is_told_in_their_language(
    app, make_user, make_studio, client, auth
):
    owner = make_user("owner@example.org")
    studio = make_studio(owner, "Fjord Pictures")
    manager = make_user("manager@example.org")
    heir = make_user("heir@example.org", locale="fr")
    _join(studio, manager, StudioRole.MANAGER)
    _join(studio, heir, StudioRole.OWNER)
    owner.email_verified_at = None  # the longest-standing owner cannot take it: unconfirmed
    studio.contact_email = "manager@example.org"
    db.session.commit()
    member = db.session.scalar(db.select(StudioMember).filter_by(user_id=manager.id))

    auth.login(heir.email)
    page = client.post(f"/studio/{studio.slug}/members/{member.id}/remove", follow_redirects=True)

    # The one who removed them sees where the studio's mail goes now (in their French).
    assert "vont désormais à heir@example.org" in page.text
    db.session.expire_all()
    studio = db.session.get(Studio, studio.id)
    assert studio.contact_email == "heir@example.org"
    studio_mails.money_failed(studio, "po_3", 1500, "eur", "account closed")
    db.session.commit()
    [failure] = _mails_about("money_failed:po_3")
    assert failure.to == "heir@example.org"
    # The new contact hears it once, in French, with where to change it.
    [told] = _handed_over_mails()
    assert told.to == "heir@example.org" and told.status == NotificationStatus.SENT
    [sent] = db.session.scalars(
        db.select(OutboxMessage).filter_by(
            to="heir@example.org",
            subject="Les e-mails de Fjord Pictures vous parviennent désormais",
        )
    )
    assert f"/studio/{studio.slug}/edit" in sent.body
    assert "manager@example.org" not in sent.body


def test_a_removal_with_no_confirmed_owner_left_clears_the_address_and_the_page_says_so(
    make_user, make_studio, client, auth
):
    owner = make_user("owner@example.org", verified=False)
    studio = make_studio(owner, "Quiet Films")
    manager = make_user("manager@example.org")
    _join(studio, manager, StudioRole.MANAGER)
    studio.contact_email = "manager@example.org"
    db.session.commit()
    member = db.session.scalar(db.select(StudioMember).filter_by(user_id=manager.id))

    studios.remove_member(studio, member.id)
    db.session.commit()

    studio = db.session.get(Studio, studio.id)
    assert studio.contact_email == ""
    assert _handed_over_mails() == []
    studio_mails.money_failed(studio, "po_4", 900, "eur", "account closed")
    db.session.commit()
    [mail] = _mails_about("money_failed:po_4")
    assert mail.status == NotificationStatus.SUPPRESSED and mail.to == ""
    auth.login(owner.email)
    page = client.get(f"/studio/{studio.slug}/")
    assert "left the studio or the store" in page.text
    assert f"/studio/{studio.slug}/edit" in page.text


def test_removing_someone_whose_address_is_not_the_contact_changes_nothing(make_user, make_studio):
    owner = make_user("owner@example.org")
    studio = make_studio(owner, "Fjord Pictures")
    manager = make_user("manager@example.org")
    _join(studio, manager, StudioRole.MANAGER)
    member = db.session.scalar(db.select(StudioMember).filter_by(user_id=manager.id))

    assert studios.remove_member(studio, member.id) is None
    db.session.commit()

    assert db.session.get(Studio, studio.id).contact_email == "owner@example.org"
    assert _handed_over_mails() == []


def test_the_owner_who_takes_a_deleted_persons_address_is_told_once_in_their_language(
    make_user, make_studio
):
    leaving = make_user("first@example.org")
    studio = make_studio(leaving, "Fjord Pictures")
    heir = make_user("second@example.org", locale="ja")
    _join(studio, heir, StudioRole.OWNER)

    privacy.delete_account(leaving, PASSWORD)
    db.session.commit()

    [told] = _handed_over_mails()
    assert told.to == "second@example.org" and told.locale == "ja"
    # The same departure handled again (a retried request) mails nothing more.
    studio = db.session.get(Studio, studio.id)
    studios.hand_over_contact(studio, leaving.id, f"account-{leaving.id}-deleted")
    db.session.commit()
    assert len(_handed_over_mails()) == 1
    [sent] = db.session.scalars(db.select(OutboxMessage).filter_by(to="second@example.org"))
    assert "Fjord Pictures" in sent.subject and "The mail of" not in sent.subject
