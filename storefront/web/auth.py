"""Sign up, log in, log out, and password reset."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import limiter
from ..i18n import browser_locale
from ..security import is_safe_next, sign_in, sign_out
from ..services import ServiceError
from ..services.accounts import users as accounts_service
from ..services.accounts import verification
from .forms import ForgotPasswordForm, LoginForm, ResetPasswordForm, SignupForm

bp = Blueprint("auth", __name__)


def _auth_limit() -> str:
    return current_app.config["AUTH_RATE_LIMIT"]


def _redirect_next(default: str) -> ResponseReturnValue:
    target = request.args.get("next") or request.form.get("next")
    return redirect(target if is_safe_next(target) else default)


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(_auth_limit, methods=["POST"])
def signup() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("store.home"))
    form = SignupForm()
    if form.validate_on_submit():
        try:
            verification.sign_up(
                form.email.data,
                form.password.data,
                form.display_name.data or "",
                locale=browser_locale(current_app.config["LANGUAGES"]),
                timezone=form.known_time_zone(),
            )
        except ServiceError as exc:
            form.password.errors.append(str(exc))
        else:
            # The same page whether or not the address already had an account.
            return render_template("auth/check_inbox.html", email=form.email.data.lower())
    status = 400 if request.method == "POST" else 200
    return render_template("auth/signup.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_auth_limit, methods=["POST"])
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return _redirect_next(url_for("store.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts_service.authenticate(form.email.data, form.password.data)
        except ServiceError as exc:  # a suspended account
            form.form_errors.append(str(exc))
        else:
            if user is not None:
                sign_in(user, remember=bool(form.remember.data))
                return _redirect_next(url_for("store.home"))
            form.form_errors.append(_("Email or password is incorrect."))
        status = 400
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    sign_out()
    flash(_("You are logged out."), "info")
    return redirect(url_for("store.home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_auth_limit, methods=["POST"])
def forgot_password() -> ResponseReturnValue:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts_service.send_password_reset(form.email.data)
        # Same answer whether or not the account exists: no enumeration.
        flash(
            _(
                "If an account exists for that address, "
                "we have sent it a link to reset the password."
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form), 400 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> ResponseReturnValue:
    try:
        user = accounts_service.user_for_reset_token(token)
    except ServiceError as exc:
        return render_template("auth/reset_invalid.html", message=str(exc)), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts_service.set_password(user, form.password.data)
        except ServiceError as exc:
            form.password.errors.append(str(exc))
        else:
            sign_out()
            flash(_("Your password has been changed. Log in with the new one."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form), 400 if form.errors else 200


@bp.get("/verify/<token>")
def verify_email(token: str) -> ResponseReturnValue:
    """The link mailed at sign-up or after an email change."""
    try:
        user = verification.verify_email(token)
    except ServiceError as exc:
        return render_template("auth/verify_invalid.html", message=str(exc)), 400
    flash(_("Your email address %(email)s is confirmed.", email=user.email), "success")
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(url_for("account.settings"))
    if current_user.is_authenticated:
        sign_out()  # another account's browser: do not leave it looking signed in as them
    return redirect(url_for("auth.login"))


@bp.route("/session/check")
@login_required
def session_check() -> ResponseReturnValue:
    """A cheap authenticated endpoint (used by pages that poll)."""
    return {"user": current_user.email}
