"""Studio bundles for viewers: a bundle's page and buying it through the one checkout; and
for the studio, its bundles and a form to make one."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..i18n import current_locale
from ..models import Bundle, Title, utcnow
from ..security import studio_or_404
from ..services import ServiceError
from ..services.accounts.permissions import Action, may
from ..services.catalog.pricing import check_currency, parse_price
from ..services.payments.checkout import AlreadyHasAccess, CheckoutUnavailable
from ..services.promotion import bundles
from .forms import ActionForm
from .viewer import viewer_country

bp = Blueprint("bundles", __name__)
studio_bp = Blueprint("studio_bundles", __name__, url_prefix="/studio")


def _bundle_or_404(bundle_id: int) -> Bundle:
    bundle = db.session.get(Bundle, bundle_id)
    if bundle is None or not bundles.on_store(bundle):
        abort(404)
    return bundle


@bp.route("/bundles/<int:bundle_id>")
def page(bundle_id: int) -> ResponseReturnValue:
    bundle = _bundle_or_404(bundle_id)
    return render_template(
        "bundles/page.html",
        bundle=bundle,
        availability=bundles.bundle_availability(bundle, viewer_country(), utcnow()),
        form=ActionForm(),
    )


@bp.route("/bundles/<int:bundle_id>/buy", methods=["POST"])
@login_required
def buy(bundle_id: int) -> ResponseReturnValue:
    bundle = _bundle_or_404(bundle_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    back = url_for("bundles.page", bundle_id=bundle.id)
    try:
        started = bundles.start_bundle_checkout(
            current_app.extensions["payments"],
            current_user,
            bundle,
            viewer_country(),
            utcnow(),
            locale=current_locale(),
        )
    except (CheckoutUnavailable, AlreadyHasAccess) as exc:
        flash(str(exc), "info")
        return redirect(back, code=303)
    except ServiceError as exc:
        flash(str(exc), "error")
        return render_template(
            "bundles/page.html", bundle=bundle, availability=None, form=ActionForm()
        ), 409
    return redirect(started.url, code=303)


@studio_bp.route("/<slug>/bundles", methods=["GET", "POST"])
@login_required
def index(slug: str) -> ResponseReturnValue:
    """The studio's bundles; POST makes one of the checked titles at one price."""
    action = Action.EDIT_CATALOGUE if request.method == "POST" else Action.VIEW
    studio = studio_or_404(slug, action)
    titles = db.session.scalars(
        db.select(Title).filter_by(studio_id=studio.id).order_by(Title.name)
    ).all()
    status = 200
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        chosen = set(request.form.getlist("titles", type=int))
        try:
            currency = check_currency(request.form.get("currency", ""))
            bundles.create_bundle(
                studio,
                request.form.get("name", ""),
                [t for t in titles if t.id in chosen],
                parse_price(request.form.get("price"), currency),
                currency,
            )
        except ServiceError as exc:
            flash(str(exc), "error")
            status = 400
        else:
            flash(_("Bundle added."), "success")
            return redirect(url_for("studio_bundles.index", slug=studio.slug), code=303)
    return render_template(
        "studio/bundles.html",
        studio=studio,
        bundles=bundles.bundles_of(studio),
        titles=titles,
        form=ActionForm(),
        may_edit=may(current_user, studio, Action.EDIT_CATALOGUE),
    ), status


def init_app(app) -> None:  # type: ignore[no-untyped-def]
    """Studio pages list their bundles on sale."""
    app.jinja_env.globals["studio_bundles"] = lambda studio: bundles.bundles_of(
        studio, active_only=True
    )
