"""Mails to a known account are written in the language it chose, whoever (and whatever
browser) caused them; an account that chose none, or an address without one, reads the
language of the page that caused the mail when that page was its own, else the store's."""

from __future__ import annotations

from storefront.extensions import db
from storefront.models import Notification, OutboxMessage

FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9"}
GERMAN = {"Accept-Language": "de-DE,de;q=0.9"}


def mail_to(email: str) -> OutboxMessage:
    [message] = db.session.scalars(db.select(OutboxMessage).filter_by(to=email)).all()
    return message


def test_a_reset_asked_from_a_french_browser_reaches_a_german_account_in_german(client, make_user):
    reader = make_user("greta@example.org", locale="de")
    client.post("/password/forgot", data={"email": reader.email}, headers=FRENCH)
    message = mail_to(reader.email)
    assert message.subject == "Passwort zurücksetzen"
    assert "Someone asked" not in message.body and "Quelqu" not in message.body
    assert db.session.scalar(db.select(Notification.locale)) == "de"


def test_an_account_without_a_language_reads_the_language_it_asked_in(client, make_user):
    reader = make_user("nolang@example.org", locale=None)
    client.post("/password/forgot", data={"email": reader.email}, headers=FRENCH)
    assert mail_to(reader.email).subject == "Réinitialiser votre mot de passe"


def test_the_sign_up_notice_reaches_the_owner_in_the_owners_language(client, make_user):
    owner = make_user("francoise@example.org", locale="fr")
    client.post(
        "/signup",
        data={"email": owner.email, "password": "correct horse battery"},
        headers=GERMAN,
    )
    assert mail_to(owner.email).subject == "Quelqu’un a essayé de s’inscrire avec votre adresse"


def test_a_studio_invitation_to_an_account_is_in_its_language_not_the_inviters(
    client, auth, studio, filmmaker, make_user
):
    filmmaker.locale = "fr"
    invitee = make_user("kenji@example.org", locale="ja")
    db.session.commit()
    auth.login(filmmaker.email)
    client.post(f"/studio/{studio.slug}/members", data={"email": invitee.email})
    assert mail_to(invitee.email).subject == "Storefront のスタジオへの招待"


def test_an_invitation_to_an_address_without_an_account_follows_the_inviters_page(
    client, auth, studio, filmmaker
):
    filmmaker.locale = "fr"
    db.session.commit()
    auth.login(filmmaker.email)
    client.post(f"/studio/{studio.slug}/members", data={"email": "new@example.org"})
    assert mail_to("new@example.org").subject == "Invitation à rejoindre un studio sur Storefront"


def test_an_account_without_a_language_is_not_mailed_in_someone_elses(
    client, auth, studio, filmmaker, make_user
):
    """Another person's page says nothing of the reader's language: the store's default."""
    filmmaker.locale = "fr"
    invitee = make_user("plain@example.org", locale=None)
    db.session.commit()
    auth.login(filmmaker.email)
    client.post(f"/studio/{studio.slug}/members", data={"email": invitee.email})
    assert mail_to(invitee.email).subject == "Invitation to a studio on Storefront"


def test_an_address_change_is_confirmed_and_told_in_the_accounts_language(client, auth, make_user):
    """The new address has no account yet and the old one none any more: the account they
    are for decides, not the page's ?lang=."""
    reader = make_user("greta@example.org", locale="de")
    auth.login(reader.email)
    client.post(
        "/account/?lang=fr",
        data={
            "action": "email",
            "email-email": "greta.neu@example.org",
            "email-current_password": "correct horse battery",
        },
    )
    confirm = mail_to("greta.neu@example.org")
    assert confirm.subject == "Bestätige deine E-Mail-Adresse"
    link = confirm.body.split("http://localhost", 1)[1].split()[0]
    client.get(f"{link}?lang=fr")
    assert mail_to("greta@example.org").subject == "Deine E-Mail-Adresse wurde geändert"
