"""JSON API of the browser uploader (studio members only; CSRF token in X-CSRFToken).

POST   /studio/<slug>/titles/<id>/uploads               open {kind, filename, size, content_type}
GET    /studio/<slug>/titles/<id>/uploads/<sid>         session and the parts storage holds
POST   /studio/<slug>/titles/<id>/uploads/<sid>/sign    {parts: [{number, crc32}, ...]}
                                                        -> {parts: {n: {url, headers}}}
POST   /studio/<slug>/titles/<id>/uploads/<sid>/complete
DELETE /studio/<slug>/titles/<id>/uploads/<sid>         cancel
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..models import Title, UploadSession, UploadStatus
from ..security import title_or_404
from ..services import ServiceError
from ..services.accounts.permissions import Action
from ..services.media import upload_faults
from ..services.media import uploads as uploads_service
from ..services.media.upload_faults import UploadLost
from .studio_media import asset_json

bp = Blueprint("studio_uploads", __name__, url_prefix="/studio")


def _error(message: str, status: int = 400, reason: str = "") -> ResponseReturnValue:
    error = {"code": status, "message": message}
    if reason:
        error["reason"] = reason  # what the uploader acts on (upload_lost)
    return jsonify({"error": error}), status


def _lost(exc: UploadLost) -> ResponseReturnValue:
    return _error(str(exc), 410, exc.reason)


def _page_origin() -> str:
    """Where the uploader runs: the origin its part PUTs carry to storage."""
    return request.host_url.rstrip("/")


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400)
    return body


def _session(slug: str, title_id: int, session_id: str) -> tuple[Title, UploadSession]:
    _studio, title = title_or_404(slug, title_id, Action.EDIT_CATALOGUE)
    session = uploads_service.session_of_title(title, session_id)
    if session is None:
        abort(404)
    return title, session


@bp.post("/<slug>/titles/<int:title_id>/uploads")
@login_required
def open_upload(slug: str, title_id: int) -> ResponseReturnValue:
    _studio, title = title_or_404(slug, title_id, Action.EDIT_CATALOGUE)
    body = _body()
    try:
        session = uploads_service.open_session(
            title,
            current_user,
            str(body.get("kind", "")),
            str(body.get("filename", "")),
            body.get("size"),
            str(body.get("content_type", "")),
            origin=_page_origin(),
        )
    except ServiceError as exc:
        return _error(str(exc))
    return jsonify(uploads_service.session_json(session, parts=[])), 201


@bp.get("/<slug>/titles/<int:title_id>/uploads/<session_id>")
@login_required
def show_upload(slug: str, title_id: int, session_id: str) -> ResponseReturnValue:
    _title, session = _session(slug, title_id, session_id)
    try:
        parts = uploads_service.uploaded_parts(session)  # marks a lost upload lost
    except ServiceError as exc:
        return _error(str(exc), 503)
    data = uploads_service.session_json(session, parts=parts)
    if session.status == UploadStatus.ACTIVE:
        # Parts failing with a network error may be the bucket's CORS refusing them.
        problem = upload_faults.browser_access_problem(_page_origin())
        if problem:
            data["problem"] = problem
    return jsonify(data)


@bp.post("/<slug>/titles/<int:title_id>/uploads/<session_id>/sign")
@login_required
def sign_parts(slug: str, title_id: int, session_id: str) -> ResponseReturnValue:
    _title, session = _session(slug, title_id, session_id)
    requested = _body().get("parts")
    if not isinstance(requested, list):
        return _error(_("parts must be a list of {number, crc32} objects."))
    try:
        signed = uploads_service.sign_parts(session, requested)
    except UploadLost as exc:
        return _lost(exc)
    except ServiceError as exc:
        return _error(str(exc))
    parts = {str(n): {"url": part.url, "headers": part.headers} for n, part in signed.items()}
    return jsonify({"parts": parts})


@bp.post("/<slug>/titles/<int:title_id>/uploads/<session_id>/complete")
@login_required
def complete_upload(slug: str, title_id: int, session_id: str) -> ResponseReturnValue:
    _title, session = _session(slug, title_id, session_id)
    try:
        asset = uploads_service.complete_session(session)
    except UploadLost as exc:
        return _lost(exc)
    except ServiceError as exc:
        return _error(str(exc), 409)
    return jsonify({"session": uploads_service.session_json(session), "asset": asset_json(asset)})


@bp.delete("/<slug>/titles/<int:title_id>/uploads/<session_id>")
@login_required
def cancel_upload(slug: str, title_id: int, session_id: str) -> ResponseReturnValue:
    _title, session = _session(slug, title_id, session_id)
    try:
        uploads_service.abort_session(session)
    except ServiceError as exc:
        return _error(str(exc))
    return "", 204
