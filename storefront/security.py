"""The session user, and the access rules every view reuses."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, abort, g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_user, logout_user

from .extensions import db
from .models import Studio, Title, User

F = TypeVar("F", bound=Callable[..., Any])


def init_app(app: Flask, login_manager: LoginManager) -> None:
    if app.config.get("TESTING") and app.config.get("CHEAP_PASSWORD_HASHING"):
        from .services.accounts.passwords import configure_hasher

        configure_hasher(cheap=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        from .services.accounts.logins import user_for_session_with

        asked = g.pop(_READ_WITH_LOGIN, None)
        column, params = asked if asked is not None else (None, None)
        user, value = user_for_session_with(session_id, column, params)
        if asked is not None and user is not None:
            g.setdefault(_READ_WITH_LOGIN_VALUE, {})[column] = (user.id, value)
        return user


_READ_WITH_LOGIN = "_read_with_login"
_READ_WITH_LOGIN_VALUE = "_read_with_login_value"


def read_with_login(column: Any, params: dict[str, Any]) -> None:
    """Ask for ``column`` (see ``logins.user_for_session_with``) to be read in the statement
    that loads this request's signed-in user, if that has not happened yet: a page that
    needs something of the viewer's own before it knows the user saves a round trip."""
    g.setdefault(_READ_WITH_LOGIN, (column, params))


def read_with_login_value(column: Any) -> tuple[int, Any] | None:
    """(user id, value) of a ``column`` read with this request's login, or None if the user
    was loaded otherwise (before it was asked for, or from no login at all)."""
    return g.get(_READ_WITH_LOGIN_VALUE, {}).get(column)


# Session keys that survive signing in (preferences, not credentials).
KEPT_AT_SIGN_IN = ("locale", "dev_country")


def sign_in(user: User, *, remember: bool) -> None:
    """Start a fresh session for ``user``: nothing from before (a CSRF token, a fixated
    session) carries over, and a new server-side login is opened for this browser."""
    from .services.accounts.logins import open_login

    kept = {key: session[key] for key in KEPT_AT_SIGN_IN if key in session}
    session.clear()
    session.update(kept)
    open_login(user, remember=remember, user_agent=request.user_agent.string or "")
    login_user(user, remember=remember, force=True)


def sign_out() -> None:
    """End this browser's login on the server, then its cookies."""
    from .services.accounts.logins import revoke_login

    if current_user.is_authenticated:
        revoke_login(current_user._get_current_object())  # type: ignore[attr-defined]
    logout_user()
    session.clear()


def is_safe_next(target: str | None) -> bool:
    """Only redirect to a path on this site: "/…", never a scheme or a host.

    Browsers read ``http:/evil.example``, ``http:evil.example`` and ``http:///evil.example``
    as other sites, ignore tabs and newlines inside URLs and treat backslashes as slashes,
    so anything but a plain absolute path is refused rather than interpreted.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


# --- access rules (the table of who may do what: services/accounts/permissions.py) ----------


def can_manage_studio(user: User, studio: Studio) -> bool:
    """Members of a studio (any role) and admins see its pages."""
    from .services.accounts.permissions import is_member

    return is_member(user, studio)


def studio_or_404(slug: str, action: str = "view") -> Studio:
    """Load the studio the URL names and check the current user may do ``action`` in it.

    Non-members get 404 rather than 403 so studio URLs cannot be probed; members whose role
    lacks the right get 403.
    """
    from .services.accounts.permissions import is_member, may

    studio = db.session.scalar(db.select(Studio).filter_by(slug=slug))
    if studio is None or not is_member(current_user, studio):
        abort(404)
    if not may(current_user, studio, action):
        abort(403)
    from .web.admin_audit import mark_admin_in_studio

    mark_admin_in_studio(studio, action)  # an admin acting in a studio not theirs is audited
    return studio


def title_or_404(slug: str, title_id: int, action: str = "view") -> tuple[Studio, Title]:
    """The studio the URL names and its title, for members only (404 for everyone else)."""
    studio = studio_or_404(slug, action)
    title = db.session.get(Title, title_id)
    if title is None or title.studio_id != studio.id:
        abort(404)
    return studio, title


def admin_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            from flask import current_app

            return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
