"""Sign-ins kept on the server, so that signing out really ends them.

The session cookie and the remember-me cookie name one ``UserLogin`` by a random key (the
table keeps only its SHA-256). Logging out revokes that login, and with it every copy of
both cookies; a password change, a reset or "sign out everywhere" revokes all of an account's
logins. Logins also end on their own after ``REMEMBER_DAYS``.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...models import User, UserLogin, utcnow


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def open_login(user: User, *, remember: bool, user_agent: str = "") -> str:
    """Record a new sign-in of ``user`` and make it the one ``user.get_id()`` names."""
    key = secrets.token_urlsafe(24)
    now = utcnow()
    lifetime = timedelta(seconds=int(current_app.config["REMEMBER_COOKIE_DURATION"]))
    db.session.add(
        UserLogin(
            user_id=user.id,
            key_hash=_hash(key),
            remember=remember,
            user_agent=user_agent[:255],
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    db.session.flush()
    user.login_key = key
    return key


# Every request of a signed-in viewer runs this: built once, with its values bound per call
# (building the statement and its cache key each time cost more than running it). Studio
# memberships come in the same query: every page's menu asks for them (a studio member's
# "Studio" link), which would otherwise cost a second round trip.
_OPEN_LOGIN = (
    sa.select(User)
    .join(UserLogin, UserLogin.user_id == User.id)
    .where(
        User.id == sa.bindparam("user_id"),
        UserLogin.key_hash == sa.bindparam("key_hash"),
        UserLogin.revoked_at.is_(None),
        UserLogin.expires_at > sa.bindparam("at"),
    )
    .options(joinedload(User.memberships))
)


def user_for_session(session_id: str, at: datetime | None = None) -> User | None:
    """The account a cookie's ``id:key`` names, if that login is still open."""
    return user_for_session_with(session_id, None, at=at)[0]


@functools.lru_cache(maxsize=8)
def _open_login_with(column: sa.ColumnElement[Any]) -> sa.Select[Any]:
    return _OPEN_LOGIN.add_columns(column)


def user_for_session_with(
    session_id: str,
    column: sa.ColumnElement[Any] | None,
    params: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> tuple[User | None, Any]:
    """``user_for_session``, and in the same statement (one round trip instead of two) the
    value of ``column``: a scalar subquery that may use the bound ``user_id`` (the cookie's
    account, read only if its login is open) and ``params``. The column must be a module
    constant: each one's statement is built once. (None, None) if the login is not open."""
    user_id, _, key = session_id.partition(":")
    if not user_id.isdigit() or not key:
        return None, None
    values = {
        **(params or {}),
        "user_id": int(user_id),
        "key_hash": _hash(key),
        "at": at or utcnow(),
    }
    if column is None:
        user = db.session.execute(_OPEN_LOGIN, values).unique().scalar_one_or_none()
        value = None
    else:
        # Rows are unique by the account: the joined memberships repeat it, not the value.
        row = (
            db.session.execute(_open_login_with(column), values)
            .unique(lambda r: r[0])
            .one_or_none()
        )
        user, value = row if row is not None else (None, None)
    if user is not None:
        user.login_key = key
    return user, value


def revoke_login(user: User) -> None:
    """End the login this request is authenticated by (logout)."""
    if user.login_key:
        db.session.execute(
            sa.update(UserLogin)
            .where(UserLogin.key_hash == _hash(user.login_key), UserLogin.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    user.login_key = None


def revoke_all_logins(user: User) -> int:
    """End every login of the account, this one included; returns how many were open."""
    result = db.session.execute(
        sa.update(UserLogin)
        .where(UserLogin.user_id == user.id, UserLogin.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    user.login_key = None
    return result.rowcount or 0


def open_logins(user: User, at: datetime | None = None) -> int:
    at = at or utcnow()
    return (
        db.session.scalar(
            sa.select(sa.func.count(UserLogin.id)).where(
                UserLogin.user_id == user.id,
                UserLogin.revoked_at.is_(None),
                UserLogin.expires_at > at,
            )
        )
        or 0
    )


def purge_ended_logins(at: datetime | None = None, keep_days: int = 30) -> int:
    """Delete logins that ended more than ``keep_days`` ago (a daily job)."""
    cutoff = (at or utcnow()) - timedelta(days=keep_days)
    result = db.session.execute(
        sa.delete(UserLogin).where(
            sa.or_(UserLogin.expires_at < cutoff, UserLogin.revoked_at < cutoff)
        )
    )
    return result.rowcount or 0
