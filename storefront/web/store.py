"""The public store."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

bp = Blueprint("store", __name__)


@bp.route("/")
def home() -> ResponseReturnValue:
    return render_template("store/home.html")


@bp.route("/healthz")
def healthz() -> ResponseReturnValue:
    from ..extensions import db

    db.session.execute(db.text("SELECT 1"))
    return {"status": "ok"}
