"""Festivals for viewers: the public page with the schedule (now, next, sold out, geo-blocked),
buying a ticket or a pass, and booking screenings with a pass."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..i18n import current_locale
from ..models import (
    Festival,
    FestivalArtwork,
    FestivalPass,
    HoldingStatus,
    PassHolding,
    Screening,
    row_id,
    utcnow,
)
from ..services import ServiceError
from ..services.catalog import sharing
from ..services.media.images import pick_size, stored_sizes
from ..services.payments.checkout import AlreadyHasAccess, CheckoutUnavailable
from ..services.promotion import festival_artwork, festival_sales, passes
from ..services.promotion.festivals import festival_by_slug, programme, published_festivals
from ..services.promotion.schedule import schedule
from ..services.promotion.screenings import NotOnSale, sold_in
from .festival_text import refused_here
from .forms import ActionForm
from .viewer import viewer_country

bp = Blueprint("festivals", __name__, url_prefix="/festivals")


def _festival_or_404(slug: str) -> Festival:
    festival = festival_by_slug(slug)
    if festival is None or not festival.published:
        abort(404)
    return festival


def _screening_or_404(festival: Festival, screening_id: int) -> Screening:
    screening = db.session.get(Screening, screening_id)
    if screening is None or screening.festival_id != festival.id:
        abort(404)
    return screening


@bp.route("/")
def index() -> ResponseReturnValue:
    found = published_festivals()
    return render_template(
        "festivals/index.html",
        festivals=found,
        artworks=festival_artwork.card_artworks([f.id for f in found]),
        card_width=festival_artwork.ARTWORK_CARD_WIDTH,
    )


# -- artwork, on these pages and the organiser's ---------------------------------------------


@bp.app_template_global()
def artwork_src(artwork: FestivalArtwork, width: int = festival_artwork.ARTWORK_PAGE_WIDTH) -> str:
    """The JPEG size just above the width the page lays the artwork out at."""
    name = pick_size(artwork.keys or {}, width)
    return url_for("media_files.festival_artwork", artwork_id=artwork.id, name=name) if name else ""


@bp.app_template_global()
def artwork_srcset(artwork: FestivalArtwork) -> str:
    """`srcset` of every stored WebP width: the browser picks for the screen's density."""
    return ", ".join(
        f"{url_for('media_files.festival_artwork', artwork_id=artwork.id, name=name)} {width}w"
        for width, name in stored_sizes(artwork.keys or {}, "webp")
    )


@bp.app_template_global()
def artwork_alt(artwork: FestivalArtwork, festival: Festival) -> str:
    """The organiser's description, or else the festival's name (kept current on renames)."""
    return artwork.alt_text or _("Artwork of %(festival)s", festival=festival.name)


@bp.route("/<festival>")
def page(festival: str) -> ResponseReturnValue:
    """The programme by section, the schedule with now/next, and the viewer's passes."""
    found = _festival_or_404(festival)
    now = utcnow()
    country = viewer_country()
    items = schedule(found, country, now)
    # A refunded pass books nothing: its tickets are revoked and their seats back on sale.
    holdings = [
        h
        for h in (
            passes.holdings_of(current_user.id, found.id) if current_user.is_authenticated else []
        )
        if h.status == HoldingStatus.ACTIVE
    ]
    booked: set[int] = set()
    tickets: dict[int, str] = {}
    if current_user.is_authenticated:
        for holding in holdings:
            booked |= passes.booked_screening_ids(holding)
        tickets = festival_sales.ticket_states(
            current_user.id, [i.screening.id for i in items], now
        )
    artwork = festival_artwork.current_artwork(found)
    return render_template(
        "festivals/page.html",
        festival=found,
        artwork=artwork,
        share=sharing.festival_card(found, artwork, current_locale()),
        selections=programme(found),
        items=items,
        now_items=[i for i in items if i.slot == "now"],
        next_items=[i for i in items if i.slot == "next"],
        festival_passes=[
            (p, passes.pass_availability(p, country, now)) for p in passes.passes_of(found.id)
        ],
        holdings=holdings,
        booked=booked,
        tickets=tickets,
        films_left=passes.films_left,
        form=ActionForm(),
        country=country,
        now=now,
    )


def _refused(festival: Festival, message: str) -> ResponseReturnValue:
    return render_template("festivals/refused.html", festival=festival, message=message), 409


def _not_here(
    festival: Festival, exc: NotOnSale, item: Screening | FestivalPass
) -> ResponseReturnValue:
    """A refusal that says why, and where the screening or pass is sold."""
    is_pass = isinstance(item, FestivalPass)
    return _refused(festival, refused_here(exc.availability, sold_in(item), is_pass=is_pass))


def _to_checkout(start, festival: Festival, item: Screening | FestivalPass) -> ResponseReturnValue:  # type: ignore[no-untyped-def]
    back = url_for("festivals.page", festival=festival.slug)
    try:
        started = start()
    except NotOnSale as exc:
        return _not_here(festival, exc, item)
    except CheckoutUnavailable as exc:
        flash(str(exc), "error")
        return redirect(back, code=303)
    except AlreadyHasAccess as exc:
        flash(str(exc), "info")
        return redirect(back, code=303)
    except ServiceError as exc:
        return _refused(festival, str(exc))
    return redirect(started.url, code=303)


@bp.route("/<festival>/screenings/<int:screening_id>/ticket", methods=["POST"])
@login_required
def buy_ticket(festival: str, screening_id: int) -> ResponseReturnValue:
    found = _festival_or_404(festival)
    screening = _screening_or_404(found, screening_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    gateway = current_app.extensions["payments"]
    return _to_checkout(
        lambda: festival_sales.start_ticket_checkout(
            gateway, current_user, screening, viewer_country(), utcnow(), locale=current_locale()
        ),
        found,
        screening,
    )


@bp.route("/<festival>/passes/<int:pass_id>", methods=["POST"])
@login_required
def buy_pass(festival: str, pass_id: int) -> ResponseReturnValue:
    found = _festival_or_404(festival)
    festival_pass = db.session.get(FestivalPass, pass_id)
    if festival_pass is None or festival_pass.festival_id != found.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    gateway = current_app.extensions["payments"]
    return _to_checkout(
        lambda: festival_sales.start_pass_checkout(
            gateway,
            current_user,
            festival_pass,
            viewer_country(),
            utcnow(),
            locale=current_locale(),
        ),
        found,
        festival_pass,
    )


@bp.route("/<festival>/screenings/<int:screening_id>/book", methods=["POST"])
@login_required
def book(festival: str, screening_id: int) -> ResponseReturnValue:
    """Book a screening with one of the viewer's passes."""
    found = _festival_or_404(festival)
    screening = _screening_or_404(found, screening_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    holding = db.session.get(PassHolding, request.form.get("holding", type=row_id) or 0)
    if holding is None or holding.user_id != current_user.id or holding.festival_id != found.id:
        abort(404)
    try:
        passes.book(current_user, holding, screening, viewer_country(), utcnow())
    except NotOnSale as exc:
        return _not_here(found, exc, screening)
    except ServiceError as exc:
        return _refused(found, str(exc))
    flash(_("Booked: %(title)s. It is in your films.", title=screening.title.name), "success")
    return redirect(url_for("festivals.page", festival=found.slug), code=303)
