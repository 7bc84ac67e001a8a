"""Files and pages about the site itself: the favicon browsers ask for, and where to get the
source code (the store is AGPL software run as a network service, so it offers its source)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, send_from_directory
from flask.typing import ResponseReturnValue

bp = Blueprint("site", __name__)


@bp.get("/favicon.ico")
def favicon() -> ResponseReturnValue:
    """Browsers ask for /favicon.ico whatever the page's <link rel=icon> says."""
    response = send_from_directory(current_app.static_folder or "static", "favicon.ico")
    response.cache_control.public = True
    response.cache_control.max_age = 7 * 24 * 3600
    return response


@bp.get("/source")
def source() -> ResponseReturnValue:
    """The licence and where this store's source code is (SOURCE_URL)."""
    return render_template("site/source.html", source_url=current_app.config.get("SOURCE_URL"))
