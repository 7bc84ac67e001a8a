"""Platform-wide revenue for admins: per currency and per studio, and the full ledger download."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from ..extensions import db
from ..security import admin_required
from ..services import reports
from .errors import render_error
from .revenue_forms import RevenueFilterForm
from .studio_revenue import download, export_name

bp = Blueprint("admin_revenue", __name__, url_prefix="/admin/revenue")


def _form() -> RevenueFilterForm:
    return RevenueFilterForm(None, current_user.timezone or "UTC")


@bp.route("")
@admin_required
def overview() -> ResponseReturnValue:
    form = _form()
    if not form.validate():
        return render_template("admin/revenue.html", form=form), 400
    f = form.to_filter(None)
    args = form.query_args()
    return render_template(
        "admin/revenue.html",
        form=form,
        report=reports.platform_report(f),
        csv_url=url_for(".export_csv", **args),
        xlsx_url=url_for(".export_xlsx", **args),
    )


def _export(extension: str) -> ResponseReturnValue:
    form = _form()
    if not form.validate():
        return render_error(
            400, "; ".join(str(e) for errors in form.errors.values() for e in errors)
        )
    f = form.to_filter(None)
    name = export_name("revenue-platform", f, extension)
    if extension == "csv":
        return download(reports.csv_chunks(db.engine, f), name, "text/csv")
    return download(
        reports.xlsx_chunks(db.engine, f),
        name,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@bp.route("/export.csv")
@admin_required
def export_csv() -> ResponseReturnValue:
    return _export("csv")


@bp.route("/export.xlsx")
@admin_required
def export_xlsx() -> ResponseReturnValue:
    return _export("xlsx")
