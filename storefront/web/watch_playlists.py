"""The playlists the player streams from: a master playlist, its video and audio variants,
subtitle playlists and WebVTT files. Every fetch re-checks the token (and, for a viewer's
feature, the live playback session), so revoked access stops within minutes; segment bytes
come straight from storage through short-lived signed links. Registered on the watch
blueprint by :func:`add_routes`, so endpoint names stay ``watch.master`` and so on.
"""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from ..caching import ProcessCache
from ..extensions import db
from ..i18n import current_locale
from ..models import (
    AssetStatus,
    AudioTrack,
    MediaAsset,
    Rendition,
    Title,
    utcnow,
)
from ..services.catalog.availability import SELLABLE_STATUSES
from ..services.media import audio as audio_service
from ..services.media import playlists, subtitle_sync
from ..services.media import subtitles as subtitles_service
from ..services.promotion import screeners
from ..services.watching import library as library_service
from ..services.watching import playback, stream_tokens
from ..services.watching.access import PlaybackRefused, Refusal
from ..services.watching.stream_tokens import StreamClaims
from .viewer import viewer_country


def media_storage():
    return current_app.extensions["storage"]


def playlist_cache() -> ProcessCache:
    cache = current_app.extensions.get("playlist_cache")
    if cache is None:  # not setdefault: that would build a cache on every call
        cache = current_app.extensions.setdefault("playlist_cache", ProcessCache(size=256))
    return cache


def playback_limits() -> playback.Limits:
    return playback.Limits.from_config(current_app.config)


def stream_token(claims: StreamClaims) -> str:
    return stream_tokens.issue_token(current_app.config["SECRET_KEY"], claims)


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
    claims = stream_tokens.read_token(current_app.config["SECRET_KEY"], token, time.time())
    film = db.session.get(Title, claims.title_id)
    if film is None:
        raise PlaybackRefused(Refusal.REMOVED)
    if claims.kind == "f":
        if not current_user.is_authenticated or current_user.id != claims.user_id:
            raise PlaybackRefused(Refusal.INVALID_LINK)
        assert claims.session_id is not None
        g.stream = playback.live_session(
            claims.session_id, current_user.id, film, viewer_country(), utcnow(), playback_limits()
        )
    elif claims.kind == "s":
        assert claims.session_id is not None
        g.screener_stream = screeners.live_stream(
            claims.session_id, film, viewer_country(), utcnow(), playback_limits()
        )
    elif film.status not in SELLABLE_STATUSES:
        raise PlaybackRefused(Refusal.REMOVED)
    asset = db.session.get(MediaAsset, claims.asset_id)
    if asset is None or asset.title_id != film.id or asset.status != AssetStatus.READY:
        raise PlaybackRefused(Refusal.NOT_READY)
    return claims, film, asset


def master(token: str) -> ResponseReturnValue:
    try:
        claims, film, asset = _authorise(token)
    except PlaybackRefused as exc:
        return _refused_text(exc)
    tracks = library_service.subtitle_tracks(film.id) if claims.kind in ("f", "s") else []
    sounds = audio_service.tracks_of_asset(asset.id) if claims.kind in ("f", "s") else []
    locale = current_locale()
    text = playlists.master_playlist(
        media_storage(),
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
        # Named in the viewer's language, as the title page and the audio menu name them.
        subtitle_name=lambda track: subtitles_service.spoken_name(track, locale),
    )
    return _playlist_response(text)


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
    try:
        text = playlists.variant_playlist(
            media_storage(),
            playlist_cache(),
            rendition,
            seconds,
            cdn=current_app.extensions.get("cdn"),
            viewer=f"s{stream.id}" if stream is not None else "trailer",
        )
    except LookupError:  # its stored playlist is gone
        abort(404)
    _hold_slot_while_links_work(seconds)
    return _playlist_response(text)


def audio(token: str, track_id: int) -> ResponseReturnValue:
    """An alternate audio track's playlist, its segments signed like the video's; 404 once
    the studio has deleted the track (the player then goes on with the film's own audio)."""
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
    try:
        text = playlists.variant_playlist(media_storage(), playlist_cache(), track, seconds)
    except LookupError:  # deleted a moment ago: its row was still there for this request
        abort(404)
    _hold_slot_while_links_work(seconds)
    return _playlist_response(text)


def _hold_slot_while_links_work(seconds: int) -> None:
    stream = g.get("stream")
    if stream is not None:  # trailers have no stream and take no slot
        playback.record_links(stream, utcnow(), seconds)
    screener_stream = g.get("screener_stream")
    if screener_stream is not None:
        screeners.record_links(screener_stream, utcnow(), seconds)


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
    storage = media_storage()
    vtt = storage.get(track.storage_key).decode("utf-8")
    start = subtitle_sync.video_start_pts(
        storage, playlist_cache(), playlists.playable_renditions(asset)
    )
    response = Response(subtitle_sync.with_timestamp_map(vtt, start), mimetype=subtitle_sync.MIME)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _asset_duration(asset: MediaAsset) -> float:
    renditions = playlists.playable_renditions(asset)
    if not renditions:
        return 0.0
    parsed = playlists.parsed_rendition(media_storage(), playlist_cache(), renditions[0])
    return parsed.duration


ROUTES = (
    ("/watch/play/<token>/master.m3u8", master),
    ("/watch/play/<token>/r/<int:rendition_id>.m3u8", variant),
    ("/watch/play/<token>/a/<int:track_id>.m3u8", audio),
    ("/watch/play/<token>/s/<int:track_id>.m3u8", subtitles),
    ("/watch/play/<token>/s/<int:track_id>.vtt", subtitle_file),
)


def add_routes(bp: Blueprint) -> None:
    """Add the playlist routes to the watch blueprint (GET only; endpoints named by view)."""
    for rule, view in ROUTES:
        bp.add_url_rule(rule, view_func=view, methods=["GET"])
