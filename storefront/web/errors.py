"""Error pages in the site's style, and JSON error bodies for JSON clients."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from ..extensions import db

log = logging.getLogger(__name__)

MESSAGES = {
    400: (_l("Bad request"), _l("We could not understand that request.")),
    403: (_l("Not allowed"), _l("You do not have access to this page.")),
    404: (_l("Page not found"), _l("There is nothing at this address.")),
    405: (_l("Method not allowed"), _l("This address does not accept that kind of request.")),
    413: (_l("Too large"), _l("What you sent is larger than we accept.")),
    429: (_l("Too many attempts"), _l("Please wait a moment and try again.")),
    500: (
        _l("Something went wrong"),
        _l("We have been told and will look into it. Please try again later."),
    ),
}


def wants_json() -> bool:
    if request.is_json or request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def render_error(code: int, detail: str | None = None) -> ResponseReturnValue:
    title, message = MESSAGES.get(code, MESSAGES[500])
    if wants_json():
        return jsonify(
            {"error": {"code": code, "title": str(title), "message": detail or str(message)}}
        ), code
    return render_template(
        "errors/error.html", code=code, title=title, message=detail or message
    ), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> ResponseReturnValue:
        return render_error(400, str(_l("This form has expired. Reload the page and try again.")))

    @app.errorhandler(SecurityError)
    def untrusted_host(exc: SecurityError) -> ResponseReturnValue:
        # A Host this store does not serve: no page of ours (whose links would name that
        # host) is rendered for it.
        return Response("Unknown host", 400, mimetype="text/plain")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        code = exc.code or 500
        if code not in MESSAGES:
            return exc
        detail = exc.description if getattr(exc, "show_description", False) else None
        return render_error(code, detail)

    @app.errorhandler(Exception)
    def unhandled(exc: Exception) -> ResponseReturnValue:
        if isinstance(exc, HTTPException):
            return http_error(exc)
        log.exception("Unhandled error on %s %s", request.method, request.path)
        # The request's work is lost anyway; after a database error PostgreSQL refuses every
        # further statement in its transaction, and the page still reads the signed-in viewer.
        db.session.rollback()
        return render_error(500)

    @app.errorhandler(InternalServerError)
    def internal(exc: InternalServerError) -> ResponseReturnValue:
        return render_error(500)
