"""Audio tracks of a title's film: found in the uploaded source or uploaded as separate audio
files (a dub, audio description), labelled by the studio, transcoded into alternate HLS
audio renditions (the source's first track stays in the video).

A separate file is an asset of kind ``audio``, uploaded like a film; its track is attached to
the film that is ready when it is processed, with ``stream_index`` = minus its asset's id."""

from __future__ import annotations

from collections.abc import Sequence

import pycountry
import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...adapters.media.base import AudioTrack as ProbedAudio
from ...extensions import db
from ...languages import is_language, language_name
from ...models import AssetKind, AssetStatus, AudioKind, AudioTrack, MediaAsset, utcnow
from .. import ServiceError
from . import pipeline


def titles_with_audio_in(language: str) -> sa.Select[tuple[int]]:
    """Title ids with a playable audio track in ``language`` (for the catalogue's filter)."""
    return (
        sa.select(AudioTrack.title_id)
        .join(MediaAsset, MediaAsset.id == AudioTrack.asset_id)
        .where(
            AudioTrack.language == language,
            AudioTrack.status == AssetStatus.READY,
            MediaAsset.status == AssetStatus.READY,
        )
    )


def _kind_for(track: ProbedAudio, first_language: str | None) -> AudioKind:
    if track.role == "description" or _says(track.title, ("description", "descriptive", "AD")):
        return AudioKind.DESCRIPTION
    if track.role == "commentary" or _says(track.title, ("commentary",)):
        return AudioKind.COMMENTARY
    if track.role == "dub" or (track.language and track.language != first_language):
        return AudioKind.DUBBED
    return AudioKind.MAIN


def _says(title: str, words: tuple[str, ...]) -> bool:
    lowered = f" {title.lower()} "
    return any(
        (f" {w.lower()} " in lowered) if len(w) <= 3 else (w.lower() in lowered) for w in words
    )


def _iso639_1(code: str | None) -> str:
    """Containers tag languages with ISO 639-2 ("fra"); the store speaks ISO 639-1 ("fr")."""
    if not code:
        return ""
    code = code.lower()
    if is_language(code):
        return code
    found = pycountry.languages.get(alpha_3=code)
    if found is None:
        try:
            found = pycountry.languages.get(bibliographic=code)
        except (KeyError, LookupError):
            found = None
    return getattr(found, "alpha_2", "") if found else ""


def record_tracks(
    asset: MediaAsset, probed: Sequence[ProbedAudio], playlists: dict[int, str]
) -> list[AudioTrack]:
    """One row per audio track of a ready feature: the first muxed into the video, the others
    with their audio-only playlist. The studio's labels of the film it replaces carry over
    track by track; otherwise they are guessed from the container's tags."""
    db.session.execute(sa.delete(AudioTrack).where(AudioTrack.asset_id == asset.id))
    previous = list(
        db.session.scalars(
            sa.select(AudioTrack)
            .join(MediaAsset, MediaAsset.id == AudioTrack.asset_id)
            .where(AudioTrack.title_id == asset.title_id, AudioTrack.asset_id != asset.id)
            .order_by(AudioTrack.asset_id.desc(), AudioTrack.position)
        )
    )
    labelled: dict[int, AudioTrack] = {}
    separate = [row for row in previous if row.stream_index < 0]
    for row in previous:  # newest asset first: its labels win
        if row.stream_index >= 0:
            labelled.setdefault(row.position, row)
    first_language = probed[0].language if probed else None
    rows = []
    for position, track in enumerate(probed):
        muxed = position == 0
        if not muxed and track.index not in playlists:
            continue
        earlier = labelled.get(position)
        row = AudioTrack(
            title_id=asset.title_id,
            asset_id=asset.id,
            stream_index=track.index,
            position=position,
            language=earlier.language if earlier else _iso639_1(track.language),
            kind=earlier.kind if earlier else _kind_for(track, first_language),
            label=earlier.label if earlier else track.title[:80],
            muxed=muxed,
            status=AssetStatus.READY,
            playlist_key=None if muxed else playlists[track.index],
        )
        db.session.add(row)
        rows.append(row)
    # Separately uploaded tracks stay with the film that replaces theirs.
    for offset, row in enumerate(separate):
        row.asset_id, row.position = asset.id, len(probed) + offset
    db.session.flush()
    return rows


def start_audio_file(asset: MediaAsset, duration: float, probed: Sequence[ProbedAudio]) -> None:
    """Record what probing a separate audio file found; encoding starts."""
    asset.duration_ms = round(duration * 1000)
    asset.audio_tracks = [
        {"index": t.index, "codec": t.codec, "channels": t.channels, "language": t.language}
        for t in probed
    ]
    asset.status = AssetStatus.TRANSCODING
    asset.updated_at = utcnow()
    db.session.flush()


def finish_audio_file(
    asset: MediaAsset, attempt: int, playlist_key: str, probed: ProbedAudio
) -> AudioTrack | None:
    """Add the encoded file as an alternate audio track of the title's ready film.

    None if this attempt lost the asset, or (asset failed) if there is no ready film.
    """
    feature_id = db.session.scalar(
        sa.select(MediaAsset.id)
        .where(
            MediaAsset.title_id == asset.title_id,
            MediaAsset.kind == AssetKind.FEATURE,
            MediaAsset.status == AssetStatus.READY,
        )
        .order_by(MediaAsset.id.desc())
        .limit(1)
    )
    if feature_id is None:
        pipeline.fail_asset(asset, attempt, "no_film")
        return None
    done = db.session.execute(
        sa.update(MediaAsset)
        .where(
            MediaAsset.id == asset.id,
            MediaAsset.attempts == attempt,
            MediaAsset.status == AssetStatus.TRANSCODING,
        )
        .values(status=AssetStatus.READY, progress=100, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        return None
    db.session.refresh(asset)
    last = db.session.scalar(
        sa.select(sa.func.max(AudioTrack.position)).where(AudioTrack.asset_id == feature_id)
    )
    kind = _kind_for(probed, None)
    row = AudioTrack(
        title_id=asset.title_id,
        asset_id=feature_id,
        stream_index=-asset.id,
        position=(last + 1) if last is not None else 1,
        language=_iso639_1(probed.language),
        # A separate file is rarely the original soundtrack: the studio corrects it if so.
        kind=AudioKind.DUBBED if kind == AudioKind.MAIN else kind,
        label=probed.title[:80],
        muxed=False,
        status=AssetStatus.READY,
        playlist_key=playlist_key,
    )
    db.session.add(row)
    db.session.flush()
    return row


def tracks_of_asset(asset_id: int) -> list[AudioTrack]:
    """A film's playable audio tracks, in the source's order."""
    return list(
        db.session.scalars(
            sa.select(AudioTrack)
            .where(AudioTrack.asset_id == asset_id, AudioTrack.status == AssetStatus.READY)
            .order_by(AudioTrack.position)
        )
    )


def current_tracks(title_id: int) -> list[AudioTrack]:
    """The audio tracks of the title's ready feature (what viewers will hear)."""
    asset_id = db.session.scalar(
        sa.select(MediaAsset.id)
        .where(
            MediaAsset.title_id == title_id,
            MediaAsset.kind == AssetKind.FEATURE,
            MediaAsset.status == AssetStatus.READY,
        )
        .order_by(MediaAsset.id.desc())
        .limit(1)
    )
    return tracks_of_asset(asset_id) if asset_id else []


class AudioInvalid(ServiceError):
    """Some fields are wrong; `errors` maps field names to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def label_track(track: AudioTrack, language: str, kind: str, label: str) -> None:
    """The studio says what a track is: its language, kind and the name viewers see."""
    errors: dict[str, str] = {}
    language = (language or "").strip().lower()
    if language and not is_language(language):
        errors["language"] = _("Choose a language from the list.")
    if kind not in {k.value for k in AudioKind}:
        errors["kind"] = _("Choose a kind of audio from the list.")
    if len(label.strip()) > 80:
        errors["label"] = _("Use at most %(max)d characters.", max=80)
    if errors:
        raise AudioInvalid(errors)
    track.language = language
    track.kind = AudioKind(kind)
    track.label = label.strip()
    db.session.flush()


AUDIO_KIND_LABELS = {
    AudioKind.MAIN: _l("Original soundtrack"),
    AudioKind.DUBBED: _l("Dubbed"),
    AudioKind.COMMENTARY: _l("Commentary"),
    AudioKind.DESCRIPTION: _l("Audio description"),
}


def display_name(track: AudioTrack, locale: str) -> str:
    """What the player's menu shows: the studio's label, else language and kind."""
    return track.label or spoken_name(track, locale)


def spoken_name(track: AudioTrack, locale: str) -> str:
    """The track's language and kind in ``locale`` ("French – Dubbed"), whatever its label."""
    language = language_name(track.language, locale) if track.language else ""
    kind = str(AUDIO_KIND_LABELS[track.kind])
    if track.kind == AudioKind.MAIN:
        return language or kind
    return f"{language} – {kind}" if language else kind
