"""Pre-orders: the studio's release settings for a title, and the viewer's choice (keep or
refund) when the release they pre-ordered moves or is cancelled."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField

from ..adapters.payments import PaymentError
from ..models import utcnow
from ..security import title_or_404
from ..services import ServiceError
from ..services.accounts.permissions import Action, may
from ..services.catalog.availability import SELLABLE_STATUSES
from ..services.payments.orders import order_by_public_id
from ..services.promotion import preorders
from .offer_forms import LocalDateTimeField

bp = Blueprint("preorders", __name__)
studio_bp = Blueprint("studio_preorders", __name__, url_prefix="/studio")


class ReleaseForm(FlaskForm):
    release_at = LocalDateTimeField()
    take_preorders = BooleanField()


class ChoiceForm(FlaskForm):
    """Only the CSRF token: the button pressed says keep or refund."""


@studio_bp.route("/<slug>/titles/<int:title_id>/release", methods=["GET", "POST"])
@login_required
def release(slug: str, title_id: int) -> ResponseReturnValue:
    action = Action.EDIT_CATALOGUE if request.method == "POST" else Action.VIEW
    studio, title = title_or_404(slug, title_id, action)
    now = utcnow()
    form = ReleaseForm(data={"release_at": title.release_at, "take_preorders": title.preorders})
    error = None
    if request.method == "POST" and form.validate():
        try:
            told, out = preorders.set_release(
                title, form.release_at.data, bool(form.take_preorders.data), now
            )
        except preorders.ReleaseInvalid as exc:
            error = str(exc)
        else:
            flash(_("The release settings are saved."), "success")
            if told:
                flash(
                    ngettext(
                        "%(num)d viewer who pre-ordered was told and may ask for a refund.",
                        "%(num)d viewers who pre-ordered were told and may ask for a refund.",
                        told,
                    ),
                    "info",
                )
            if out:
                flash(
                    ngettext(
                        "%(num)d viewer who pre-ordered was told the film is out.",
                        "%(num)d viewers who pre-ordered were told the film is out.",
                        out,
                    ),
                    "info",
                )
            back = url_for("studio_preorders.release", slug=slug, title_id=title.id)
            return redirect(back, code=303)
    waiting = preorders.waiting_preorders(title, now)
    return render_template(
        "studio/release.html",
        studio=studio,
        title=title,
        form=form,
        error=error,
        waiting=waiting,
        sellable=title.status in SELLABLE_STATUSES,
        can_edit=may(current_user, studio, Action.EDIT_CATALOGUE),
    ), (400 if request.method == "POST" else 200)


@bp.route("/orders/<public_id>/preorder", methods=["GET", "POST"])
@login_required
def choose(public_id: str) -> ResponseReturnValue:
    order = order_by_public_id(public_id)
    if order is None or order.user_id != current_user.id:
        abort(404)
    now = utcnow()
    form = ChoiceForm()
    open_ = preorders.choice_open(order, now)
    error, status = None, 200
    if request.method == "POST" and form.validate():
        if not open_:
            flash(_("This pre-order has nothing to choose any more."), "info")
            return redirect(url_for("watch.library"), code=303)
        if request.form.get("choice") != "refund":
            preorders.keep(order)
            flash(_("Your pre-order is kept for the new date."), "success")
            return redirect(url_for("watch.library"), code=303)
        try:
            paid = preorders.refund(current_app.extensions["payments"], order, now)
        except PaymentError as exc:  # the processor is down: the choice stays open
            error, status = str(exc), 503
        except ServiceError as exc:
            error, status = str(exc), 400
        else:
            if paid:
                flash(_("Your refund is on its way; the pre-order is cancelled."), "success")
            else:  # a comp: nothing to give back but the code's use
                flash(
                    _(
                        "Your pre-order is cancelled. Nothing was charged, and the use of your "
                        "code is given back."
                    ),
                    "success",
                )
            return redirect(url_for("watch.library"), code=303)
    return render_template(
        "checkout/preorder_choice.html",
        order=order,
        title=order.title,
        open=open_,
        form=form,
        error=error,
    ), status
