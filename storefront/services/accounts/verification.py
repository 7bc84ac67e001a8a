"""Proving an email address: at sign-up, when it changes, and before an invitation counts.

A link mailed to the address carries the account, the address and the account's security
stamp; following it marks the address verified (and, for a change, makes it the account's
address). Sign-up answers the same whether or not the address has an account: a new one
gets the link, an existing one a notice telling its owner how to log in.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ...extensions import db
from ...models import User, utcnow
from ...public_urls import public_url_for
from .. import ServiceError
from .mail import send_account_mail
from .passwords import check_password_strength, hash_password, new_security_stamp
from .users import check_current_password, create_user, find_user_by_email, normalise_email

VERIFY_MAX_AGE = 3 * 24 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="email-verify")


def send_verification(user: User, email: str | None = None) -> None:
    """Mail ``email`` (the account's own by default) a link proving the account holds it."""
    email = normalise_email(email or user.email)
    token = _serializer().dumps({"u": user.id, "e": email, "s": user.security_stamp})
    link = public_url_for("auth.verify_email", token=token)
    site = current_app.config["SITE_NAME"]
    send_account_mail(
        email,
        lambda: (
            _("Confirm your email address"),
            _(
                "Confirm that this address belongs to your %(site)s account by opening this "
                "link (it works for 3 days):\n%(link)s\n\n"
                "If you did not ask for this, ignore this message.",
                site=site,
                link=link,
            ),
        ),
        reader=user,
    )


def sign_up(
    email: str,
    password: str,
    display_name: str = "",
    locale: str | None = None,
    timezone: str | None = None,
) -> None:
    """Register ``email`` or, when it has an account already, tell its owner; the caller
    shows the same page either way, so sign-up tells nobody which addresses have accounts.
    ``timezone``: the browser's, already checked to be a zone the store knows."""
    email = normalise_email(email)
    existing = find_user_by_email(email)
    if existing is None:
        user = create_user(email, password, display_name, locale=locale, timezone=timezone)
        send_verification(user)
        return
    check_password_strength(password, [email, display_name])
    hash_password(password)  # the same work as a real sign-up, so timing says nothing
    send_account_mail(
        existing.email,
        lambda: (
            _("Someone tried to sign up with your address"),
            _(
                "Someone tried to create an account on %(site)s with this email address, "
                "which already has one.\n\nIf it was you, log in here (or reset your password "
                "from there):\n%(link)s\n\nIf it was not you, nothing has changed.",
                site=current_app.config["SITE_NAME"],
                link=public_url_for("auth.login"),
            ),
        ),
        reader=existing,
    )


def verify_email(token: str) -> User:
    """Mark the address the link was sent to verified (making it the account's, for a
    change); raises ServiceError for a bad, old or used link."""
    try:
        data = _serializer().loads(token, max_age=VERIFY_MAX_AGE)
    except SignatureExpired as exc:
        raise ServiceError(_("This link has expired. Ask for a new one.")) from exc
    except BadSignature as exc:
        raise ServiceError(_("This link is not valid.")) from exc
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or user.security_stamp != data.get("s") or not isinstance(data.get("e"), str):
        raise ServiceError(_("This link is no longer valid. Ask for a new one."))
    email = data["e"]
    if email != user.email:
        if find_user_by_email(email) is not None:
            raise ServiceError(_("An account with this email address already exists."))
        old_email, user.email = user.email, email
        user.security_stamp = new_security_stamp()  # older links for either address die
        send_account_mail(
            old_email,
            lambda: (
                _("Your email address was changed"),
                _(
                    "The email address of your account is now %(email)s.\n"
                    "If you did not make this change, reset your password and contact us.",
                    email=email,
                ),
            ),
            reader=user,
        )
    user.email_verified_at = utcnow()
    db.session.flush()
    return user


def request_email_change(user: User, password: str, new_email: str) -> bool:
    """Mail a confirmation link to ``new_email``; the address changes when it is followed.
    Returns False when there is nothing to change."""
    check_current_password(user, password)
    new_email = normalise_email(new_email)
    if new_email == user.email:
        return False
    owner = find_user_by_email(new_email)
    if owner is not None:
        # The same answer as for a free address, as at sign-up: the page must not tell
        # which addresses have accounts. Their owner is told instead.
        send_account_mail(
            owner.email,
            lambda: (
                _("Someone tried to move their account to your address"),
                _(
                    "Someone asked to use this email address, which already has an account on "
                    "%(site)s, for another account. Nothing has changed: an address belongs to "
                    "one account.\n\nIf it was you, log in here with this address:\n%(link)s",
                    site=current_app.config["SITE_NAME"],
                    link=public_url_for("auth.login"),
                ),
            ),
            reader=owner,
        )
        return True
    send_verification(user, new_email)
    return True
