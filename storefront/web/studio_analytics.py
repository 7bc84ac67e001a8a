"""A title's audience for its studio: charts with their tables, a CSV export, and the
buyers who agreed to share their email."""

from __future__ import annotations

import csv
import io
import zoneinfo
from datetime import date, timedelta

from flask import Blueprint, Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import format_date
from flask_login import login_required

from .. import countries
from ..i18n import current_locale
from ..models import utcnow
from ..security import title_or_404
from ..services.accounts import consents
from ..services.accounts.permissions import Action
from ..services.reports.export import safe_title
from ..services.reports.filters import is_time_zone, local_midnight, report_days
from ..services.watching import analytics

bp = Blueprint("studio_analytics", __name__, url_prefix="/studio")
DEFAULT_DAYS = 30
MAX_DAYS = 731


def _period(tz: str) -> tuple[date, date]:
    """The days asked for (``from``/``to``, inclusive, in the studio's time zone ``tz``),
    else the last 30 days; kept within the days a report may name."""
    today = utcnow().astimezone(zoneinfo.ZoneInfo(tz)).date()
    lowest, highest = report_days(today)
    try:
        end = date.fromisoformat(request.args.get("to", ""))
    except ValueError:
        end = today
    try:
        start = date.fromisoformat(request.args.get("from", ""))
    except ValueError:
        start = end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        start, end = end, start
    end = min(max(end, lowest), highest)
    start = min(max(start, lowest, end - timedelta(days=MAX_DAYS)), end)
    return start, end


def _report(slug: str, title_id: int):  # type: ignore[no-untyped-def]
    studio, title = title_or_404(slug, title_id, Action.VIEW_SALES)
    tz = studio.timezone if is_time_zone(studio.timezone) else "UTC"
    first, last = _period(tz)
    start, end = local_midnight(first, tz), local_midnight(last + timedelta(days=1), tz)
    return studio, title, first, last, analytics.title_analytics(title, start, end, tz)


@bp.get("/<slug>/titles/<int:title_id>/audience")
@login_required
def audience(slug: str, title_id: int) -> ResponseReturnValue:
    studio, title, first, last, report = _report(slug, title_id)
    locale = current_locale()
    return render_template(
        "studio/titles/audience.html",
        studio=studio,
        title=title,
        report=report,
        consenting=len(consents.consenting_buyers(title.id)),
        first=first,
        last=last,
        day_label=lambda d: format_date(d, "medium"),
        country_label=lambda c: countries.country_name(c, locale) if c else None,
    )


@bp.get("/<slug>/titles/<int:title_id>/audience.csv")
@login_required
def audience_csv(slug: str, title_id: int) -> ResponseReturnValue:
    studio, title, first, last, report = _report(slug, title_id)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(analytics.csv_rows(report))
    response = Response(buffer.getvalue(), mimetype="text/csv")
    name = f"{title.slug}-audience-{first.isoformat()}-{last.isoformat()}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/<slug>/titles/<int:title_id>/buyers.csv")
@login_required
def buyers_csv(slug: str, title_id: int) -> ResponseReturnValue:
    """Buyers of the title who agreed to share their email, with the date they agreed."""
    studio, title = title_or_404(slug, title_id, Action.VIEW_SALES)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["email", "name", "consented_at"])
    for email, name, at in consents.consenting_buyers(title.id):
        # Typed by viewers: made safe for the studio's spreadsheet.
        writer.writerow([safe_title(email), safe_title(name or ""), at.isoformat()])
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{title.slug}-buyers.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
