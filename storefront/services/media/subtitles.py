"""Subtitle and caption tracks of a title: one per language and kind, stored as WebVTT."""

from __future__ import annotations

from typing import BinaryIO

from babel import Locale, UnknownLocaleError
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ...adapters.storage import StorageError, keys
from ...extensions import db
from ...languages import is_language, language_name
from ...models import SubtitleKind, SubtitleTrack, Title
from .. import ServiceError
from .pipeline import current_feature
from .storage import get_storage
from .subtitle_formats import SubtitleFormatError, Track, clock, read_track, write_webvtt


def default_label(language: str, kind: SubtitleKind) -> str:
    """The language's name in that language (what a viewer looks for), "[CC]" for captions."""
    try:
        name = Locale.parse(language).get_display_name(language) or ""
    except (UnknownLocaleError, ValueError):
        name = ""
    name = name[:1].upper() + name[1:] if name else language_name(language, "en")
    if kind == SubtitleKind.CAPTIONS:
        return f"{name} [CC]"
    if kind == SubtitleKind.FORCED:
        # In the track's language like its name, never in the uploader's interface language:
        # every viewer's player shows this label.
        spoken = language if language in current_app.config["LANGUAGES"] else "en"
        with force_locale(spoken):
            forced = _("forced")
        return f"{name} ({forced})"
    return name


def spoken_name(track: SubtitleTrack, locale: str) -> str:
    """The track's language in ``locale`` and its kind ("English (captions)"), whatever its
    label: a viewer reads what the film offers in their own language."""
    name = language_name(track.language, locale)
    if track.kind == SubtitleKind.CAPTIONS:
        return f"{name} ({_('captions')})"
    if track.kind == SubtitleKind.FORCED:
        return f"{name} ({_('forced')})"
    return name


def tracks_of(title: Title) -> list[SubtitleTrack]:
    return list(
        db.session.scalars(
            db.select(SubtitleTrack)
            .filter_by(title_id=title.id)
            .order_by(SubtitleTrack.language, SubtitleTrack.kind)
        )
    )


def too_large_message(limit: int) -> str:
    return _("The subtitle file is larger than %(size)d KB.", size=max(1, limit // 1024))


def save_track(
    title: Title, language: str, kind: str, label: str, stream: BinaryIO, filename: str = ""
) -> SubtitleTrack:
    """Add a track, or replace the one with the same language and kind."""
    language = (language or "").strip().lower()
    if not is_language(language):
        raise ServiceError(_("Choose a language from the list."))
    try:
        track_kind = SubtitleKind(kind)
    except ValueError:
        raise ServiceError(_("Choose subtitles or captions.")) from None
    # One line of plain text: control characters (a CR would end a playlist tag) go.
    label = " ".join("".join(c if c.isprintable() else " " for c in label or "").split())
    label = label[:80] or default_label(language, track_kind)
    limit = int(current_app.config["SUBTITLE_MAX_BYTES"])
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ServiceError(too_large_message(limit))
    if not data.strip():
        raise ServiceError(_("The file is empty."))
    try:
        parsed = read_track(data, filename)
    except SubtitleFormatError as exc:
        raise ServiceError(str(exc)) from exc
    _check_within_film(title, parsed)
    vtt = write_webvtt(parsed)

    track = db.session.scalar(
        db.select(SubtitleTrack).filter_by(title_id=title.id, language=language, kind=track_kind)
    )
    if track is None:
        track = SubtitleTrack(
            title_id=title.id, language=language, kind=track_kind, label=label, storage_key=""
        )
        db.session.add(track)
        db.session.flush()
        track.storage_key = keys.subtitle_key(title.id, track.id)
    track.label = label
    try:
        get_storage().put(track.storage_key, vtt.encode("utf-8"), "text/vtt")
    except StorageError as exc:
        raise ServiceError(str(exc)) from exc
    db.session.flush()
    return track


def _check_within_film(title: Title, track: Track) -> None:
    """Refuse a file none of whose cues can show: they all start after the film ends, as in
    deliveries timed from a broadcast timecode (01:00:00:00). Kept while the length is unknown."""
    film = current_feature(title.id)
    length = film.duration_ms if film else None
    first = min(cue.start_ms for cue in track.cues)
    if length and first >= length:
        raise ServiceError(
            _(
                "Every subtitle in this file starts after the film ends: the first at "
                "%(first)s, and the film lasts %(length)s. Its times may count from a timecode "
                "such as 01:00:00: move them to start from 00:00:00 and upload it again.",
                first=clock(first),
                length=clock(length),
            )
        )


def delete_track(track: SubtitleTrack) -> None:
    get_storage().delete(track.storage_key)
    db.session.delete(track)
    db.session.flush()
