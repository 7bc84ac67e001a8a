"""Organisers edit what they set up: the festival's details, sections and artwork, a
screening's window, seats and prices (or remove it while nobody has a ticket), a pass's terms.

Each edit page shows the current values; a post that cannot be saved shows the form again
with what was typed and the reason next to each field, and saves nothing (a 400 rolls the
request back).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from ..extensions import db
from ..models import Festival, FestivalPass, Screening, Studio, TerritoryMode
from ..money import to_input_string
from ..security import studio_or_404
from ..services import ServiceError
from ..services.accounts.permissions import Action
from ..services.catalog.pricing import PriceError, check_currency, parse_price
from ..services.media.images import size_words, too_large_message
from ..services.promotion import festival_artwork as artwork_service
from ..services.promotion import festival_editing as editing
from ..services.promotion.festivals import festival_time
from .forms import ActionForm
from .request_guards import accepts_files
from .studio_festivals import _back, _checked_form, _festival_or_404, _local, _territories, _whole

bp = Blueprint("studio_festival_edits", __name__, url_prefix="/studio")

Errors = dict[str, list[str]]


def _organiser(slug: str, festival: str) -> tuple[Studio, Festival]:
    """Members who may edit the studio's catalogue, on their own festival (404 otherwise)."""
    studio = studio_or_404(slug, Action.EDIT_CATALOGUE)
    found = _festival_or_404(studio, festival)
    if request.method == "POST":
        _checked_form()
    return studio, found


def _form_values() -> dict[str, str]:
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    if "published" in request.form:  # the box's "1" follows its hidden "0"
        values["published"] = "1" if "1" in request.form.getlist("published") else "0"
    return values


def _whole_number(name: str, errors: Errors, *, optional: bool = True) -> int | None:
    try:
        number = _whole(name)
    except ServiceError as exc:
        editing.add_error(errors, name, str(exc))
        return None
    if number is None and not optional:
        editing.add_error(errors, name, _("Enter a whole number."))
    return number


def _moment(festival: Festival, name: str, errors: Errors, *, optional: bool = False):  # type: ignore[no-untyped-def]
    text = request.form.get(name, "").strip()
    if not text and optional:
        return None
    try:
        return festival_time(festival, _local(text))
    except ServiceError as exc:
        editing.add_error(errors, name, str(exc))
        return None


def _price_terms(errors: Errors) -> tuple[int, str, TerritoryMode, list[dict]]:
    """The price, currency and territories typed; problems go into ``errors``."""
    amount, currency = 0, ""
    try:
        currency = check_currency(request.form.get("currency", ""))
    except PriceError as exc:
        editing.add_error(errors, "currency", str(exc))
    if currency:
        try:
            amount = parse_price(request.form.get("price"), currency)
        except PriceError as exc:
            editing.add_error(errors, "price", str(exc))
    mode, rows = TerritoryMode.WORLDWIDE, []
    try:
        mode, rows = _territories(request.form.get("countries"), request.form.get("prices"))
    except PriceError as exc:
        editing.add_error(errors, "prices", str(exc))
    except ServiceError as exc:
        editing.add_error(errors, "countries", str(exc))
    return amount, currency, mode, rows


def _territory_values(item: Screening | FestivalPass) -> dict[str, str]:
    countries = [r["country"] for r in item.territories] if item.territory_mode == "allow" else []
    prices = [
        f"{r['country']}:{r['currency']}:{to_input_string(r['amount'], r['currency'])}"
        for r in item.territories
        if r.get("amount") is not None and r.get("currency")
    ]
    return {
        "countries": ", ".join(countries),
        "prices": ", ".join(prices),
        "price": to_input_string(item.amount, item.currency),
        "currency": item.currency,
    }


def _wall_clock(moment: datetime | None, festival: Festival) -> str:
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(festival.timezone)).strftime("%Y-%m-%dT%H:%M")


def _saved_values(festival: Festival) -> dict[str, str]:
    return {
        "name": festival.name,
        "starts_on": festival.starts_on.isoformat(),
        "ends_on": festival.ends_on.isoformat(),
        "timezone": festival.timezone,
        "description": festival.description or "",
        "published": "1" if festival.published else "0",
        "sales_open": _wall_clock(festival.sales_open_at, festival),
        **{f"section-{s.id}": s.name for s in festival.sections},
    }


def _page(template: str, status: int = 200, **context: object) -> ResponseReturnValue:
    context.setdefault("errors", {})
    return render_template(template, form=ActionForm(), **context), status


# -- the festival -------------------------------------------------------------------------


@bp.route("/<slug>/festivals/<festival>/edit", methods=["GET", "POST"])
@login_required
def edit_festival(slug: str, festival: str) -> ResponseReturnValue:
    studio, found = _organiser(slug, festival)
    page = "studio/festivals/edit.html"
    if request.method == "GET":
        values = _saved_values(found)
        return _page(page, studio=studio, festival=found, values=values, **_artwork(found))
    errors: Errors = {}
    days: dict[str, date] = {}
    for name in ("starts_on", "ends_on"):
        try:
            days[name] = date.fromisoformat(request.form.get(name, "").strip())
        except ValueError:
            editing.add_error(errors, name, _("Enter dates such as 2027-02-12."))
    sales_open: datetime | None | str = editing.KEEP_SALES_OPEN
    if "sales_open" in request.form:  # a form without the field leaves the moment as it is
        try:
            text = request.form["sales_open"].strip()
            sales_open = _local(text) if text else None
        except ServiceError as exc:
            editing.add_error(errors, "sales_open", str(exc))
    if not errors:
        change = editing.FestivalChange(
            name=request.form.get("name", ""),
            starts_on=days["starts_on"],
            ends_on=days["ends_on"],
            timezone=request.form.get("timezone", "").strip(),
            description=request.form.get("description", ""),
            section_names={
                s.id: request.form.get(f"section-{s.id}", s.name) for s in found.sections
            },
            new_section=request.form.get("new_section", ""),
            # A hidden "0" comes with the box: a form without either leaves it as it was.
            published="1" in shown
            if (shown := request.form.getlist("published"))
            else found.published,
            sales_open_local=sales_open,
        )
        try:
            editing.edit_festival(found, change)
        except editing.EditInvalid as exc:
            errors = exc.errors
    if errors:
        db.session.rollback()
        return _page(
            page,
            400,
            studio=studio,
            festival=found,
            values=_form_values(),
            errors=errors,
            **_artwork(found),
        )
    flash(_("Festival saved."), "success")
    return _back(studio, found)


# -- the festival's artwork ---------------------------------------------------------------


def _artwork(festival: Festival) -> dict[str, object]:
    """What the edit page shows of the artwork: the current one, an upload being processed,
    or why the last upload could not be used."""
    failed = artwork_service.failed_artwork(festival)
    limit = int(current_app.config["IMAGE_MAX_BYTES"])
    return {
        "artwork_limit": limit,
        "artwork_limit_words": size_words(limit),
        "artwork_too_large": too_large_message(limit),
        "artwork": artwork_service.current_artwork(festival),
        "artwork_pending": artwork_service.pending_artwork(festival),
        "artwork_failure": artwork_service.failure_message(failed) if failed else None,
    }


def _to_artwork(studio: Studio, festival: Festival) -> ResponseReturnValue:
    url = url_for("studio_festival_edits.edit_festival", slug=studio.slug, festival=festival.slug)
    return redirect(f"{url}#artwork", code=303)


@bp.route("/<slug>/festivals/<festival>/artwork", methods=["POST"])
@login_required
@accepts_files("IMAGE_MAX_BYTES")
def artwork(slug: str, festival: str) -> ResponseReturnValue:
    """Upload, replace or describe the artwork. A refusal keeps the artwork there was."""
    studio, found = _organiser(slug, festival)
    upload = request.files.get("artwork")
    alt = request.form.get("artwork_alt", "")
    try:
        if upload is not None and upload.filename:
            artwork_service.upload_artwork(found, upload.stream, alt)
            message = _("The artwork is uploaded; it appears once it is processed.")
        else:
            artwork_service.describe_artwork(found, alt)
            message = _("The artwork's description is saved.")
    except artwork_service.DescriptionTooLong as exc:
        errors: Errors = {"artwork_alt": [str(exc)]}
    except ServiceError as exc:
        errors = {"artwork": [str(exc)]}
    else:
        flash(message, "success")
        return _to_artwork(studio, found)
    db.session.rollback()
    return _page(
        "studio/festivals/edit.html",
        400,
        studio=studio,
        festival=found,
        values=_saved_values(found),
        errors={},
        artwork_values={"artwork_alt": alt},
        artwork_errors=errors,
        **_artwork(found),
    )


@bp.route("/<slug>/festivals/<festival>/artwork/remove", methods=["POST"])
@login_required
def remove_artwork(slug: str, festival: str) -> ResponseReturnValue:
    studio, found = _organiser(slug, festival)
    if artwork_service.remove_artwork(found):
        flash(_("The artwork is removed."), "success")
    return _to_artwork(studio, found)


# -- screenings ---------------------------------------------------------------------------


def _screening_or_404(festival: Festival, screening_id: int) -> Screening:
    screening = db.session.get(Screening, screening_id)
    if screening is None or screening.festival_id != festival.id:
        abort(404)
    return screening


@bp.route(
    "/<slug>/festivals/<festival>/screenings/<int:screening_id>/edit", methods=["GET", "POST"]
)
@login_required
def edit_screening(slug: str, festival: str, screening_id: int) -> ResponseReturnValue:
    studio, found = _organiser(slug, festival)
    screening = _screening_or_404(found, screening_id)
    page = "studio/festivals/edit_screening.html"
    context = {"studio": studio, "festival": found, "screening": screening}
    if request.method == "GET":
        values = {
            "opens": _wall_clock(screening.opens_at, found),
            "closes": _wall_clock(screening.closes_at, found),
            "live_start": _wall_clock(screening.live_start_at, found),
            "watch_hours": str(screening.watch_hours),
            "capacity": "" if screening.capacity is None else str(screening.capacity),
            **_territory_values(screening),
        }
        return _page(page, values=values, **context)
    errors: Errors = {}
    opens = _moment(found, "opens", errors)
    closes = _moment(found, "closes", errors)
    live = _moment(found, "live_start", errors, optional=True)
    capacity = _whole_number("capacity", errors)
    watch_hours = _whole_number("watch_hours", errors, optional=False)
    amount, currency, mode, rows = _price_terms(errors)
    if not errors:
        assert opens is not None and closes is not None and watch_hours is not None
        change = editing.ScreeningChange(
            opens_at=opens,
            closes_at=closes,
            amount=amount,
            currency=currency,
            capacity=capacity,
            watch_hours=watch_hours,
            live_start_at=live,
            territory_mode=mode,
            territories=rows,
        )
        try:
            editing.edit_screening(screening, change)
        except editing.EditInvalid as exc:
            errors = exc.errors
    if errors:
        db.session.rollback()
        return _page(page, 400, values=_form_values(), errors=errors, **context)
    flash(
        _("Screening saved. Tickets already sold keep the terms they were bought with."), "success"
    )
    return _back(studio, found)


@bp.route("/<slug>/festivals/<festival>/screenings/<int:screening_id>/remove", methods=["POST"])
@login_required
def remove_screening(slug: str, festival: str, screening_id: int) -> ResponseReturnValue:
    studio, found = _organiser(slug, festival)
    screening = _screening_or_404(found, screening_id)
    try:
        editing.remove_screening(screening)
    except ServiceError as exc:
        return render_template(
            "studio/festivals/refused.html", studio=studio, festival=found, message=str(exc)
        ), 400
    flash(_("Screening removed."), "success")
    return _back(studio, found)


# -- passes -------------------------------------------------------------------------------


@bp.route("/<slug>/festivals/<festival>/passes/<int:pass_id>/edit", methods=["GET", "POST"])
@login_required
def edit_pass(slug: str, festival: str, pass_id: int) -> ResponseReturnValue:
    studio, found = _organiser(slug, festival)
    festival_pass = db.session.get(FestivalPass, pass_id)
    if festival_pass is None or festival_pass.festival_id != found.id:
        abort(404)
    page = "studio/festivals/edit_pass.html"
    context = {"studio": studio, "festival": found, "festival_pass": festival_pass}
    if request.method == "GET":
        values = {
            "name": festival_pass.name,
            "films": "" if festival_pass.films is None else str(festival_pass.films),
            "on_sale": "1" if festival_pass.active else "",
            **_territory_values(festival_pass),
        }
        return _page(page, values=values, **context)
    errors: Errors = {}
    films = _whole_number("films", errors)
    amount, currency, mode, rows = _price_terms(errors)
    if not errors:
        change = editing.PassChange(
            name=request.form.get("name", ""),
            amount=amount,
            currency=currency,
            films=films,
            active=bool(request.form.get("on_sale")),
            territory_mode=mode,
            territories=rows,
        )
        try:
            editing.edit_pass(festival_pass, change)
        except editing.EditInvalid as exc:
            errors = exc.errors
    if errors:
        db.session.rollback()
        return _page(page, 400, values=_form_values(), errors=errors, **context)
    flash(_("Pass saved. Passes already sold keep the terms they were bought with."), "success")
    return _back(studio, found)
