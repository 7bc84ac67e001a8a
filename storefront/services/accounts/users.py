"""Accounts: sign-up, authentication, password rules, password reset."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ...extensions import db
from ...models import User, utcnow
from ...public_urls import public_url_for
from .. import ServiceError
from ..locks import lock_row
from . import audit
from .logins import revoke_all_logins
from .mail import send_account_mail
from .passwords import (
    MIN_PASSWORD_LENGTH,
    check_password_strength,
    hash_password,
    new_security_stamp,
    verify_password,
)

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "authenticate",
    "check_password_strength",
    "create_user",
    "find_user_by_email",
    "normalise_email",
]


def normalise_email(email: str) -> str:
    return email.strip().lower()


def lock_account(user_id: int) -> User | None:
    """The account, locked until the transaction ends: what one account does from several
    tabs at once (open a stream, open a studio) then happens one at a time."""
    return lock_row(User, user_id, User.id)


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(db.select(User).filter_by(email=normalise_email(email)))


def create_user(
    email: str,
    password: str,
    display_name: str = "",
    *,
    locale: str | None = None,
    is_admin: bool = False,
    verified: bool = False,
    timezone: str | None = None,
) -> User:
    """A new account. ``verified`` only where someone vouches for the address (an operator
    on the command line); sign-ups verify theirs through a mailed link."""
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise ServiceError(_("An account with this email address already exists."))
    check_password_strength(password, [email, display_name])
    user = User(
        email=email,
        password_hash=hash_password(password),
        display_name=display_name.strip() or email.split("@")[0],
        locale=locale,
        timezone=timezone or "UTC",
        is_admin=is_admin,
        security_stamp=new_security_stamp(),
        email_verified_at=utcnow() if verified else None,
    )
    db.session.add(user)
    db.session.flush()
    return user


def make_admin(by: audit.Actor, user: User, detail: str = "") -> bool:
    """Give ``user`` the admins' rights, in the audit log; False if it had them already."""
    if user.is_admin:
        return False
    user.is_admin = True
    audit.record(by, audit.MAKE_ADMIN, user, detail)
    db.session.flush()
    return True


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None, without telling which part was wrong."""
    user = find_user_by_email(email)
    if not verify_password(user.password_hash if user else None, password):
        return None
    if user is not None and user.suspended_at is not None:
        # Only whoever knows the password learns why: the account exists and is suspended.
        raise ServiceError(
            _("This account is suspended. Write to the store's team if you think it is a mistake.")
        )
    if user is None or not user.active:
        return None
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def make_reset_token(user: User) -> str:
    # The stamp changes when the password does, so a used link stops working: single use.
    return _reset_serializer().dumps({"u": user.id, "s": user.security_stamp})


def send_password_reset(email: str) -> None:
    """Mail a reset link if the account exists; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    link = public_url_for("auth.reset_password", token=make_reset_token(user))
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    send_account_mail(
        user.email,
        lambda: (
            _("Reset your password"),
            _(
                "Someone asked to reset the password of your account.\n\n"
                "Choose a new password here (the link works once, for %(minutes)d minutes):\n"
                "%(link)s\n\n"
                "If it was not you, ignore this message; your password stays as it is.",
                minutes=minutes,
                link=link,
            ),
        ),
        reader=user,
    )


def user_for_reset_token(token: str) -> User:
    try:
        data = _reset_serializer().loads(
            token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"]
        )
    except SignatureExpired as exc:
        raise ServiceError(_("This reset link has expired. Ask for a new one.")) from exc
    except BadSignature as exc:
        raise ServiceError(_("This reset link is not valid. Ask for a new one.")) from exc
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or user.security_stamp != data.get("s"):
        raise ServiceError(_("This reset link has already been used. Ask for a new one."))
    return user


def set_password(user: User, new_password: str) -> None:
    """Change the password and end every sign-in of the account (cookies copied elsewhere
    included); the caller signs the current browser in again if it should stay."""
    check_password_strength(new_password, [user.email, user.display_name])
    user.password_hash = hash_password(new_password)
    user.security_stamp = new_security_stamp()
    revoke_all_logins(user)
    db.session.flush()


def check_current_password(user: User, password: str) -> None:
    if not verify_password(user.password_hash, password):
        raise ServiceError(_("Your current password is not correct."))


def change_password(user: User, current_password: str, new_password: str) -> None:
    check_current_password(user, current_password)
    set_password(user, new_password)


def update_preferences(user: User, display_name: str, locale: str | None, timezone: str) -> None:
    user.display_name = display_name.strip() or user.display_name
    user.locale = locale or None
    user.timezone = timezone
    db.session.flush()
