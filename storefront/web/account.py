"""The viewer's own account: preferences, email and password."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from ..security import is_safe_next
from ..services import ServiceError
from ..services.accounts import users as accounts_service
from .forms import ChangeEmailForm, ChangePasswordForm, PreferencesForm

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.route("/", methods=["GET", "POST"])
@login_required
def settings() -> ResponseReturnValue:
    languages = current_app.config["LANGUAGES"]
    prefs = PreferencesForm(languages, prefix="prefs", obj=current_user)
    email_form = ChangeEmailForm(prefix="email")
    password_form = ChangePasswordForm(prefix="pw")
    status = 200
    action = request.form.get("action")
    if action == "preferences" and prefs.validate_on_submit():
        accounts_service.update_preferences(
            current_user, prefs.display_name.data, prefs.locale.data, prefs.timezone.data
        )
        flash(_("Your preferences are saved."), "success")
        return redirect(url_for("account.settings"))
    if action == "email" and email_form.validate_on_submit():
        try:
            accounts_service.change_email(
                current_user, email_form.current_password.data, email_form.email.data
            )
        except ServiceError as exc:
            email_form.form_errors.append(str(exc))
        else:
            login_user(
                current_user._get_current_object()
            )  # the session id carries the new security stamp
            flash(_("Your email address is changed."), "success")
            return redirect(url_for("account.settings"))
    if action == "password" and password_form.validate_on_submit():
        try:
            accounts_service.change_password(
                current_user, password_form.current_password.data, password_form.password.data
            )
        except ServiceError as exc:
            password_form.form_errors.append(str(exc))
        else:
            login_user(current_user._get_current_object())
            flash(_("Your password is changed. Other devices have been logged out."), "success")
            return redirect(url_for("account.settings"))
    if request.method == "POST":
        status = 400
    return (
        render_template(
            "account/settings.html", prefs=prefs, email_form=email_form, password_form=password_form
        ),
        status,
    )


@bp.route("/language", methods=["POST"])
def choose_language() -> ResponseReturnValue:
    """The language switcher in the footer, for visitors without an account setting."""
    code = request.form.get("locale", "")
    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
        if current_user.is_authenticated:
            current_user.locale = code
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for("store.home"))
