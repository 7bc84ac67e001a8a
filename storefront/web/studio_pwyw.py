"""The studio's pay-what-you-want settings for one title: per offer, on or off and the floor;
per country, its own suggested price and floor (a regional floor). Kept apart from the offers
editor, whose layout is its own."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..countries import country_choices
from ..extensions import db
from ..i18n import current_locale
from ..models import Offer
from ..money import to_input_string
from ..security import title_or_404
from ..services.accounts.permissions import Action, may
from ..services.catalog.pricing import currency_choices
from ..services.promotion import pwyw

bp = Blueprint("studio_pwyw", __name__, url_prefix="/studio")
SPARE_ROWS = 3


@bp.route("/<slug>/titles/<int:title_id>/pay-what-you-want", methods=["GET", "POST"])
@login_required
def edit(slug: str, title_id: int) -> ResponseReturnValue:
    action = Action.EDIT_CATALOGUE if request.method == "POST" else Action.VIEW
    studio, title = title_or_404(slug, title_id, action)
    offers = list(db.session.scalars(db.select(Offer).filter_by(title_id=title.id)))
    errors: dict[str, list[str]] = {}
    form = request.form
    if request.method == "POST":
        # The form says how many rows it has; no more are read than a plan may hold (a count
        # such as 10**20 is not a loop to run).
        count = min(max(form.get("rows", 0, type=int), 0), pwyw.MAX_FLOOR_ROWS + SPARE_ROWS)
        rows = [
            pwyw.FloorRow(
                form.get(f"row-{n}-kind", ""),
                form.get(f"row-{n}-country", ""),
                form.get(f"row-{n}-currency", ""),
                form.get(f"row-{n}-suggested", ""),
                form.get(f"row-{n}-floor", ""),
            )
            for n in range(count)
        ]
        plan = pwyw.PayWhatYouWantPlan(
            enabled={o.kind.value: bool(form.get(f"{o.kind.value}_enabled")) for o in offers},
            floors={o.kind.value: form.get(f"{o.kind.value}_floor", "") for o in offers},
            rows=[r for r in rows if r.country or r.suggested or r.floor][: pwyw.MAX_FLOOR_ROWS],
        )
        errors = pwyw.save_plan(title, plan)
        if not errors:
            flash(_("Pay what you want is saved for %(title)s.", title=title.name), "success")
            return redirect(url_for("studio_pwyw.edit", slug=slug, title_id=title.id), code=303)
    locale = current_locale()
    can_edit = may(current_user, studio, Action.EDIT_CATALOGUE)
    floors = [
        (o, t)
        for o in offers
        for t in o.territories
        if t.minimum_amount is not None and t.amount and t.currency
    ]
    return render_template(
        "studio/pay_what_you_want.html",
        studio=studio,
        title=title,
        offers=offers,
        floors=floors,
        spare=SPARE_ROWS if can_edit else 0,  # empty rows are for typing in
        countries=country_choices(locale),
        currencies=currency_choices(locale),
        errors=errors,
        typed=form if request.method == "POST" else None,
        as_input=to_input_string,
        can_edit=can_edit,
    ), (400 if errors else 200)
