"""Media links: the local storage backend's signed-link routes (see the storage package
docstring), and stable links to posters, stills and festival artwork that redirect to signed
URLs.

The two local routes authenticate by token alone: no session, no CSRF. With the S3 backend
they are never linked to, and answer 404.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    has_request_context,
    redirect,
    request,
    send_file,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from ..adapters.storage import (
    ChecksumMismatch,
    InvalidPart,
    InvalidToken,
    LocalStorage,
    ObjectNotFound,
    ServedFile,
    UploadNotFound,
)
from ..extensions import csrf, db
from ..models import Festival, FestivalArtwork, Title, TitleImage, TitleStatus
from ..security import can_manage_studio
from .errors import render_error
from .headers import STORED_FILE_POLICY

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


def send_stored_file(served: ServedFile) -> Response:
    """A locally stored object as a response, answering Range and conditional requests."""
    # Closed even if the client goes mid-download: see ``web.file_responses``.
    return send_file(
        served.path,
        mimetype=served.content_type,
        conditional=True,
        as_attachment=served.filename is not None,
        download_name=served.filename,
    )


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
    # A part may be far larger than a form post; the token bounds what is accepted, and a
    # body longer than the part's signed size is refused before a byte is stored.
    request.max_content_length = claims.size if claims.size is not None else storage.max_part_size
    if request.content_length is not None and request.content_length > request.max_content_length:
        abort(413)
    assert claims.upload_id is not None and claims.part_number is not None
    try:
        etag = storage.write_part(
            claims.key,
            claims.upload_id,
            claims.part_number,
            request.stream,
            claims.checksum,
            max_size=claims.size,
        )
    except UploadNotFound:
        abort(404)
    except ChecksumMismatch:
        # The browser re-reads the part and sends it again, as it would after S3's BadDigest.
        return render_error(400, _("The part did not arrive intact; it will be sent again."))
    except InvalidPart:
        abort(413)
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
    response = send_stored_file(served)
    # The token is the credential: let players fetch segments from other origins too.
    response.headers["Access-Control-Allow-Origin"] = "*"
    # Uploaded bytes served from the store's own origin must never run as a page.
    response.headers["Content-Security-Policy"] = STORED_FILE_POLICY
    return response


@bp.get("/media/images/<int:image_id>/<name>")
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
    return _signed_redirect(key, public)


@bp.get("/media/festival-artwork/<int:artwork_id>/<name>")
def festival_artwork(artwork_id: int, name: str) -> ResponseReturnValue:
    """A festival's artwork, like a poster: public once the festival is, else its studio's."""
    row = db.session.get(FestivalArtwork, artwork_id)
    key = (row.keys or {}).get(name) if row is not None else None
    if row is None or key is None:
        abort(404)
    festival = db.session.get(Festival, row.festival_id)
    if not festival.published and not can_manage_studio(current_user, festival.studio):
        abort(404)
    return _signed_redirect(key, festival.published)


def _signed_redirect(key: str, public: bool) -> ResponseReturnValue:
    expires = int(current_app.config["MEDIA_URL_EXPIRES"])
    storage = current_app.extensions["storage"]
    response = redirect(storage.signed_get_url(key, expires), code=302)
    # The signed URL outlives this by far, so the browser may reuse the redirect a while.
    response.cache_control.max_age = min(300, expires // 2)
    response.cache_control.public = public
    response.cache_control.private = not public
    return response
