"""Screeners for their recipients: the personal link's page, "Start watching", the player (with
the recipient's name over the picture) and its start and heartbeat calls. No account is
needed: the link's token is the credential; the playlists are the store's own (token kind "s").

Mail scanners fetch every link of a mail before the person reads it, so the link's GET only
shows the film and its terms; the screener is opened (and linked to a signed-in account) by
the "Start watching" POST, and a play is spent only when the player starts."""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from ..extensions import db
from ..models import Screener, ScreenerStream, Title, utcnow
from ..services.promotion import screeners
from ..services.watching import playback
from ..services.watching.access import PlaybackRefused, Refusal
from ..services.watching.stream_tokens import StreamClaims
from .viewer import viewer_country
from .watch import HEARTBEAT_SECONDS, _whole_seconds
from .watch_playlists import stream_token

bp = Blueprint("screeners", __name__)
_STREAM_KEY = "screener_streams"


def _screener_or_404(token: str) -> Screener:
    screener = screeners.by_token(token)
    if screener is None:
        abort(404)
    return screener


def _limits() -> playback.Limits:
    return playback.Limits.from_config(current_app.config)


def _refused(exc: PlaybackRefused) -> ResponseReturnValue:
    return jsonify({"error": {"code": exc.code.value, "message": exc.message}}), 403


def _info(token: str, stream: ScreenerStream, screener: Screener, asset_id: int) -> dict:
    play = stream_token(
        StreamClaims(
            "s",
            screener.title_id,
            asset_id,
            None,
            stream.public_id,
            int(time.time()) + _limits().token_seconds,
        )
    )
    return {
        "session": stream.public_id,
        "token": play,
        "master_url": url_for("watch.master", token=play),
        "heartbeat_url": url_for("screeners.heartbeat", token=token, stream_id=stream.public_id),
        "heartbeat_seconds": HEARTBEAT_SECONDS,
        "refresh_seconds": max(5, current_app.config["SEGMENT_URL_SECONDS"] // 2),
    }


def _page(screener: Screener, token: str, refusal: PlaybackRefused | None) -> ResponseReturnValue:
    response = make_response(
        render_template(
            "watch/screener.html",
            screener=screener,
            title=db.session.get(Title, screener.title_id),
            token=token,
            refusal=refusal,
        ),
        403 if refusal else 200,
    )
    response.headers["Cache-Control"] = "private, no-store"  # the URL is the credential
    return response


def _refusal(screener: Screener) -> PlaybackRefused | None:
    try:
        screeners.check(screener, viewer_country(), utcnow())
    except PlaybackRefused as exc:
        return exc
    return None


@bp.get("/screeners/<token>")
def watch(token: str) -> ResponseReturnValue:
    """The link in the mail. Mail scanners fetch it before the recipient clicks, so a GET
    changes nothing: until "Start watching" is pressed it shows the film and its terms."""
    screener = _screener_or_404(token)
    return _page(screener, token, _refusal(screener))


@bp.post("/screeners/<token>/open")
def open_screener(token: str) -> ResponseReturnValue:
    """The recipient pressed "Start watching" (scanners only fetch): it is opened now."""
    screener = _screener_or_404(token)
    refusal = _refusal(screener)
    if refusal is not None:
        return _page(screener, token, refusal)
    screeners.opened(screener, current_user if current_user.is_authenticated else None, utcnow())
    return redirect(url_for("screeners.watch", token=token), 303)


@bp.post("/screeners/<token>/start")
def start(token: str) -> ResponseReturnValue:
    screener = _screener_or_404(token)
    mine: dict[str, str] = dict(session.get(_STREAM_KEY) or {})
    try:
        stream, asset = screeners.start(
            screener, viewer_country(), utcnow(), _limits(), replaces=mine.get(str(screener.id))
        )
    except PlaybackRefused as exc:
        return _refused(exc)
    mine[str(screener.id)] = stream.public_id
    session[_STREAM_KEY] = dict(list(mine.items())[-10:])
    return jsonify(_info(token, stream, screener, asset.id) | {"position": 0})


@bp.post("/screeners/<token>/heartbeat/<stream_id>")
def heartbeat(token: str, stream_id: str) -> ResponseReturnValue:
    screener = _screener_or_404(token)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return jsonify({"error": {"code": "bad_request", "message": "JSON object expected"}}), 400
    position = _whole_seconds(data.get("position"), "position")
    duration = _whole_seconds(data.get("duration"), "duration")
    title = db.session.get(Title, screener.title_id)
    if title is None:
        return _refused(PlaybackRefused(Refusal.REMOVED))
    now = utcnow()
    try:
        stream = screeners.live_stream(stream_id, title, viewer_country(), now, _limits())
    except PlaybackRefused as exc:
        return _refused(exc)
    if stream.screener_id != screener.id:
        return _refused(PlaybackRefused(Refusal.INVALID_LINK))
    screeners.heartbeat(stream, now, position, duration, bool(data.get("stop")))
    asset = playback.ready_asset(title.id)
    return jsonify(_info(token, stream, screener, asset.id if asset else 0))
