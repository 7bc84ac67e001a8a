"""The studio's offers page for one title: rent/buy prices, territories, windows, rental terms."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from ..countries import country_name
from ..extensions import db
from ..i18n import current_locale
from ..models import OfferKind, Studio, Title, utcnow
from ..regions import REGIONS_BY_KEY
from ..security import studio_or_404
from ..services.accounts.permissions import Action, may
from ..services.catalog import offers as offers_service
from ..services.catalog import price_suggestions
from ..services.catalog.offer_summary import summarize
from ..services.rights.splits import split_warning
from .offer_forms import SPARE_ROWS, OffersForm, initial_data

bp = Blueprint("studio_offers", __name__, url_prefix="/studio")


def _title_or_404(studio: Studio, title_id: int) -> Title:
    title = db.session.scalar(db.select(Title).filter_by(id=title_id, studio_id=studio.id))
    if title is None:
        abort(404)
    return title


@bp.route("/<slug>/titles/<int:title_id>/offers", methods=["GET", "POST"])
@login_required
def edit(slug: str, title_id: int) -> ResponseReturnValue:
    action = Action.EDIT_CATALOGUE if request.method == "POST" else Action.VIEW
    studio = studio_or_404(slug, action)
    title = _title_or_404(studio, title_id)
    locale = current_locale()
    status = 200
    if request.method == "POST":
        form = OffersForm()
        more = request.form.get("more_rows")  # "rent" or "buy": more empty rows, no saving
        suggest = request.form.get("suggest_prices")  # "rent" or "buy": fill rows, no saving
        if more in ("rent", "buy"):
            form.fill_choices(SPARE_ROWS + 3)
        elif suggest in ("rent", "buy"):
            filled = form.suggest_prices(OfferKind(suggest), price_suggestions.exchange_rates())
            form.fill_choices(SPARE_ROWS)
            if filled:
                flash(
                    ngettext(
                        "Suggested prices are filled in for %(num)d country. Check and "
                        "edit them, then save: nothing is charged at a price you have not saved.",
                        "Suggested prices are filled in for %(num)d countries. Check and "
                        "edit them, then save: nothing is charged at a price you have not saved.",
                        filled,
                    ),
                    "info",
                )
            else:
                flash(
                    _(
                        "No price could be suggested: enter the offer's price and currency, "
                        "and choose the countries (or add rows for them) first."
                    ),
                    "error",
                )
        else:
            form.validate()
            plan = form.to_plan()
            errors = offers_service.check_plan(plan, locale)
            form.show_errors(errors)
            if not form.all_errors():
                offers_service.save_offers(title, plan, locale)
                flash(_("The offers for %(title)s are saved.", title=title.name), "success")
                warning = split_warning(title, locale)
                if warning:
                    flash(warning, "error")
                return redirect(url_for("studio_offers.edit", slug=studio.slug, title_id=title.id))
            status = 400
            form.fill_choices()
    else:
        form = OffersForm(data=initial_data(title, offers_service.offers_of(title)))
        form.fill_choices()
    summary = summarize(title, utcnow())
    return render_template(
        "studio/offers/edit.html",
        studio=studio,
        title=title,
        form=form,
        summary=summary,
        can_suggest=bool(price_suggestions.exchange_rates()),
        can_edit=may(current_user, studio, Action.EDIT_CATALOGUE),
    ), status


@bp.app_template_global()
def region_countries(key: str) -> str:
    """A region's country codes, space-separated, for the page's script."""
    region = REGIONS_BY_KEY.get(key)
    return " ".join(sorted(region.countries)) if region else ""


@bp.app_template_filter("country_name_filter")
def country_name_filter(code: str) -> str:
    return country_name(code, current_locale())


@bp.app_template_global()
def studio_titles(studio: Studio) -> list[Title]:
    """The studio's titles, for the overview's link to each title's offers."""
    return list(
        db.session.scalars(db.select(Title).filter_by(studio_id=studio.id).order_by(Title.name))
    )
