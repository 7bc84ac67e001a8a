"""A studio's revenue: dashboard, CSV/XLSX downloads and monthly statements."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import countries, money
from ..extensions import db
from ..i18n import current_locale
from ..models import Studio, Title, utcnow
from ..security import studio_or_404
from ..services import reports
from ..services.accounts.permissions import Action
from ..services.rights.holders import held_titles
from .errors import render_error
from .revenue_forms import RevenueFilterForm

bp = Blueprint("studio_revenue", __name__, url_prefix="/studio/<slug>/revenue")


@bp.app_template_filter("major")
def major(amount: int, currency: str) -> str:
    """Plain decimal text in major units, for charts to read from their tables."""
    return money.to_major_string(amount, currency)


@bp.app_template_filter("month_name")
def month_name(day: date) -> str:
    return format_date(day, "MMMM y")


@bp.app_template_filter("date_medium")
def date_medium(day: date) -> str:
    return format_date(day, "medium")


def label_report(report: reports.Dashboard) -> reports.Dashboard:
    """Give every chart row a label in the reader's language."""
    locale = current_locale()
    granularity = reports.Granularity(report.granularity)
    for cr in report.currencies:
        for item in cr.series:
            item.label = (
                format_date(item.key, "MMM y")
                if granularity == reports.Granularity.MONTH
                else format_date(item.key, "medium")
            )
        for item in cr.by_title:
            item.label = item.label or _("Titles no longer in the catalogue")
        for item in cr.by_country:
            item.label = countries.country_name(item.key, locale) if item.key else _("Unknown")
        for item in cr.by_kind:
            item.label = kind_label(item.key)
    return report


@bp.app_template_global("kind_label")
def kind_label(kind: object) -> str:
    """What was sold, in words: rent, buy, or what festivals and bundles sell."""
    labels = {
        reports.OfferKind.RENT: _("Rent"),
        reports.OfferKind.TICKET: _("Festival ticket"),
        reports.OfferKind.PASS: _("Festival pass"),
        reports.OfferKind.BUNDLE: _("Bundle"),
    }
    return labels.get(kind, _("Buy"))  # type: ignore[call-overload]


def unit_name(granularity: str) -> str:
    return {"day": _("day"), "week": _("week (from Monday)"), "month": _("month")}[granularity]


def _titles(studio: Studio) -> list[tuple[int, str]]:
    """Its own films and those it holds with other studios (its shares are its revenue)."""
    rows = db.session.execute(db.select(Title.id, Title.name).filter_by(studio_id=studio.id))
    titles = [(row.id, row.name) for row in rows] + [(t.id, t.name) for t in held_titles(studio)]
    return sorted(titles, key=lambda t: t[1].casefold())


def _studio_zone(studio: Studio) -> str:
    return reports.studio_zone(studio)


def _form(studio: Studio) -> RevenueFilterForm:
    # The studio's own days, so every member reads the same figures per day (as on its
    # audience pages); a member may switch to their own zone.
    return RevenueFilterForm(_titles(studio), _studio_zone(studio))


def _zone_links(studio: Studio, form: RevenueFilterForm, args: dict[str, str]) -> list:
    """Links to count the same report's days in the studio's zone or in the member's own."""

    def link(zone: str) -> str:
        return url_for(".dashboard", slug=studio.slug, **{**args, "tz": zone})

    links = []
    own = current_user.timezone
    studio_zone = _studio_zone(studio)
    if form.zone != studio_zone:
        label = _("Count days in the studio's time zone (%(tz)s)", tz=studio_zone)
        links.append((label, link(studio_zone)))
    if own and reports.is_time_zone(own) and own != form.zone:
        links.append((_("Count days in your own time zone (%(tz)s)", tz=own), link(own)))
    return links


def download(chunks, filename: str, mimetype: str) -> Response:  # type: ignore[no-untyped-def]
    """A streamed attachment; the generator opens its own database connection. Werkzeug adds
    the charset to a text mimetype, so ``mimetype`` names none."""
    response = Response(chunks, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def export_name(prefix: str, f: reports.ReportFilter, extension: str) -> str:
    start, end = reports.resolved_range(f)
    return f"{prefix}-{start:%Y%m%d}-{end:%Y%m%d}.{extension}"


@bp.route("")
@login_required
def dashboard(slug: str) -> ResponseReturnValue:
    studio = studio_or_404(slug, Action.VIEW_SALES)
    form = _form(studio)
    today = utcnow().astimezone(ZoneInfo(_studio_zone(studio))).date()  # the studio's months
    months = statement_months(today, studio.created_at.date() if studio.created_at else None)
    if not form.validate():
        return render_template(
            "studio/revenue/dashboard.html", studio=studio, form=form, months=months
        ), 400
    f = form.to_filter(studio.id)
    args = form.query_args()
    return render_template(
        "studio/revenue/dashboard.html",
        studio=studio,
        form=form,
        report=label_report(reports.dashboard(f)),
        unit_name=unit_name(f.granularity.value),
        sales=reports.recent_sales(f),
        movements=reports.recent_refunds_and_disputes(f),
        csv_url=url_for(".export_csv", slug=slug, **args),
        xlsx_url=url_for(".export_xlsx", slug=slug, **args),
        zone_links=_zone_links(studio, form, args),
        months=months,
    )


def statement_months(today: date, since: date | None, most: int = 12) -> list[date]:
    """The months a statement is offered for: this one and back, never before ``since``
    (the studio's creation: earlier months can hold nothing)."""
    months = [_month_back(today, n) for n in range(most)]
    if since is None:
        return months
    first = date(since.year, since.month, 1)
    return [m for m in months if m >= first]


def _month_back(today: date, n: int) -> date:
    index = today.year * 12 + today.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


def _export(slug: str, extension: str) -> ResponseReturnValue:
    studio = studio_or_404(slug, Action.VIEW_SALES)
    form = _form(studio)
    if not form.validate():
        return render_error(
            400, "; ".join(str(e) for errors in form.errors.values() for e in errors)
        )
    f = form.to_filter(studio.id)
    engine = db.engine
    name = export_name(f"revenue-{studio.slug}", f, extension)
    if extension == "csv":
        return download(reports.csv_chunks(engine, f), name, "text/csv")
    return download(
        reports.xlsx_chunks(engine, f),
        name,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@bp.route("/export.csv")
@login_required
def export_csv(slug: str) -> ResponseReturnValue:
    return _export(slug, "csv")


@bp.route("/export.xlsx")
@login_required
def export_xlsx(slug: str) -> ResponseReturnValue:
    return _export(slug, "xlsx")


@bp.route("/statements/<int(fixed_digits=4):year>-<int(fixed_digits=2):month>")
@login_required
def statement(slug: str, year: int, month: int) -> ResponseReturnValue:
    studio = studio_or_404(slug, Action.VIEW_SALES)
    if not 1 <= month <= 12:
        abort(404)
    first, last = reports.report_days(utcnow().date())
    if not first.year <= year <= last.year:
        abort(400)
    # The studio's months, as its dashboard's days: every member reads the same statement.
    zone = _studio_zone(studio)
    start, end = reports.month_bounds(year, month, zone)
    f = reports.ReportFilter(
        studio_id=studio.id, start=start, end=end, tz=zone, granularity=reports.Granularity.MONTH
    )
    first = date(year, month, 1)
    following, earlier = _month_back(first, -1), _month_back(first, 1)
    last = following - timedelta(days=1)
    today = utcnow().astimezone(ZoneInfo(zone)).date()
    opened = studio.created_at.date().replace(day=1) if studio.created_at else None
    args = {"period": "custom", "start": first.isoformat(), "end": last.isoformat(), "tz": zone}
    return render_template(
        "studio/revenue/statement.html",
        studio=studio,
        month=first,
        last_day=last,
        zone=zone,
        report=label_report(reports.dashboard(f)),
        # No way into months before the studio or not begun yet (as the dashboard's list):
        # they hold nothing, and lead month by month to a refusal.
        previous=earlier if opened is None or earlier >= opened else None,
        next=following if following <= today else None,
        csv_url=url_for(".export_csv", slug=slug, **args),
        xlsx_url=url_for(".export_xlsx", slug=slug, **args),
    )
