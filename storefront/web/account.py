"""The viewer's own account: preferences, email and password, their data and deletion."""

from __future__ import annotations

import csv
import io
import json

from flask import (
    Blueprint,
    Response,
    abort,
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
from flask_login import current_user, login_required

from ..extensions import client_address, limiter
from ..i18n import current_locale
from ..models import utcnow
from ..security import is_safe_next, sign_in, sign_out
from ..services import ServiceError
from ..services.accounts import consents, privacy, verification
from ..services.accounts import users as accounts_service
from ..services.accounts.logins import revoke_all_logins
from ..services.catalog.title_texts import shown_names
from .forms import (
    ActionForm,
    ChangeEmailForm,
    ChangePasswordForm,
    DeleteAccountForm,
    PreferencesForm,
)

bp = Blueprint("account", __name__, url_prefix="/account")


def _account_limit() -> str:
    return current_app.config["AUTH_RATE_LIMIT"]


def _account_key() -> str:
    # Per account, not per address: a stolen session tries passwords from anywhere.
    return f"account:{current_user.id}" if current_user.is_authenticated else client_address()


def _password_tried_or_mail_sent(response: Response) -> bool:
    """What the account page's limit counts: refused tries (a password guessed) and every
    accepted address change (a mail to an address the sender chose)."""
    return response.status_code == 400 or (
        request.form.get("action") == "email" and response.status_code == 302
    )


@bp.route("/", methods=["GET", "POST"])
@login_required
@limiter.limit(
    _account_limit,
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_password_tried_or_mail_sent,
)
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
            changing = verification.request_email_change(
                current_user, email_form.current_password.data, email_form.email.data
            )
        except ServiceError as exc:
            email_form.form_errors.append(str(exc))
        else:
            if changing:
                flash(
                    _(
                        "We sent a link to %(email)s. Your address changes when you open it.",
                        email=email_form.email.data.lower(),
                    ),
                    "info",
                )
            return redirect(url_for("account.settings"))
    if action == "password" and password_form.validate_on_submit():
        try:
            accounts_service.change_password(
                current_user, password_form.current_password.data, password_form.password.data
            )
        except ServiceError as exc:
            password_form.form_errors.append(str(exc))
        else:
            # Every login ended with the old password; this browser starts a new one.
            sign_in(current_user._get_current_object(), remember=False)
            flash(_("Your password is changed. Other devices have been logged out."), "success")
            return redirect(url_for("account.settings"))
    if request.method == "POST":
        status = 400
    return (
        render_template(
            "account/settings.html",
            prefs=prefs,
            email_form=email_form,
            password_form=password_form,
            action_form=ActionForm(),
            shared=_shared_in_viewers_language(),
        ),
        status,
    )


@bp.post("/verification")
@login_required
@limiter.limit(_account_limit, key_func=_account_key)
def resend_verification() -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    if not current_user.email_verified:
        verification.send_verification(current_user)
    flash(_("We sent a confirmation link to %(email)s.", email=current_user.email), "info")
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for("account.settings"))


@bp.post("/sign-out-everywhere")
@login_required
def sign_out_everywhere() -> ResponseReturnValue:
    """End every sign-in of the account: other browsers, copied cookies and this one."""
    if not ActionForm().validate_on_submit():
        abort(400)
    revoke_all_logins(current_user._get_current_object())
    sign_out()
    flash(_("You are signed out on every device."), "info")
    return redirect(url_for("auth.login"))


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


# --- the viewer's own data ---------------------------------------------------------------


def _attachment(body: str, mimetype: str, extension: str) -> Response:
    response = Response(body, mimetype=mimetype)
    name = f"my-data-{utcnow().date().isoformat()}.{extension}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/data.json")
@login_required
def export_json() -> ResponseReturnValue:
    """Everything the store holds about the signed-in viewer, as JSON."""
    data = privacy.export_data(current_user._get_current_object())
    return _attachment(json.dumps(data, indent=2, ensure_ascii=False), "application/json", "json")


@bp.get("/data.csv")
@login_required
def export_csv() -> ResponseReturnValue:
    """The same, as CSV rows (section, item, field, value)."""
    buffer = io.StringIO()
    rows = privacy.export_rows(privacy.export_data(current_user._get_current_object()))
    csv.writer(buffer).writerows(rows)
    return _attachment(buffer.getvalue(), "text/csv", "csv")


def _shared_in_viewers_language() -> list[tuple[int, str, object]]:
    """The films the viewer shares their address for, named as the catalogue names them."""
    shared = consents.consents_of(current_user._get_current_object())
    names = shown_names([title_id for title_id, _name, _at in shared], current_locale())
    return [(title_id, names.get(title_id, name), at) for title_id, name, at in shared]


@bp.post("/consents/<int:title_id>/withdraw")
@login_required
def withdraw_consent(title_id: int) -> ResponseReturnValue:
    """Stop sharing the address with a film's filmmaker (given at checkout)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    if not consents.withdraw_consent(current_user._get_current_object(), title_id):
        abort(404)
    flash(_("Your address is no longer shared with this film's filmmaker."), "success")
    return redirect(url_for("account.settings"))


@bp.route("/delete", methods=["GET", "POST"])
@login_required
@limiter.limit(
    _account_limit,
    key_func=_account_key,
    methods=["POST"],
    deduct_when=lambda response: response.status_code == 400,
)
def delete() -> ResponseReturnValue:
    """Delete the account: access ends, the person is erased, the accounts keep the sales."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            privacy.delete_account(current_user._get_current_object(), form.current_password.data)
        except ServiceError as exc:
            form.form_errors.append(str(exc))
        else:
            sign_out()
            flash(_("Your account is deleted."), "info")
            return redirect(url_for("store.home"))
    status = 400 if request.method == "POST" else 200
    return render_template("account/delete.html", form=form), status
