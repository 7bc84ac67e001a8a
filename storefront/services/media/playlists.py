"""HLS playlists rewritten for one viewer: the app serves the master and variant playlists,
storage serves the bytes.

Variant playlists are read from storage once per rendition and kept parsed (text between
segment URIs, and the segment keys), so serving one is a batch of short-lived signatures plus
a join: a two-hour film's 1,200 segments take a few milliseconds with the fast S3 signer.
Subtitles (WebVTT files) become HLS subtitle renditions: one ``EXT-X-MEDIA`` per track in the
master playlist, each pointing to a one-segment playlist of the signed WebVTT link.
"""

from __future__ import annotations

import math
import posixpath
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ...adapters.storage import ObjectNotFound, Storage
from ...adapters.storage.cdn import SecureLinkSigner
from ...caching import ProcessCache
from ...models import (
    AssetStatus,
    AudioKind,
    AudioTrack,
    MediaAsset,
    Rendition,
    SubtitleKind,
    SubtitleTrack,
)

MIME = "application/vnd.apple.mpegurl"
_URI_ATTR = re.compile(r'URI="([^"]*)"')
_EXTINF = re.compile(r"#EXTINF:([0-9.]+)")
SUBTITLE_GROUP = "subs"
AUDIO_GROUP = "aud"


@dataclass(frozen=True, slots=True)
class ParsedPlaylist:
    """A media playlist split around its URIs: ``chunks[i] + url(keys[i]) + chunks[i+1]...``."""

    chunks: tuple[str, ...]
    keys: tuple[str, ...]
    duration: float

    def render(self, urls: Sequence[str]) -> str:
        parts: list[str] = [self.chunks[0]]
        for url, chunk in zip(urls, self.chunks[1:], strict=True):
            parts.append(url)
            parts.append(chunk)
        return "".join(parts)


def resolve(base_key: str, uri: str) -> str | None:
    """The storage key a relative URI in the playlist at ``base_key`` names."""
    if "://" in uri or uri.startswith("/") or not uri:
        return None  # absolute links are not ours to sign
    key = posixpath.normpath(posixpath.join(posixpath.dirname(base_key), uri))
    return None if key.startswith("..") else key


def parse_media_playlist(text: str, playlist_key: str) -> ParsedPlaylist:
    chunks: list[str] = []
    keys: list[str] = []
    current: list[str] = []
    duration = 0.0
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if match := _EXTINF.match(line):
                duration += float(match.group(1))
            attr = _URI_ATTR.search(line) if line.startswith("#EXT-X-MAP") else None
            key = resolve(playlist_key, attr.group(1)) if attr else None
            if attr and key:
                current.append(line[: attr.start(1)])
                chunks.append("".join(current))
                keys.append(key)
                current = [line[attr.end(1) :] + "\n"]
            else:
                current.append(line + "\n")
            continue
        key = resolve(playlist_key, line)
        if key is None:
            current.append(line + "\n")
            continue
        chunks.append("".join(current))
        keys.append(key)
        current = ["\n"]
    chunks.append("".join(current))
    return ParsedPlaylist(tuple(chunks), tuple(keys), duration)


def parsed_rendition(
    storage: Storage, cache: ProcessCache, rendition: Rendition | AudioTrack
) -> ParsedPlaylist:
    """A rendition's (or alternate audio track's) stored playlist, parsed once per process
    and version. LookupError when it has none, or storage no longer has it (a deleted audio
    file's objects go once its deletion commits, and a request may still hold its row)."""
    key = rendition.playlist_key
    if not key:
        raise LookupError("rendition has no playlist")
    version = rendition.updated_at.isoformat() if rendition.updated_at else ""

    def parse() -> ParsedPlaylist:
        try:
            text = storage.get(key).decode("utf-8")
        except ObjectNotFound:
            raise LookupError("the stored playlist is gone") from None
        return parse_media_playlist(text, key)

    # Transcodes write new keys or bump updated_at, so a cached parse is never stale.
    return cache.get_or_make((key, version), parse)


def variant_playlist(
    storage: Storage,
    cache: ProcessCache,
    rendition: Rendition | AudioTrack,
    expires_in: int,
    cdn: SecureLinkSigner | None = None,
    viewer: str = "",
) -> str:
    """The rendition's playlist with every segment as a short-lived signed URL: to storage,
    or with ``cdn`` to the CDN edge with ``viewer``'s own token (the edge caches by path)."""
    parsed = parsed_rendition(storage, cache, rendition)
    if cdn is not None:
        return parsed.render(cdn.sign_many(parsed.keys, expires_in, viewer=viewer))
    return parsed.render(storage.signed_get_urls(parsed.keys, expires_in))


def playable_renditions(asset: MediaAsset) -> list[Rendition]:
    return [r for r in asset.renditions if r.playlist_key and r.status == AssetStatus.READY]


def quoted_string(value: str) -> str:
    """``value`` as an HLS quoted-string: RFC 8216 allows no double quote, CR or LF in one,
    and a CR or LF would end the tag and start a line of the writer's choosing (a variant
    pointing elsewhere). Every control character becomes a space; quotes become '."""
    cleaned = "".join(" " if unicodedata.category(c) == "Cc" else c for c in value)
    return cleaned.replace('"', "'")


def uri_line(url: str) -> str:
    """A URI on a line of its own: links are ours, but nothing may add a line after them."""
    if any(unicodedata.category(c) == "Cc" for c in url):
        raise ValueError("a playlist URI cannot contain control characters")
    return url


def master_playlist(
    storage: Storage,
    asset: MediaAsset,
    renditions: Sequence[Rendition],
    tracks: Sequence[SubtitleTrack],
    variant_url: Callable[[Rendition], str],
    subtitle_url: Callable[[SubtitleTrack], str],
    audio: Sequence[AudioRendition] = (),
    subtitle_name: Callable[[SubtitleTrack], str] = lambda track: track.label,
) -> str:
    """The stored master playlist with its variants pointing at the app (which re-checks the
    viewer on every fetch), the subtitle tracks added as a subtitle group (each named by
    ``subtitle_name``) and, when the film has more than one audio track, every track as an
    alternate audio rendition."""
    by_key = {r.playlist_key: r for r in renditions}
    variants: list[tuple[str, Rendition]] = []
    stored = ""
    if asset.hls_master_key:
        try:
            stored = storage.get(asset.hls_master_key).decode("utf-8")
        except Exception:  # noqa: BLE001 - a missing master is rebuilt from the rows below
            stored = ""
    pending: str | None = None
    for raw in stored.splitlines():
        line = raw.strip()
        if line.startswith("#EXT-X-STREAM-INF"):
            pending = line
        elif line and not line.startswith("#") and pending:
            rendition = by_key.get(resolve(asset.hls_master_key or "", line))
            if rendition is not None:
                variants.append((pending, rendition))
            pending = None
    if not variants:  # no stored master, or none of its variants is ready: build from rows
        for r in sorted(renditions, key=lambda r: r.bandwidth):
            variants.append(
                (f"#EXT-X-STREAM-INF:BANDWIDTH={r.bandwidth},RESOLUTION={r.width}x{r.height}", r)
            )
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"]
    with_audio = len(audio) > 1
    if with_audio:
        lines.extend(audio_media_lines(audio))
    for track in tracks:
        forced = track.kind == SubtitleKind.FORCED
        attrs = [
            "TYPE=SUBTITLES",
            f'GROUP-ID="{SUBTITLE_GROUP}"',
            f'NAME="{quoted_string(subtitle_name(track))}"',
            f'LANGUAGE="{quoted_string(track.language)}"',
            "DEFAULT=NO",
            "AUTOSELECT=YES",
            f"FORCED={'YES' if forced else 'NO'}",
        ]
        if track.kind == SubtitleKind.CAPTIONS:
            attrs.append(
                'CHARACTERISTICS="public.accessibility.transcribes-spoken-dialog,'
                'public.accessibility.describes-music-and-sound"'
            )
        attrs.append(f'URI="{quoted_string(uri_line(subtitle_url(track)))}"')
        lines.append("#EXT-X-MEDIA:" + ",".join(attrs))
    for inf, rendition in variants:
        if with_audio:
            inf += f',AUDIO="{AUDIO_GROUP}"'
        if tracks:
            inf += f',SUBTITLES="{SUBTITLE_GROUP}"'
        lines.append(inf)
        lines.append(uri_line(variant_url(rendition)))
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class AudioRendition:
    """An audio track as the master playlist offers it: its name, and its playlist's URL
    (None for the track muxed into the video renditions)."""

    track: AudioTrack
    name: str
    url: str | None


def audio_media_lines(audio: Sequence[AudioRendition]) -> list[str]:
    """``EXT-X-MEDIA TYPE=AUDIO`` per track; the muxed track (no URI, RFC 8216 4.3.4.1) is the
    default, audio description carries the accessibility characteristic players look for."""
    default = next((a for a in audio if a.url is None), audio[0])
    lines = []
    for item in audio:
        track = item.track
        attrs = [
            "TYPE=AUDIO",
            f'GROUP-ID="{AUDIO_GROUP}"',
            f'NAME="{quoted_string(item.name)}"',
        ]
        if track.language:
            attrs.append(f'LANGUAGE="{quoted_string(track.language)}"')
        attrs.append(f"DEFAULT={'YES' if item is default else 'NO'}")
        attrs.append("AUTOSELECT=YES")
        if track.kind == AudioKind.DESCRIPTION:
            attrs.append('CHARACTERISTICS="public.accessibility.describes-video"')
        if item.url is not None:
            attrs.append(f'URI="{quoted_string(uri_line(item.url))}"')
        lines.append("#EXT-X-MEDIA:" + ",".join(attrs))
    return lines


def subtitle_playlist(url: str, duration: float) -> str:
    """A one-segment WebVTT playlist covering the whole film."""
    duration = max(duration, 1.0)
    return (
        "#EXTM3U\n#EXT-X-VERSION:3\n"
        f"#EXT-X-TARGETDURATION:{math.ceil(duration)}\n"
        "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n"
        f"#EXTINF:{duration:.3f},\n{uri_line(url)}\n#EXT-X-ENDLIST\n"
    )
