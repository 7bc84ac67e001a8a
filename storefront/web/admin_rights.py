"""The operator's page for rights holders in single-account mode: what the store owes each
holder (the same split as Connect computes), and recording a payout made by hand."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..i18n import current_locale
from ..models import Studio
from ..money import format_amount
from ..security import admin_required
from ..services import ServiceError
from ..services.rights import statements

bp = Blueprint("admin_rights", __name__, url_prefix="/admin/rights")


@bp.route("/owed")
@admin_required
def owed() -> ResponseReturnValue:
    return render_template("admin/rights_owed.html", owed=statements.amounts_owed())


@bp.post("/owed/<int:studio_id>/<currency>")
@admin_required
def record_payout(studio_id: int, currency: str) -> ResponseReturnValue:
    note = (request.form.get("note") or "").strip()
    if not note:
        flash(_("Say how it was paid, for example the bank transfer's reference."), "error")
        return redirect(url_for("admin_rights.owed")), 303
    try:
        amount = statements.record_manual_payout(
            studio_id,
            currency,
            note,
            request.form.get("amount", -1, type=int),
            by=current_user,
        )
    except ServiceError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin_rights.owed")), 303
    if statements.owes_back(amount):
        studio = db.session.get(Studio, studio_id)
        done = _(
            "%(amount)s paid back by %(studio)s recorded.",
            amount=format_amount(-amount, currency.upper(), current_locale()),
            studio=studio.name if studio else "",
        )
    else:
        done = _(
            "Payout of %(amount)s recorded.",
            amount=format_amount(amount, currency.upper(), current_locale()),
        )
    flash(done, "success")
    return redirect(url_for("admin_rights.owed")), 303
