"""The operator's pages for accounts and studios: search, essentials, suspension, audit log."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination

from ..extensions import db
from ..models import Studio, User
from ..security import admin_required
from ..services import ServiceError
from ..services.accounts import audit, directory, suspension
from ..services.accounts.logins import open_logins
from ..services.catalog.titles import status_label
from .forms import ActionForm, SuspendForm, page_argument

bp = Blueprint("admin_accounts", __name__, url_prefix="/admin")
PAGE_SIZE = 50
ACTION_LABELS = {
    audit.SUSPEND_USER: _l("Suspended the account"),
    audit.UNSUSPEND_USER: _l("Lifted the suspension"),
    audit.RECORD_PAYOUT: _l("Recorded a payout made by hand"),
    audit.REFUND_ORDER: _l("Refunded an order"),
    audit.EDIT_STUDIO: _l("Changed a studio's page"),
    audit.MAKE_ADMIN: _l("Made the account an admin"),
}


def _page(stmt: sa.Select) -> Pagination:
    return db.paginate(stmt, page=page_argument(), per_page=PAGE_SIZE, error_out=False)


@bp.route("/users")
@admin_required
def users() -> ResponseReturnValue:
    q = directory.search_text(request.args.get("q"))
    return render_template("admin/users.html", q=q, found=_page(directory.users_query(q)))


def _user_page(user: User, form: SuspendForm, status: int = 200) -> ResponseReturnValue:
    history = db.session.scalars(audit.log_query("user", user.id).limit(PAGE_SIZE)).all()
    return render_template(
        "admin/user.html",
        user=user,
        facts=directory.user_facts(user),
        logins=open_logins(user),
        suspended=suspension.is_suspended(user),
        history=history,
        labels=ACTION_LABELS,
        form=form,
        lift_form=ActionForm(),
    ), status


@bp.route("/users/<int:user_id>")
@admin_required
def user(user_id: int) -> ResponseReturnValue:
    return _user_page(db.session.get(User, user_id) or abort(404), SuspendForm())


@bp.route("/users/<int:user_id>/suspend", methods=["POST"])
@admin_required
def suspend_user(user_id: int) -> ResponseReturnValue:
    target = db.session.get(User, user_id) or abort(404)
    form = SuspendForm()
    if not form.validate_on_submit():
        return _user_page(target, form, 400)
    try:
        suspension.suspend(current_user, target, form.reason.data)
    except ServiceError as exc:
        form.form_errors.append(str(exc))
        return _user_page(target, form, 400)
    flash(_("%(email)s is suspended and signed out everywhere.", email=target.email), "success")
    return redirect(url_for(".user", user_id=target.id))


@bp.route("/users/<int:user_id>/unsuspend", methods=["POST"])
@admin_required
def unsuspend_user(user_id: int) -> ResponseReturnValue:
    target = db.session.get(User, user_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        suspension.unsuspend(current_user, target)
    except ServiceError as exc:
        flash(str(exc), "error")
    else:
        flash(_("%(email)s can sign in again.", email=target.email), "success")
    return redirect(url_for(".user", user_id=target.id))


@bp.route("/studios")
@admin_required
def studios() -> ResponseReturnValue:
    q = directory.search_text(request.args.get("q"))
    return render_template("admin/studios.html", q=q, found=_page(directory.studios_query(q)))


@bp.route("/studios/<int:studio_id>")
@admin_required
def studio(studio_id: int) -> ResponseReturnValue:
    found = db.session.get(Studio, studio_id) or abort(404)
    facts = directory.studio_facts(found)
    history = db.session.scalars(audit.log_query("studio", found.id).limit(PAGE_SIZE)).all()
    return render_template(
        "admin/studio.html",
        studio=found,
        facts=facts,
        status_labels={t.id: status_label(t) for t in facts.titles},
        history=history,
        labels=ACTION_LABELS,
    )


@bp.route("/audit")
@admin_required
def audit_log() -> ResponseReturnValue:
    entries = _page(audit.log_query())
    return render_template(
        "admin/audit.html",
        entries=entries,
        targets=audit.targets_of(list(entries.items)),
        labels=ACTION_LABELS,
    )
