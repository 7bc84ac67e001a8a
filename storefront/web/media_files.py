"""Media links: the local backend's signed part and object routes, and image redirects.

With S3 the browser talks to the bucket; with local storage these two routes stand in for
presigned URLs. They authenticate by the signed token alone (no session, no CSRF token),
so `register_blueprints` exempts this blueprint from CSRF.
"""

from __future__ import annotations

import time

from flask import Blueprint, Response, abort, current_app, redirect, request, send_file
from flask.typing import ResponseReturnValue
from flask_login import current_user

from ..adapters.storage import (
    InvalidPart,
    InvalidToken,
    LocalStorage,
    ObjectNotFound,
    UploadNotFound,
)
from ..extensions import db
from ..models import Title, TitleImage, TitleStatus
from ..security import can_manage_studio
from ..services.storage import get_storage

bp = Blueprint("media_files", __name__, url_prefix="/media")


def _local_storage() -> LocalStorage:
    storage = get_storage()
    if not isinstance(storage, LocalStorage):
        abort(404)  # with S3 the links point at the bucket, never here
    return storage


@bp.put("/parts/<token>")
def put_part(token: str) -> ResponseReturnValue:
    storage = _local_storage()
    try:
        claims = storage.verify_token(token, "part")
    except InvalidToken:
        abort(403)
    assert claims.upload_id is not None and claims.part_number is not None
    # MAX_CONTENT_LENGTH guards form posts; a part may be as large as storage allows.
    request.max_content_length = storage.max_part_size
    try:
        etag = storage.write_part(claims.key, claims.upload_id, claims.part_number, request.stream)
    except UploadNotFound:
        abort(404)
    except InvalidPart:
        abort(413)
    response = Response(status=200)
    response.headers["ETag"] = f'"{etag}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/objects/<token>")
def get_object(token: str) -> ResponseReturnValue:
    storage = _local_storage()
    try:
        claims = storage.verify_token(token, "object")
        served = storage.served_file(claims)
    except InvalidToken:
        abort(403)
    except ObjectNotFound:
        abort(404)
    response = send_file(
        served.path,
        mimetype=served.content_type,
        conditional=True,  # answers Range requests with 206
        as_attachment=served.filename is not None,
        download_name=served.filename,
        max_age=max(0, claims.expires - int(time.time())),
    )
    response.cache_control.private = True
    return response


@bp.get("/images/<int:image_id>/<name>")
def image(image_id: int, name: str) -> ResponseReturnValue:
    """A poster or still: a redirect to a short-lived signed URL of the stored file.

    Pages link here, so their HTML never holds expiring URLs. Images of titles in the store
    are public; others only for the studio's members.
    """
    row = db.session.get(TitleImage, image_id)
    key = (row.keys or {}).get(name) if row is not None else None
    if row is None or key is None:
        abort(404)
    title = db.session.get(Title, row.title_id)
    public = title.status in (TitleStatus.PUBLISHED, TitleStatus.UNLISTED)
    if not public and not can_manage_studio(current_user, title.studio):
        abort(404)
    expires = int(current_app.config["MEDIA_URL_EXPIRES"])
    response = redirect(get_storage().signed_get_url(key, expires), code=302)
    # The signed URL outlives this by far, so the browser may reuse the redirect a while.
    response.cache_control.max_age = min(300, expires // 2)
    response.cache_control.public = public
    response.cache_control.private = not public
    return response
