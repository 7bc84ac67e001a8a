"""Festivals for their organisers and for filmmakers.

Organisers (members of the festival's studio): create a festival, add programme sections,
invite titles of other studios, schedule screenings and sell passes, read sales and
attendance and export them. Filmmakers: answer invitations (accepting the festival's share;
owners only, it is about money) and read their share of festival sales.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..models import (
    Festival,
    FestivalSelection,
    ProgrammeSection,
    SelectionStatus,
    Studio,
    TerritoryMode,
    Title,
    row_id,
)
from ..security import studio_or_404
from ..services import ServiceError
from ..services.accounts.permissions import Action, may
from ..services.catalog.availability import SELLABLE_STATUSES
from ..services.catalog.pricing import check_currency, parse_price
from ..services.promotion import festival_editing, festival_reports, festivals, screenings
from ..services.promotion.passes import passes_of
from .forms import ActionForm

bp = Blueprint("studio_festivals", __name__, url_prefix="/studio")


def _festival_or_404(studio: Studio, festival: str) -> Festival:
    found = festivals.festival_by_slug(festival)
    if found is None or found.studio_id != studio.id:
        abort(404)
    return found


def _checked_form() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


def _local(text: str | None) -> datetime:
    """A datetime-local field ("2027-02-12T20:00"): a wall-clock time, naive."""
    try:
        return datetime.fromisoformat((text or "").strip())
    except ValueError:
        raise ServiceError(_("Enter dates and times such as 2027-02-12T20:00.")) from None


def _countries(text: str | None) -> list[str]:
    return [c.strip().upper() for c in (text or "").replace(";", ",").split(",") if c.strip()]


def _territories(text: str | None, prices: str | None) -> tuple[TerritoryMode, list[dict]]:
    """ "NO, SE" -> only those countries; prices "SE:SEK:99" set a country's own price."""
    rows: dict[str, dict] = {c: {"country": c} for c in _countries(text)}
    for item in _countries(prices):
        country, _sep, rest = item.partition(":")
        currency, _sep, amount = rest.partition(":")
        currency = check_currency(currency)
        rows.setdefault(country, {"country": country}).update(
            currency=currency, amount=parse_price(amount, currency)
        )
    if any(len(c) != 2 or not c.isalpha() for c in rows):
        raise ServiceError(_("Countries are two-letter codes such as NO or SE."))
    mode = TerritoryMode.ALLOW if _countries(text) else TerritoryMode.WORLDWIDE
    return mode, list(rows.values())


def _whole(name: str) -> int | None:
    """A whole number typed in field ``name``, None when left empty. Text that is not one
    ("1,000", "forty") is refused: read as empty it meant no seat cap, or an all-access pass."""
    text = request.form.get(name, "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise ServiceError(_("Enter a whole number.")) from None


def _share_bp(text: str | None) -> int:
    try:
        percent = float((text or "0").replace(",", "."))
    except ValueError:
        percent = math.nan
    if not math.isfinite(percent):  # "nan", "inf" and "1e309" are no percentage either
        raise ServiceError(_("Enter the festival's share as a percentage."))
    return round(percent * 100)


@bp.route("/<slug>/festivals", methods=["GET", "POST"])
@login_required
def index(slug: str) -> ResponseReturnValue:
    studio = studio_or_404(slug, Action.EDIT_CATALOGUE if request.method == "POST" else Action.VIEW)
    if request.method == "POST":
        _checked_form()
        try:
            festival = festivals.create_festival(
                studio,
                request.form.get("name", "").strip() or _("Festival"),
                date.fromisoformat(request.form.get("starts_on", "")),
                date.fromisoformat(request.form.get("ends_on", "")),
                request.form.get("timezone", "UTC").strip(),
                _share_bp(request.form.get("share")),
                request.form.get("description", ""),
            )
        except (ServiceError, ValueError) as exc:
            flash(
                str(exc) if isinstance(exc, ServiceError) else _("Enter dates such as 2027-02-12."),
                "error",
            )
            return _festivals_page(studio), 400
        flash(_("Festival created."), "success")
        return _back(studio, festival)
    return _festivals_page(studio)


def _festivals_page(studio: Studio) -> str:
    return render_template(
        "studio/festivals/index.html",
        studio=studio,
        festivals=festivals.festivals_of(studio),
        form=ActionForm(),
    )


@bp.route("/<slug>/festivals/<festival>")
@login_required
def manage(slug: str, festival: str) -> ResponseReturnValue:
    studio = studio_or_404(slug, Action.VIEW)
    return _manage_page(studio, _festival_or_404(studio, festival))


def _manage_page(studio: Studio, found: Festival, refused: dict | None = None) -> str:
    """The festival's studio page; ``refused`` brings one of its forms back as it was typed."""
    selections = db.session.scalars(
        db.select(FestivalSelection).filter_by(festival_id=found.id).order_by(FestivalSelection.id)
    ).all()
    return render_template(
        "studio/festivals/manage.html",
        studio=studio,
        festival=found,
        selections=selections,
        screenings=screenings.screenings_of(found),
        passes=passes_of(found.id),
        form=ActionForm(),
        may_edit=may(current_user, studio, Action.EDIT_CATALOGUE),
        refused=refused,
    )


def _back(studio: Studio, festival: Festival) -> ResponseReturnValue:
    return redirect(
        url_for("studio_festivals.manage", slug=studio.slug, festival=festival.slug), code=303
    )


def _refused(studio: Studio, festival: Festival, which: str, message: str) -> ResponseReturnValue:
    """Nothing is saved: the festival's page again, with form ``which`` as it was typed and
    why it was refused (a screening has nine fields to type again otherwise)."""
    db.session.rollback()
    refused = {"form": which, "message": message, "values": request.form}
    return _manage_page(studio, festival, refused), 400


def _organiser_post(slug: str, festival: str) -> tuple[Studio, Festival]:
    """What every organiser's form post starts with: the studio (may edit its catalogue),
    its festival, and a genuine form."""
    studio = studio_or_404(slug, Action.EDIT_CATALOGUE)
    found = _festival_or_404(studio, festival)
    _checked_form()
    return studio, found


def _then_back(
    studio: Studio, festival: Festival, which: str, change: Callable[[], object], done: str
) -> ResponseReturnValue:
    """Make the change and go back to the festival saying ``done``, or refuse saying why."""
    try:
        change()
    except ServiceError as exc:
        return _refused(studio, festival, which, str(exc))
    flash(done, "success")
    return _back(studio, festival)


def _sale_terms() -> tuple[str, TerritoryMode, list[dict]]:
    """The currency and territories of a screening's or a pass's price, from the form."""
    currency = check_currency(request.form.get("currency", ""))
    mode, rows = _territories(request.form.get("countries"), request.form.get("prices"))
    return currency, mode, rows


@bp.route("/<slug>/festivals/<festival>/sections", methods=["POST"])
@login_required
def add_section(slug: str, festival: str) -> ResponseReturnValue:
    studio, found = _organiser_post(slug, festival)
    name = request.form.get("name", "").strip()
    if not name:
        return _refused(studio, found, "section", _("Name the section."))
    try:
        festivals.add_section(found, name)
    except ServiceError as exc:
        return _refused(studio, found, "section", str(exc))
    return _back(studio, found)


@bp.route("/<slug>/festivals/<festival>/invitations", methods=["POST"])
@login_required
def invite(slug: str, festival: str) -> ResponseReturnValue:
    """Invite a title (by its address on the store) into a section of the programme."""
    studio, found = _organiser_post(slug, festival)
    title_slug = request.form.get("title", "").strip().rstrip("/").rsplit("/", 1)[-1]
    title = db.session.scalar(db.select(Title).filter_by(slug=title_slug))
    if title is None or not (title.status in SELLABLE_STATUSES or title.studio_id == studio.id):
        # Another studio's draft is no film to the organiser: not even its name is shown.
        return _refused(studio, found, "invite", _("No film has that address."))
    section = db.session.get(ProgrammeSection, request.form.get("section", type=row_id) or 0)
    if section is not None and section.festival_id != found.id:
        section = None
    share = request.form.get("share")
    return _then_back(
        studio,
        found,
        "invite",
        lambda: festivals.invite_title(found, title, section, _share_bp(share) if share else None),
        _("%(title)s is invited; its studio will answer.", title=title.name),
    )


@bp.route("/<slug>/festivals/<festival>/screenings", methods=["POST"])
@login_required
def add_screening(slug: str, festival: str) -> ResponseReturnValue:
    studio, found = _organiser_post(slug, festival)
    selection = db.session.get(FestivalSelection, request.form.get("selection", type=row_id) or 0)
    if selection is None or selection.festival_id != found.id:
        return _refused(studio, found, "screening", _("Choose a film of the programme."))
    if selection.status != SelectionStatus.ACCEPTED:
        return _refused(
            studio, found, "screening", _("Its studio has not accepted the invitation yet.")
        )

    def add() -> None:
        currency, mode, rows = _sale_terms()
        live = request.form.get("live_start", "").strip()
        hours = _whole("watch_hours")
        screenings.add_screening(
            selection,
            _local(request.form.get("opens")),
            _local(request.form.get("closes")),
            parse_price(request.form.get("price"), currency),
            currency,
            capacity=_whole("capacity"),
            watch_hours=24 if hours is None else hours,  # 0 is refused, not the default
            territory_mode=mode,
            territories=rows,
            live_local=_local(live) if live else None,
        )

    return _then_back(studio, found, "screening", add, _("Screening added."))


@bp.route("/<slug>/festivals/<festival>/passes", methods=["POST"])
@login_required
def add_pass(slug: str, festival: str) -> ResponseReturnValue:
    studio, found = _organiser_post(slug, festival)

    def add() -> None:
        currency, mode, rows = _sale_terms()
        festival_editing.add_pass(
            found,
            festival_editing.PassChange(
                name=request.form.get("name", "").strip() or _("Festival pass"),
                amount=parse_price(request.form.get("price"), currency),
                currency=currency,
                films=_whole("films"),
                territory_mode=mode,
                territories=rows,
            ),
        )

    return _then_back(studio, found, "pass", add, _("Pass added."))


@bp.route("/<slug>/festivals/<festival>/report")
@login_required
def report(slug: str, festival: str) -> ResponseReturnValue:
    studio = studio_or_404(slug, Action.VIEW_SALES)
    found = _festival_or_404(studio, festival)
    return render_template(
        "studio/festivals/report.html",
        studio=studio,
        festival=found,
        sales=festival_reports.sales(found),
        attendance=festival_reports.attendance(found),
    )


@bp.route("/<slug>/festivals/<festival>/attendance.csv")
@login_required
def attendance_csv(slug: str, festival: str) -> ResponseReturnValue:
    studio = studio_or_404(slug, Action.VIEW_SALES)
    found = _festival_or_404(studio, festival)
    return Response(
        festival_reports.attendance_csv(found),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{found.slug}-attendance.csv"'},
    )


@bp.route("/<slug>/festival-invitations")
@login_required
def invitations(slug: str) -> ResponseReturnValue:
    """A filmmaker's invitations from festivals, and its share of what they sold."""
    studio = studio_or_404(slug, Action.VIEW)
    return render_template(
        "studio/festivals/invitations.html",
        studio=studio,
        invitations=festivals.invitations_for(studio),
        shares=festival_reports.filmmaker_shares(studio)
        if may(current_user, studio, Action.VIEW_SALES)
        else [],
        form=ActionForm(),
        may_answer=may(current_user, studio, Action.MANAGE_PAYMENTS),
    )


@bp.route("/<slug>/festival-invitations/<int:selection_id>", methods=["POST"])
@login_required
def answer(slug: str, selection_id: int) -> ResponseReturnValue:
    """Accept (agreeing to the festival's share of its ticket sales) or decline."""
    studio = studio_or_404(slug, Action.MANAGE_PAYMENTS)
    selection = db.session.get(FestivalSelection, selection_id)
    if selection is None or selection.title.studio_id != studio.id:
        abort(404)
    _checked_form()
    try:
        festivals.respond(selection, current_user, request.form.get("answer") == "accept")
    except ServiceError as exc:
        flash(str(exc), "error")
        return redirect(url_for("studio_festivals.invitations", slug=studio.slug), code=303)
    flash(_("Your answer is sent."), "success")
    return redirect(url_for("studio_festivals.invitations", slug=studio.slug), code=303)
