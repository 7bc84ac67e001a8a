"""The studio's screeners: send one (the recipient is mailed a personal link), see each one's
state (sent, opened, watched how far, expired, revoked), and revoke it."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..models import Screener, utcnow
from ..security import studio_or_404
from ..services.accounts.permissions import Action, may
from ..services.promotion import screeners
from .promotion_forms import ScreenerForm, studio_title_list

bp = Blueprint("studio_screeners", __name__, url_prefix="/studio")


@bp.route("/<slug>/screeners", methods=["GET", "POST"])
@login_required
def index(slug: str) -> ResponseReturnValue:
    action = Action.EDIT_CATALOGUE if request.method == "POST" else Action.VIEW
    studio = studio_or_404(slug, action)
    now = utcnow()
    form = ScreenerForm()
    form.fill_choices(studio_title_list(studio))
    status = 200
    if request.method == "POST":
        form.validate()
        try:
            screener, _token = screeners.send_screener(
                studio, form.to_plan(), now, current_user._get_current_object()
            )
        except screeners.ScreenerInvalid as exc:
            form.show_errors(exc.errors)
            status = 400
        else:
            flash(
                _("A screener is on its way to %(email)s.", email=screener.recipient_email),
                "success",
            )
            return redirect(url_for("studio_screeners.index", slug=studio.slug), code=303)
    rows = [
        (s, screeners.state_of(s, now), screeners.watched_percent(s))
        for s in screeners.screeners_of(studio)
    ]
    return render_template(
        "studio/screeners.html",
        studio=studio,
        form=form,
        rows=rows,
        can_edit=may(current_user, studio, Action.EDIT_CATALOGUE),
    ), status


@bp.post("/<slug>/screeners/<int:screener_id>/revoke")
@login_required
def revoke(slug: str, screener_id: int) -> ResponseReturnValue:
    studio = studio_or_404(slug, Action.EDIT_CATALOGUE)
    screener = db.session.get(Screener, screener_id)
    if screener is None or screener.studio_id != studio.id:
        abort(404)
    screeners.revoke(screener, utcnow())
    flash(_("The screener for %(name)s is revoked.", name=screener.recipient_name), "success")
    return redirect(url_for("studio_screeners.index", slug=studio.slug), code=303)
