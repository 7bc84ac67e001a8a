"""Suspending an account: it cannot sign in (nor so buy or watch), every login it has ends
at once and its open payment pages are closed. The account, its studios and what it bought
stay; lifting the suspension gives them back. Deleted accounts are inactive too, but for good:
only a suspension can be lifted."""

from __future__ import annotations

from flask_babel import gettext as _

from ... import jobs
from ...extensions import db
from ...models import User, utcnow
from .. import ServiceError
from . import audit
from .logins import revoke_all_logins


def is_suspended(user: User) -> bool:
    return user.suspended_at is not None


def suspend(admin: audit.Actor, user: User, reason: str) -> None:
    """``admin``: the admin's account (the web page) or the operator's command line."""
    reason = (reason or "").strip()
    if isinstance(admin, User) and user.id == admin.id:
        raise ServiceError(_("You cannot suspend your own account."))
    if is_suspended(user):
        raise ServiceError(_("This account is already suspended."))
    if not user.active:
        raise ServiceError(_("This account was deleted."))
    if not reason:
        raise ServiceError(_("Say why the account is suspended: the audit log keeps it."))
    user.active = False
    user.suspended_at = utcnow()
    revoke_all_logins(user)
    # A payment page opened before now could still be paid: closed once this commits.
    jobs.defer(db.session, "payments.close_user_checkouts", user.id)
    audit.record(admin, audit.SUSPEND_USER, user, reason)
    db.session.flush()


def unsuspend(admin: audit.Actor, user: User) -> None:
    if not is_suspended(user):
        raise ServiceError(_("This account is not suspended."))
    user.active = True
    user.suspended_at = None
    audit.record(admin, audit.UNSUSPEND_USER, user)
    db.session.flush()
