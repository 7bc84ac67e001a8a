"""The studio's promo and comp codes: the list, a new promotion, one promotion's
redemption view, withdrawing it, and its codes as CSV."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..models import Promotion, Studio
from ..public_urls import public_url_for
from ..security import studio_or_404
from ..services.accounts.permissions import Action, may
from ..services.promotion import manage, report
from .promotion_forms import PromotionForm, studio_title_list

bp = Blueprint("studio_promotions", __name__, url_prefix="/studio")


def _promotion_or_404(studio: Studio, promotion_id: int) -> Promotion:
    promotion = db.session.get(Promotion, promotion_id)
    if promotion is None or promotion.studio_id != studio.id:
        abort(404)
    return promotion


@bp.get("/<slug>/codes")
@login_required
def index(slug: str) -> ResponseReturnValue:
    studio = studio_or_404(slug, Action.VIEW)
    promotions = manage.promotions_of(studio)
    return render_template(
        "studio/promotions/index.html",
        studio=studio,
        promotions=[(p, report.uses_by_code(p)) for p in promotions],
        can_edit=may(current_user, studio, Action.EDIT_CATALOGUE),
    )


@bp.route("/<slug>/codes/new", methods=["GET", "POST"])
@login_required
def create(slug: str) -> ResponseReturnValue:
    studio = studio_or_404(slug, Action.EDIT_CATALOGUE)
    form = PromotionForm()
    form.fill_choices(studio_title_list(studio))
    status = 200
    if request.method == "POST":
        form.validate()
        if not any(f.errors for f in (form.percent_off, form.max_uses, form.per_viewer_limit)):
            try:
                promotion = manage.create_promotion(studio, form.to_plan())
            except manage.PromotionInvalid as exc:
                form.show_errors(exc.errors)
            else:
                flash(_("The promotion %(name)s is ready.", name=promotion.name), "success")
                return redirect(
                    url_for("studio_promotions.show", slug=studio.slug, promotion_id=promotion.id),
                    code=303,
                )
        status = 400
    return render_template("studio/promotions/form.html", studio=studio, form=form), status


@bp.get("/<slug>/codes/<int:promotion_id>")
@login_required
def show(slug: str, promotion_id: int) -> ResponseReturnValue:
    studio = studio_or_404(slug, Action.VIEW)
    promotion = _promotion_or_404(studio, promotion_id)
    # A shared code's links to send (the film's page, with the code applied at checkout).
    share_links = (
        []
        if promotion.batch
        else [
            (film, public_url_for("store.title", slug=film.slug, code=promotion.codes[0].code))
            for film in manage.films_covered(promotion)
        ]
    )
    return render_template(
        "studio/promotions/show.html",
        studio=studio,
        promotion=promotion,
        share_links=share_links,
        usage=report.usage(promotion),
        can_edit=may(current_user, studio, Action.EDIT_CATALOGUE),
    )


@bp.post("/<slug>/codes/<int:promotion_id>/withdraw")
@login_required
def withdraw(slug: str, promotion_id: int) -> ResponseReturnValue:
    studio = studio_or_404(slug, Action.EDIT_CATALOGUE)
    promotion = _promotion_or_404(studio, promotion_id)
    manage.withdraw(promotion)
    return _back(
        studio, promotion, _("The codes of %(name)s can no longer be used.", name=promotion.name)
    )


@bp.post("/<slug>/codes/<int:promotion_id>/reinstate")
@login_required
def reinstate(slug: str, promotion_id: int) -> ResponseReturnValue:
    studio = studio_or_404(slug, Action.EDIT_CATALOGUE)
    promotion = _promotion_or_404(studio, promotion_id)
    manage.reinstate(promotion)
    return _back(
        studio, promotion, _("The codes of %(name)s can be used again.", name=promotion.name)
    )


def _back(studio: Studio, promotion: Promotion, done: str) -> ResponseReturnValue:
    """The promotion's page again, saying what changed."""
    flash(done, "success")
    return redirect(
        url_for("studio_promotions.show", slug=studio.slug, promotion_id=promotion.id), code=303
    )


@bp.get("/<slug>/codes/<int:promotion_id>/codes.csv")
@login_required
def codes_csv(slug: str, promotion_id: int) -> ResponseReturnValue:
    studio = studio_or_404(slug, Action.EDIT_CATALOGUE)
    promotion = _promotion_or_404(studio, promotion_id)
    text = manage.codes_csv(promotion, report.uses_by_code(promotion))
    response = Response(text, mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="codes-{studio.slug}-{promotion.id}.csv"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
