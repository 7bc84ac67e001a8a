"""Sign-up, login, logout, remember me, password reset and credential changes."""

from __future__ import annotations

import re

import pytest

from storefront.extensions import db
from storefront.models import OutboxMessage, User

from .conftest import PASSWORD
from .helpers import last_link


def outbox_for(email: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(db.select(OutboxMessage).filter_by(to=email).order_by(OutboxMessage.id))
    )


def test_signup_creates_an_account_whose_address_is_confirmed_by_a_mailed_link(client, auth):
    response = client.post(
        "/signup", data={"email": " New@Example.org ", "password": PASSWORD, "display_name": "Nia"}
    )
    assert response.status_code == 200 and "Check your inbox" in response.text
    user = db.session.scalar(db.select(User).filter_by(email="new@example.org"))
    assert user is not None and user.display_name == "Nia" and not user.email_verified
    assert user.password_hash.startswith("$argon2id$")
    [message] = outbox_for("new@example.org")
    link = last_link(message.body)
    assert link.startswith("http://localhost/verify/")
    confirmed = client.get(link.replace("http://localhost", ""))
    assert confirmed.status_code == 302 and "/login" in confirmed.headers["Location"]
    db.session.refresh(user)
    assert user.email_verified
    assert auth.login("new@example.org").status_code == 302
    assert client.get("/account/").status_code == 200


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, b"Invalid email address"),
        ({"email": "short@example.org", "password": "short"}, b"at least 10"),
    ],
)
def test_signup_rejects_bad_input_and_saves_nothing(client, data, message):
    response = client.post("/signup", data=data)
    assert response.status_code == 400
    assert message in response.data
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_signup_says_the_same_for_a_taken_address_and_mails_its_owner(client, viewer):
    new = client.post("/signup", data={"email": "fresh@example.org", "password": PASSWORD})
    taken = client.post("/signup", data={"email": viewer.email, "password": PASSWORD})
    assert new.status_code == taken.status_code == 200

    def words(response) -> str:
        text = re.sub(r'value="[^"]*"', "", response.text)
        return text.replace("fresh@example.org", "ADDRESS").replace(viewer.email, "ADDRESS")

    assert words(new) == words(taken)
    assert b"already exists" not in taken.data
    assert db.session.scalar(db.select(db.func.count(User.id))) == 2
    [notice] = outbox_for(viewer.email)
    assert notice.subject == "Someone tried to sign up with your address"
    assert "/login" in notice.body


@pytest.mark.parametrize("weak", ["aaaaaaaaaa", "password123", "qwertyuiop", "own address"])
def test_common_and_guessable_passwords_are_refused_everywhere(client, auth, viewer, weak):
    own = weak == "own address"
    signup = client.post(
        "/signup", data={"email": "new@example.org", "password": "new@example.org" if own else weak}
    )
    assert signup.status_code == 400 and b"too common or too easy to guess" in signup.data
    assert db.session.scalar(db.select(User).filter_by(email="new@example.org")) is None
    auth.login(viewer.email)
    change = client.post(
        "/account/",
        data={
            "action": "password",
            "pw-current_password": PASSWORD,
            "pw-password": viewer.email if own else weak,
        },
    )
    assert change.status_code == 400 and b"too common or too easy to guess" in change.data


def test_login_failure_does_not_reveal_whether_account_exists(client, auth, viewer):
    wrong_password = auth.login(viewer.email, "wrong password!!")
    unknown_account = auth.login("nobody@example.org", "wrong password!!")
    assert wrong_password.status_code == unknown_account.status_code == 400
    assert b"Email or password is incorrect." in wrong_password.data
    assert b"Email or password is incorrect." in unknown_account.data


def test_login_and_logout(client, auth, viewer):
    assert auth.login(viewer.email).status_code == 302
    assert client.get("/account/").status_code == 200
    auth.logout()
    response = client.get("/account/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_remember_me_sets_a_persistent_cookie(client, auth, viewer):
    auth.login(viewer.email, remember="y")
    assert client.get_cookie("remember_token") is not None


def test_inactive_account_cannot_log_in(client, auth, viewer):
    viewer.active = False
    db.session.commit()
    assert auth.login(viewer.email).status_code == 400


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/account/", "/account/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("http:/evil.example", "/"),
        ("http:evil.example", "/"),
        ("http:///evil.example", "/"),
        ("https:evil.example/account/", "/"),
        ("/\t/evil.example", "/"),
        ("/account/\r\nSet-Cookie: x=1", "/"),
        ("account/", "/"),
    ],
)
def test_next_only_redirects_within_the_site(client, auth, viewer, target, expected):
    response = client.post(
        "/login", data={"email": viewer.email, "password": PASSWORD, "next": target}
    )
    assert response.headers["Location"] == expected


def test_password_reset_through_the_emailed_link_works_once(client, auth, viewer):
    response = client.post("/password/forgot", data={"email": viewer.email})
    assert response.status_code == 302
    [message] = outbox_for(viewer.email)
    link = last_link(message.body).replace("http://localhost", "")

    assert client.get(link).status_code == 200
    new_password = "a brand new passphrase"
    response = client.post(link, data={"password": new_password, "confirm": new_password})
    assert response.status_code == 302
    assert auth.login(viewer.email, new_password).status_code == 302
    auth.logout()
    # Single use: the same link no longer works.
    again = client.post(
        link, data={"password": "another passphrase!", "confirm": "another passphrase!"}
    )
    assert again.status_code == 400 and b"already been used" in again.data
    assert auth.login(viewer.email, new_password).status_code == 302


def test_password_reset_for_unknown_email_says_the_same_and_sends_nothing(client, viewer):
    known = client.post("/password/forgot", data={"email": viewer.email}, follow_redirects=True)
    unknown = client.post(
        "/password/forgot", data={"email": "ghost@example.org"}, follow_redirects=True
    )
    assert b"If an account exists" in known.data and b"If an account exists" in unknown.data
    assert outbox_for("ghost@example.org") == []


def test_expired_or_tampered_reset_links_are_refused(app, client, viewer):
    from storefront.services.accounts.users import make_reset_token

    token = make_reset_token(viewer)
    assert client.get(f"/password/reset/{token}x").status_code == 400
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    response = client.get(f"/password/reset/{token}")
    assert response.status_code == 400 and b"expired" in response.data


def test_change_password_requires_current_and_logs_out_other_sessions(app, auth, viewer):
    other_device = app.test_client()
    auth.login(viewer.email)
    other_device.post("/login", data={"email": viewer.email, "password": PASSWORD})

    refused = auth.client.post(
        "/account/",
        data={
            "action": "password",
            "pw-current_password": "wrong one!!",
            "pw-password": "new passphrase 1",
        },
    )
    assert refused.status_code == 400 and b"not correct" in refused.data

    changed = auth.client.post(
        "/account/",
        data={
            "action": "password",
            "pw-current_password": PASSWORD,
            "pw-password": "new passphrase 1",
        },
    )
    assert changed.status_code == 302
    assert auth.client.get("/account/").status_code == 200
    assert other_device.get("/account/").status_code == 302  # sent to login


def test_changing_email_to_a_taken_address_says_what_a_free_one_does(auth, viewer, make_user):
    """The account page answered "An account with this email address already exists": any
    account could test which addresses have accounts, as sign-up no longer tells. The
    answer is now the same, and the address's owner is told instead."""
    make_user("taken@example.org")
    auth.login(viewer.email)

    def change_to(address: str):  # type: ignore[no-untyped-def]
        return auth.client.post(
            "/account/",
            data={"action": "email", "email-email": address, "email-current_password": PASSWORD},
            follow_redirects=True,
        )

    taken, free = change_to("taken@example.org"), change_to("free@example.org")
    assert taken.status_code == free.status_code == 200
    assert b"already exists" not in taken.data
    said = re.findall(r'<p class="flash[^"]*">([^<]*)</p>', taken.get_data(as_text=True))
    assert said == [
        m.replace("free@", "taken@")
        for m in re.findall(r'<p class="flash[^"]*">([^<]*)</p>', free.get_data(as_text=True))
    ]
    assert said and "taken@example.org" in said[0]
    (notice,) = outbox_for("taken@example.org")
    assert "/verify/" not in notice.body  # nothing that would move the address
    db.session.refresh(viewer)
    assert viewer.email == "viewer@example.org"


def test_change_email_needs_password_and_the_new_address_to_confirm(auth, viewer, make_user):
    auth.login(viewer.email)
    ok = auth.client.post(
        "/account/",
        data={
            "action": "email",
            "email-email": "fresh@example.org",
            "email-current_password": PASSWORD,
        },
    )
    assert ok.status_code == 302
    db.session.refresh(viewer)
    assert viewer.email == "viewer@example.org"  # unchanged until the new address confirms
    link = last_link(outbox_for("fresh@example.org")[-1].body).replace("http://localhost", "")
    assert auth.client.get(link).status_code == 302
    db.session.refresh(viewer)
    assert viewer.email == "fresh@example.org" and viewer.email_verified
    assert outbox_for("viewer@example.org")[-1].subject == "Your email address was changed"
    assert auth.client.get(link).status_code == 400  # used once


def test_preferences_set_language_used_for_pages(auth, viewer):
    auth.login(viewer.email)
    response = auth.client.post(
        "/account/",
        data={
            "action": "preferences",
            "prefs-display_name": "Vera",
            "prefs-locale": "fr",
            "prefs-timezone": "Europe/Paris",
        },
    )
    assert response.status_code == 302
    page = auth.client.get("/", headers={"Accept-Language": "en"})
    assert 'lang="fr"' in page.text


@pytest.mark.parametrize("zone", ["Factory", "localtime"])
def test_only_time_zones_dates_can_be_shown_in_are_offered(auth, viewer, make_title, zone):
    """The zone list came from the system's files, with names the date formatting does not
    know: choosing one made the catalogue and every title page fail."""
    make_title("Night Train")
    auth.login(viewer.email)
    page = auth.client.get("/account/")
    assert f'<option value="{zone}"' not in page.text
    assert '<option value="Europe/Paris"' in page.text

    response = auth.client.post(
        "/account/",
        data={
            "action": "preferences",
            "prefs-display_name": "Vera",
            "prefs-timezone": zone,
        },
    )
    assert response.status_code == 400
    assert db.session.get(User, viewer.id).timezone == "UTC"
    assert auth.client.get("/films/night-train").status_code == 200


@pytest.mark.parametrize("zone", ["Factory", "localtime"])
def test_an_account_that_saved_such_a_zone_earlier_still_reads_its_pages(
    auth, viewer, make_title, zone
):
    """Accounts saved one before the list was narrowed: their pages are shown in UTC."""
    make_title("Night Train")
    viewer.timezone = zone
    db.session.commit()
    auth.login(viewer.email)

    assert auth.client.get("/films").status_code == 200
    assert auth.client.get("/films/night-train").status_code == 200


@pytest.mark.parametrize("target", ["http:/evil.example", "http:evil.example", "/\r\n/x"])
def test_language_change_and_signup_only_redirect_within_the_site(client, target):
    changed = client.post("/account/language", data={"locale": "fr", "next": target})
    assert changed.status_code == 302 and changed.headers["Location"] == "/"
    signed_up = client.post(
        f"/signup?next={target}",
        data={"email": "new@example.org", "password": PASSWORD},
    )
    assert "evil.example" not in signed_up.headers.get("Location", "")
    assert signed_up.status_code != 500


def copy_cookies(source, target) -> None:
    for name in ("session", "remember_token"):
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value, domain="localhost")


def test_logout_ends_copies_of_the_session_and_remember_cookies(app, auth, viewer):
    auth.login(viewer.email, remember="y")
    session_copy, remember_copy = app.test_client(), app.test_client()
    copy_cookies(auth.client, session_copy)
    remember_copy.set_cookie(
        "remember_token", auth.client.get_cookie("remember_token").value, domain="localhost"
    )
    assert session_copy.get("/account/").status_code == 200
    assert remember_copy.get("/account/").status_code == 200

    auth.logout()
    assert session_copy.get("/account/").status_code == 302
    fresh = app.test_client()
    fresh.set_cookie(
        "remember_token", remember_copy.get_cookie("remember_token").value, domain="localhost"
    )
    assert fresh.get("/account/").status_code == 302


def test_a_token_from_before_login_does_not_work_after_it(app, settings, viewer):
    from storefront import create_app

    from .helpers import csrf_token

    settings["WTF_CSRF_ENABLED"] = True
    client = create_app(settings).test_client()
    before = csrf_token(client.get("/login").text)
    assert (
        client.post(
            "/login", data={"email": viewer.email, "password": PASSWORD, "csrf_token": before}
        ).status_code
        == 302
    )
    stale = client.post(
        "/account/language", data={"locale": "fr", "next": "/", "csrf_token": before}
    )
    assert stale.status_code == 400
    fresh = csrf_token(client.get("/account/").text)
    assert fresh != before
    ok = client.post("/account/language", data={"locale": "fr", "next": "/", "csrf_token": fresh})
    assert ok.status_code == 302


def test_sign_out_everywhere_ends_every_session_and_remember_cookie(app, auth, viewer):
    laptop, phone = app.test_client(), app.test_client()
    laptop.post("/login", data={"email": viewer.email, "password": PASSWORD, "remember": "y"})
    auth.login(viewer.email)
    remembered = app.test_client()
    remembered.set_cookie(
        "remember_token", laptop.get_cookie("remember_token").value, domain="localhost"
    )
    copy_cookies(auth.client, phone)

    response = auth.client.post("/account/sign-out-everywhere")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    for client in (auth.client, laptop, phone, remembered):
        assert client.get("/account/").status_code == 302


def test_a_password_change_ends_other_remembered_devices(app, auth, viewer):
    laptop = app.test_client()
    laptop.post("/login", data={"email": viewer.email, "password": PASSWORD, "remember": "y"})
    remembered = app.test_client()
    remembered.set_cookie(
        "remember_token", laptop.get_cookie("remember_token").value, domain="localhost"
    )
    auth.login(viewer.email)
    auth.client.post(
        "/account/",
        data={
            "action": "password",
            "pw-current_password": PASSWORD,
            "pw-password": "new passphrase 1",
        },
    )
    assert auth.client.get("/account/").status_code == 200
    assert laptop.get("/account/").status_code == 302
    assert remembered.get("/account/").status_code == 302


def test_ended_logins_are_purged_after_a_month(app, auth, viewer):
    from datetime import timedelta

    from storefront.models import UserLogin, utcnow
    from storefront.services.accounts.logins import purge_ended_logins

    auth.login(viewer.email)
    auth.logout()
    auth.login(viewer.email)
    assert db.session.scalar(db.select(db.func.count(UserLogin.id))) == 2
    assert purge_ended_logins(utcnow()) == 0
    assert purge_ended_logins(utcnow() + timedelta(days=31)) == 1  # the open one stays
    db.session.commit()
    assert auth.client.get("/account/").status_code == 200


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("Europe/Oslo", "Europe/Oslo"), ("Mars/Olympus_Mons", "UTC"), ("", "UTC"), (None, "UTC")],
)
def test_signup_keeps_the_browsers_time_zone_when_it_is_a_real_one(client, sent, kept):
    """The sign-up page sends the browser's zone; anything else is no reason to refuse."""
    data = {"email": "zoned@example.org", "password": PASSWORD}
    if sent is not None:
        data["timezone"] = sent
    response = client.post("/signup", data=data)
    assert response.status_code == 200 and "Check your inbox" in response.text
    user = db.session.scalar(db.select(User).filter_by(email="zoned@example.org"))
    assert user.timezone == kept
