"""The local storage backend's signed-link routes (see the storage package docstring).

Both routes authenticate by token alone: no session, no CSRF. With the S3 backend they are
never linked to, and answer 404.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, has_request_context, request, send_file
from flask.typing import ResponseReturnValue

from ..adapters.storage import InvalidToken, LocalStorage, ObjectNotFound, UploadNotFound
from ..extensions import csrf

bp = Blueprint("media_files", __name__)


def media_url_for_token(kind: str, token: str) -> str:
    """Links for local storage tokens.

    Within a request the link is root-relative, so it works on whatever host the page was
    served from (a proxy, a test server on a random port); elsewhere (jobs, mails) it is
    absolute under PUBLIC_URL.
    """
    path = f"/media/{'parts' if kind == 'part' else 'objects'}/{token}"
    if has_request_context():
        return f"{request.script_root}{path}"
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}{path}"


def _local_storage() -> LocalStorage:
    storage = current_app.extensions.get("storage")
    if not isinstance(storage, LocalStorage):
        abort(404)
    return storage


@bp.put("/media/parts/<token>")
@csrf.exempt
def media_part(token: str) -> ResponseReturnValue:
    storage = _local_storage()
    try:
        claims = storage.verify_token(token, "part")
    except InvalidToken:
        abort(403)
    # A part may be far larger than a form post; the token already bounds what is accepted.
    request.max_content_length = storage.max_part_size
    assert claims.upload_id is not None and claims.part_number is not None
    try:
        etag = storage.write_part(claims.key, claims.upload_id, claims.part_number, request.stream)
    except UploadNotFound:
        abort(404)
    return "", 200, {"ETag": f'"{etag}"'}


@bp.get("/media/objects/<token>")
def media_object(token: str) -> ResponseReturnValue:
    storage = _local_storage()
    try:
        served = storage.served_file(storage.verify_token(token, "object"))
    except InvalidToken:
        abort(403)
    except ObjectNotFound:
        abort(404)
    response = send_file(
        served.path,
        mimetype=served.content_type,
        conditional=True,  # serves Range requests
        as_attachment=served.filename is not None,
        download_name=served.filename,
    )
    # The token is the credential: let players fetch segments from other origins too.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
