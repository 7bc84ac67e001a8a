"""Watching: the library, the player page, and the playlists the player streams from.

Playlist URLs carry a short-lived token bound to the account, title and playback session;
every playlist fetch re-checks the session, so revoked access stops within minutes. Segment
bytes come straight from storage through short-lived signed links.
"""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from ..caching import ProcessCache
from ..extensions import db
from ..i18n import current_locale
from ..models import (
    AssetStatus,
    AudioTrack,
    MediaAsset,
    PlaybackSession,
    Rendition,
    Title,
    utcnow,
)
from ..services.catalog import title_texts
from ..services.catalog.availability import SELLABLE_STATUSES
from ..services.media import audio as audio_service
from ..services.media import playlists, subtitle_sync
from ..services.promotion import passes, screeners
from ..services.watching import library as library_service
from ..services.watching import playback
from ..services.watching.access import RENT_AGAIN, PlaybackRefused, Refusal, may_preview
from ..services.watching.playback import StreamClaims
from .viewer import viewer_country

bp = Blueprint("watch", __name__)
HEARTBEAT_SECONDS = 10
# Sessions this browser opened, per title (a reload replaces its own stream, not a slot).
_SESSION_KEY = "playback_sessions"


def _storage():
    return current_app.extensions["storage"]


def _playlist_cache() -> ProcessCache:
    return current_app.extensions.setdefault("playlist_cache", ProcessCache(size=256))


def _limits() -> playback.Limits:
    return playback.Limits.from_config(current_app.config)


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


def stream_token(claims: StreamClaims) -> str:
    return playback.issue_token(current_app.config["SECRET_KEY"], claims)


def feature_token(session_row: PlaybackSession, asset_id: int) -> str:
    return stream_token(
        StreamClaims(
            "f",
            session_row.title_id,
            asset_id,
            session_row.user_id,
            session_row.public_id,
            int(time.time()) + _limits().token_seconds,
        )
    )


def trailer_master_url(title: Title) -> str | None:
    """A public, short-lived master playlist URL for the title's trailer, if it has one."""
    asset = playback.ready_asset(title.id, kind=playback.AssetKind.TRAILER)
    if asset is None:
        return None
    claims = StreamClaims(
        "t", title.id, asset.id, None, None, int(time.time()) + _limits().token_seconds
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
    items = library_service.items(current_user.id, utcnow(), current_locale())
    keys = [i.poster_key for i in items if i.poster_key]
    urls = dict(zip(keys, _storage().signed_get_urls(keys, 3600), strict=True)) if keys else {}
    holdings = [h for h in passes.holdings_of(current_user.id) if h.status == "active"]
    return render_template(
        "watch/library.html",
        items=items,
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
            _limits(),
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
            _limits(),
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


# --- playlists -------------------------------------------------------------------------


def _playlist_response(text: str) -> Response:
    response = Response(text, mimetype=playlists.MIME)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _refused_text(exc: PlaybackRefused) -> Response:
    response = Response(exc.message, 403, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Playback-Refusal"] = exc.code.value
    return response


def _authorise(token: str) -> tuple[StreamClaims, Title, MediaAsset]:
    """Check the token and, for a feature, the account and its live session."""
    claims = playback.read_token(current_app.config["SECRET_KEY"], token, time.time())
    film = db.session.get(Title, claims.title_id)
    if film is None:
        raise PlaybackRefused(Refusal.REMOVED)
    if claims.kind == "f":
        if not current_user.is_authenticated or current_user.id != claims.user_id:
            raise PlaybackRefused(Refusal.INVALID_LINK)
        assert claims.session_id is not None
        g.stream = playback.live_session(
            claims.session_id, current_user.id, film, viewer_country(), utcnow(), _limits()
        )
    elif claims.kind == "s":
        assert claims.session_id is not None
        g.screener_stream = screeners.live_stream(
            claims.session_id, film, viewer_country(), utcnow(), _limits()
        )
    elif film.status not in SELLABLE_STATUSES:
        raise PlaybackRefused(Refusal.REMOVED)
    asset = db.session.get(MediaAsset, claims.asset_id)
    if asset is None or asset.title_id != film.id or asset.status != AssetStatus.READY:
        raise PlaybackRefused(Refusal.NOT_READY)
    return claims, film, asset


@bp.get("/watch/play/<token>/master.m3u8")
def master(token: str) -> ResponseReturnValue:
    try:
        claims, film, asset = _authorise(token)
    except PlaybackRefused as exc:
        return _refused_text(exc)
    tracks = library_service.subtitle_tracks(film.id) if claims.kind in ("f", "s") else []
    sounds = audio_service.tracks_of_asset(asset.id) if claims.kind in ("f", "s") else []
    locale = current_locale()
    text = playlists.master_playlist(
        _storage(),
        asset,
        playlists.playable_renditions(asset),
        tracks,
        lambda r: url_for("watch.variant", token=token, rendition_id=r.id),
        lambda t: url_for("watch.subtitles", token=token, track_id=t.id),
        [
            playlists.AudioRendition(
                track,
                audio_service.display_name(track, locale),
                None if track.muxed else url_for("watch.audio", token=token, track_id=track.id),
            )
            for track in sounds
        ],
    )
    return _playlist_response(text)


@bp.get("/watch/play/<token>/r/<int:rendition_id>.m3u8")
def variant(token: str, rendition_id: int) -> ResponseReturnValue:
    try:
        _claims, _film, asset = _authorise(token)
    except PlaybackRefused as exc:
        return _refused_text(exc)
    rendition = db.session.get(Rendition, rendition_id)
    if rendition is None or rendition.asset_id != asset.id or not rendition.playlist_key:
        abort(404)
    seconds = current_app.config["SEGMENT_URL_SECONDS"]
    stream = g.get("stream")
    text = playlists.variant_playlist(
        _storage(),
        _playlist_cache(),
        rendition,
        seconds,
        cdn=current_app.extensions.get("cdn"),
        viewer=f"s{stream.id}" if stream is not None else "trailer",
    )
    _hold_slot_while_links_work(seconds)
    return _playlist_response(text)


@bp.get("/watch/play/<token>/a/<int:track_id>.m3u8")
def audio(token: str, track_id: int) -> ResponseReturnValue:
    """An alternate audio track's playlist, its segments signed like the video's."""
    try:
        claims, _film, asset = _authorise(token)
    except PlaybackRefused as exc:
        return _refused_text(exc)
    track = db.session.get(AudioTrack, track_id)
    if (
        track is None
        or claims.kind not in ("f", "s")
        or track.asset_id != asset.id
        or track.status != AssetStatus.READY
        or not track.playlist_key
    ):
        abort(404)
    seconds = current_app.config["SEGMENT_URL_SECONDS"]
    text = playlists.variant_playlist(_storage(), _playlist_cache(), track, seconds)
    _hold_slot_while_links_work(seconds)
    return _playlist_response(text)


def _hold_slot_while_links_work(seconds: int) -> None:
    stream = g.get("stream")
    if stream is not None:  # trailers have no stream and take no slot
        playback.record_links(stream, utcnow(), seconds)
    screener_stream = g.get("screener_stream")
    if screener_stream is not None:
        screeners.record_links(screener_stream, utcnow(), seconds)


@bp.get("/watch/play/<token>/s/<int:track_id>.m3u8")
def subtitles(token: str, track_id: int) -> ResponseReturnValue:
    try:
        claims, film, asset = _authorise(token)
    except PlaybackRefused as exc:
        return _refused_text(exc)
    track = next((t for t in library_service.subtitle_tracks(film.id) if t.id == track_id), None)
    if track is None or claims.kind not in ("f", "s"):
        abort(404)
    seconds = current_app.config["SEGMENT_URL_SECONDS"]
    url = url_for("watch.subtitle_file", token=token, track_id=track.id)
    _hold_slot_while_links_work(seconds)
    duration = (asset.duration_ms or 0) / 1000 or _asset_duration(asset)
    return _playlist_response(playlists.subtitle_playlist(url, duration))


@bp.get("/watch/play/<token>/s/<int:track_id>.vtt")
def subtitle_file(token: str, track_id: int) -> ResponseReturnValue:
    """The track's WebVTT with the timestamp map of this film's segments (a few kilobytes of
    text: served here, because the map depends on the transcode, not on the upload)."""
    try:
        claims, film, asset = _authorise(token)
    except PlaybackRefused as exc:
        return _refused_text(exc)
    track = next((t for t in library_service.subtitle_tracks(film.id) if t.id == track_id), None)
    if track is None or claims.kind not in ("f", "s"):
        abort(404)
    storage = _storage()
    vtt = storage.get(track.storage_key).decode("utf-8")
    start = subtitle_sync.video_start_pts(
        storage, _playlist_cache(), playlists.playable_renditions(asset)
    )
    response = Response(subtitle_sync.with_timestamp_map(vtt, start), mimetype=subtitle_sync.MIME)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _asset_duration(asset: MediaAsset) -> float:
    renditions = playlists.playable_renditions(asset)
    if not renditions:
        return 0.0
    parsed = playlists.parsed_rendition(_storage(), _playlist_cache(), renditions[0])
    return parsed.duration
