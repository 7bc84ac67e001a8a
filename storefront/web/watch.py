"""Watching: the library, the player page and the player's JSON calls (start, heartbeat).

The playlists the player streams from live in :mod:`.watch_playlists`, on this blueprint.
"""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from ..extensions import db
from ..i18n import current_locale
from ..models import (
    PlaybackSession,
    Title,
    utcnow,
)
from ..services.catalog import title_texts
from ..services.catalog.availability import SELLABLE_STATUSES
from ..services.promotion import festival_sales, passes
from ..services.watching import library as library_service
from ..services.watching import playback
from ..services.watching.access import RENT_AGAIN, PlaybackRefused, Refusal, may_preview
from ..services.watching.stream_tokens import StreamClaims
from . import watch_playlists
from .viewer import viewer_country
from .watch_playlists import media_storage, playback_limits, stream_token

bp = Blueprint("watch", __name__)
watch_playlists.add_routes(bp)
HEARTBEAT_SECONDS = 10
# Sessions this browser opened, per title (a reload replaces its own stream, not a slot).
_SESSION_KEY = "playback_sessions"


def _title_or_404(slug: str) -> Title:
    """A title on the store, or any title of the viewer's own studio (a preview)."""
    title = db.session.scalar(db.select(Title).filter_by(slug=slug))
    if title is None:
        abort(404)
    if title.status not in SELLABLE_STATUSES and not (
        playback.previewable(title) and may_preview(current_user, title)
    ):
        abort(404)
    return title


def feature_token(session_row: PlaybackSession, asset_id: int) -> str:
    return stream_token(
        StreamClaims(
            "f",
            session_row.title_id,
            asset_id,
            session_row.user_id,
            session_row.public_id,
            int(time.time()) + playback_limits().token_seconds,
        )
    )


def trailer_master_url(title: Title) -> str | None:
    """A public, short-lived master playlist URL for the title's trailer, if it has one."""
    asset = playback.ready_asset(title.id, kind=playback.AssetKind.TRAILER)
    if asset is None:
        return None
    claims = StreamClaims(
        "t", title.id, asset.id, None, None, int(time.time()) + playback_limits().token_seconds
    )
    return url_for("watch.master", token=stream_token(claims))


def _refused(exc: PlaybackRefused, title: Title | None = None) -> ResponseReturnValue:
    error: dict[str, object] = {"code": exc.code.value, "message": exc.message}
    if title is not None and exc.code in RENT_AGAIN:
        error["rent_again_url"] = url_for("store.title", slug=title.slug)
    return jsonify({"error": error}), 403


# --- pages -----------------------------------------------------------------------------


@bp.get("/library")
@login_required
def library() -> ResponseReturnValue:
    now = utcnow()
    items = library_service.items(current_user.id, now, current_locale())
    keys = [i.poster_key for i in items if i.poster_key]
    urls = dict(zip(keys, media_storage().signed_get_urls(keys, 3600), strict=True)) if keys else {}
    holdings = [h for h in passes.holdings_of(current_user.id) if h.status == "active"]
    # A ticket given back is bought again from its festival, not the film's store page.
    tickets = [i.screening_id for i in items if i.rent_again and i.screening_id is not None]
    again = festival_sales.where_to_book_again(tickets, viewer_country(), now)
    return render_template(
        "watch/library.html",
        items=items,
        blocked_here=library_service.blocked_here(current_user.id, items, viewer_country(), now),
        book_again=again,
        poster_urls=urls,
        holdings=holdings,
        films_left=passes.films_left,
    )


@bp.get("/watch/<slug>")
@login_required
def title(slug: str) -> ResponseReturnValue:
    film = _title_or_404(slug)
    refusal = None
    portable_from = None
    preview = False
    country = viewer_country()
    try:
        decision = playback.check(current_user, film, country, utcnow())
        portable_from, preview = decision.portable_from, decision.preview
    except PlaybackRefused as exc:
        refusal = exc
    return render_template(
        "watch/player.html",
        title=film,
        shown=title_texts.shown_text(film, current_locale()),
        refusal=refusal,
        portable_from=portable_from,
        country=country,
        preview=preview,
        rent_again=refusal is not None and refusal.code in RENT_AGAIN,
    ), (403 if refusal else 200)


# --- the player's JSON calls -------------------------------------------------------------


@bp.post("/watch/<slug>/start")
@login_required
def start(slug: str) -> ResponseReturnValue:
    film = _title_or_404(slug)
    mine: dict[str, str] = dict(session.get(_SESSION_KEY) or {})
    previous = mine.get(str(film.id))
    try:
        started = playback.start(
            current_user,
            film,
            viewer_country(),
            utcnow(),
            playback_limits(),
            replaces=[previous] if previous else [],
        )
    except PlaybackRefused as exc:
        return _refused(exc, film)
    mine[str(film.id)] = started.session.public_id
    session[_SESSION_KEY] = dict(list(mine.items())[-10:])
    return jsonify(
        _stream_info(started.session, started.asset.id)
        | {"position": started.position, "preview": started.session.preview}
    )


def _stream_info(session_row: PlaybackSession, asset_id: int) -> dict[str, object]:
    token = feature_token(session_row, asset_id)
    return {
        "session": session_row.public_id,
        "token": token,
        "master_url": url_for("watch.master", token=token),
        "heartbeat_url": url_for("watch.heartbeat", session_id=session_row.public_id),
        "heartbeat_seconds": HEARTBEAT_SECONDS,
        # Re-fetch variant playlists well before their segment links expire.
        "refresh_seconds": max(5, current_app.config["SEGMENT_URL_SECONDS"] // 2),
    }


def _whole_seconds(value: object, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 10**7:
        abort(Response(f'"{name}" must be a number of seconds', 400, mimetype="text/plain"))
    return int(value)


@bp.post("/watch/session/<session_id>/heartbeat")
@login_required
def heartbeat(session_id: str) -> ResponseReturnValue:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return jsonify({"error": {"code": "bad_request", "message": "JSON object expected"}}), 400
    position = _whole_seconds(data.get("position"), "position")
    duration = _whole_seconds(data.get("duration"), "duration")
    row = db.session.scalar(db.select(PlaybackSession).filter_by(public_id=session_id))
    film = db.session.get(Title, row.title_id) if row is not None else None
    if row is None or film is None or row.user_id != current_user.id:
        return _refused(PlaybackRefused(Refusal.INVALID_LINK))
    try:
        playback.heartbeat(
            session_id,
            current_user.id,
            film,
            viewer_country(),
            utcnow(),
            playback_limits(),
            position=position,
            duration=duration,
            stop=bool(data.get("stop")),
        )
    except PlaybackRefused as exc:
        return _refused(exc, film)
    return jsonify(_stream_info(row, _asset_of_session(row)))


def _asset_of_session(row: PlaybackSession) -> int:
    asset = playback.ready_asset(row.title_id)
    return asset.id if asset else 0
