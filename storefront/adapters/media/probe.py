"""Probe uploads with PyAV: what is in the file, and can we actually decode it?

The bundled FFmpeg has no ffprobe, so probing goes through PyAV (libav* in-process).
``probe`` decodes the first video frame and checks that packets are still present near
the advertised end of the file, which catches most interrupted uploads before a long
transcode is attempted.

What each kind of bad upload gives (covered by the tests):

* zero bytes -> ``empty``
* random bytes, a picture renamed ``.mp4``, a document -> ``not_video``
* audio only (also audio with cover art) -> ``no_video``
* MP4 cut short with its index (``moov``) at the end, the usual camera/editor layout:
  nothing can be opened -> ``truncated`` (it still starts like a video container)
* MP4 with the index at the front (``faststart``) or Matroska cut short: the header
  promises more than the file holds -> ``truncated``
* MPEG-TS cut short: a transport stream has no global header, so the shorter file is a
  valid, shorter video; probing succeeds and ``duration`` reflects what is there.
* first frame undecodable -> ``corrupt``
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import av
import av.error

from .base import AudioTrack, ProbeError, ProbeResult

# Demuxers we accept. Everything else (images, playlists, concat lists, raw streams...)
# is refused before FFmpeg interprets it, which also keeps e.g. HLS playlists from making
# FFmpeg open other files or URLs. FFmpeg matches each comma-separated part of a demuxer
# name, so "mov" covers "mov,mp4,m4a,3gp,3g2,mj2".
ALLOWED_DEMUXERS = ("mov", "matroska", "mpegts", "avi", "mpeg", "flv", "asf", "mxf", "ogg")
DEMUXER_WHITELIST = ",".join(ALLOWED_DEMUXERS)
# A separate audio track (a dub, audio description) may also come as WAV, MP3, FLAC or AAC;
# "mov" already covers .m4a.
AUDIO_DEMUXER_WHITELIST = ",".join((*ALLOWED_DEMUXERS, "wav", "w64", "mp3", "flac", "aac"))
OPEN_OPTIONS = {"format_whitelist": DEMUXER_WHITELIST, "protocol_whitelist": "file"}

# How many packets we read at most when looking for a first frame / the end of the file.
_MAX_PACKETS = 600
# The tail check seeks this far before the advertised end and expects packets within
# _TAIL_SLACK of the end.
_TAIL_SEEK = 1.0
_TAIL_SLACK = 1.5


def probe(path: str | os.PathLike[str]) -> ProbeResult:
    """Describe the upload at ``path``; raise ``ProbeError`` if it is not a usable video."""
    file = Path(os.path.abspath(path))
    try:
        if not file.is_file():
            raise ProbeError("missing", detail=str(file))
        size = file.stat().st_size
    except OSError as exc:
        raise ProbeError("missing", detail=str(exc)) from exc
    if size == 0:
        raise ProbeError("empty")
    looks_like_video = sniff_container(file)
    try:
        container = av.open(str(file), options=OPEN_OPTIONS)
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        raise ProbeError("truncated" if looks_like_video else "not_video", detail=str(exc)) from exc
    with container:
        return _inspect(container, file, size)


def sniff_container(path: Path) -> bool:
    """True if the first bytes look like a video container we accept (by magic numbers)."""
    with path.open("rb") as fh:
        head = fh.read(512)
    if len(head) >= 8 and head[4:8] in {b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip"}:
        return True  # ISO BMFF / QuickTime
    if head.startswith((b"\x1a\x45\xdf\xa3", b"OggS", b"FLV", b"\x00\x00\x01\xba")):
        return True  # Matroska/WebM, Ogg, FLV, MPEG program stream
    if head.startswith(b"RIFF") and head[8:11] == b"AVI":
        return True
    if head.startswith((b"\x30\x26\xb2\x75", b"\x06\x0e\x2b\x34")):
        return True  # ASF, MXF
    # MPEG-TS (188-byte packets) or M2TS (192-byte packets with a 4-byte prefix)
    return (len(head) > 376 and head[0] == head[188] == head[376] == 0x47) or (
        len(head) > 388 and head[4] == head[196] == head[388] == 0x47
    )


def _inspect(container: av.container.InputContainer, file: Path, size: int) -> ProbeResult:
    video = _pick_video_stream(container)
    if video is None:
        raise ProbeError("no_video")
    duration = _header_duration(container, video)
    frame = _first_frame(container, video)
    if duration is None:
        duration = _scan_duration(container)
    else:
        _check_tail(container, duration)

    rotation = int(getattr(frame, "rotation", 0) or 0)
    width, height = frame.width, frame.height
    sar = video.sample_aspect_ratio
    if sar and sar > 0 and sar != 1:
        width = max(2, round(width * sar / 2) * 2)
    if abs(rotation) % 180 == 90:
        width, height = height, width

    rate = video.average_rate or video.guessed_rate or video.base_rate
    rate = Fraction(rate) if rate else Fraction(25)
    audio = tuple(
        AudioTrack(
            index=s.index,
            codec=s.codec_context.name,
            channels=s.codec_context.channels,
            language=_language(s.metadata.get("language")),
            title=str(s.metadata.get("title") or "")[:80],
            role=_audio_role(s),
        )
        for s in container.streams.audio
    )
    return ProbeResult(
        path=file,
        duration=duration,
        width=width,
        height=height,
        frame_rate=float(rate),
        frame_rate_fraction=f"{rate.numerator}/{rate.denominator}",
        video_codec=video.codec_context.name,
        audio_tracks=audio,
        container_format=container.format.name,
        size_bytes=size,
        video_stream_index=video.index,
        rotation=rotation,
    )


def _pick_video_stream(container: av.container.InputContainer) -> av.VideoStream | None:
    """The main picture: skip cover art, prefer the default stream, then the largest."""
    candidates = [
        s
        for s in container.streams.video
        if not (s.disposition & av.stream.Disposition.attached_pic) and s.codec_context is not None
    ]
    if not candidates:
        return None
    return max(
        candidates,
        key=lambda s: (
            bool(s.disposition & av.stream.Disposition.default),
            (s.codec_context.width or 0) * (s.codec_context.height or 0),
        ),
    )


def _header_duration(container: av.container.InputContainer, video: av.VideoStream) -> float | None:
    if container.duration and container.duration > 0:
        return container.duration / av.time_base
    if video.duration and video.time_base:
        return float(video.duration * video.time_base)
    return None  # e.g. WebM recorded in a browser, Matroska written to a pipe


def _scan_duration(container: av.container.InputContainer) -> float:
    """Read every packet (no decoding) to find where the file ends; used without a header.

    Such files usually come from recorders that never went back to write a header, so a
    cut-short one is indistinguishable from a shorter recording.
    """
    start = (container.start_time or 0) / av.time_base
    end: float | None = None
    try:
        for packet in container.demux():
            ts = packet.pts if packet.pts is not None else packet.dts
            if ts is not None and packet.size:
                t = float((ts + (packet.duration or 0)) * packet.time_base)
                end = t if end is None else max(end, t)
    except av.error.FFmpegError:
        pass  # damaged tail: keep what could be read
    if end is None or end <= start:
        raise ProbeError("corrupt", detail="no timestamps to measure the duration")
    return end - start


def _first_frame(container: av.container.InputContainer, video: av.VideoStream) -> av.VideoFrame:
    """Decode frames until the first picture comes out (the decoder may need a few)."""
    try:
        for count, packet in enumerate(container.demux(video)):
            frames = packet.decode()
            if frames:
                return frames[0]
            if count >= _MAX_PACKETS:
                break
    except av.error.FFmpegError as exc:
        raise ProbeError("corrupt", detail=f"decoding the first frame: {exc}") from exc
    raise ProbeError("corrupt", detail="no video frame could be decoded")


def _check_tail(container: av.container.InputContainer, duration: float) -> None:
    """Raise ``truncated`` unless packets exist close to the advertised end of the file.

    Only demuxes (no decoding), so it stays cheap for long films.
    """
    start = (container.start_time or 0) / av.time_base
    end = start + duration
    target = max(start, end - _TAIL_SEEK)
    latest: float | None = None
    try:
        container.seek(int(target * av.time_base), backward=True, any_frame=True)
        for count, packet in enumerate(container.demux()):
            ts = packet.pts if packet.pts is not None else packet.dts
            if ts is not None and packet.size:
                t = float(ts * packet.time_base)
                latest = t if latest is None else max(latest, t)
                if latest >= end - _TAIL_SLACK:
                    return
            if count >= _MAX_PACKETS:
                break
    except av.error.FFmpegError as exc:
        raise ProbeError("truncated", detail=f"reading near the end: {exc}") from exc
    found = "no packets" if latest is None else f"last packet at {latest:.3f}s"
    raise ProbeError("truncated", detail=f"{found} near the end; header says {end:.3f}s")


def _audio_role(stream: object) -> str:
    """What the container says an audio stream is for (its disposition flags)."""
    flags = getattr(stream, "disposition", None)
    if flags is None:
        return ""
    names = {
        "visual_impaired": "description",
        "descriptions": "description",
        "comment": "commentary",
        "dub": "dub",
    }
    for flag, role in names.items():
        member = getattr(type(flags), flag, None)
        if member is not None and flags & member:
            return role
    return ""


def _language(value: str | None) -> str | None:
    if not value or value.lower() in {"und", "unknown", "none"}:
        return None
    return value


def probe_audio(path: str | os.PathLike[str]) -> tuple[float, tuple[AudioTrack, ...]]:
    """Duration and audio streams of a separate audio file; ``ProbeError`` if it has none.

    Every packet is read (no decoding), which also catches a file cut short.
    """
    file = Path(os.path.abspath(path))
    if not file.is_file():
        raise ProbeError("missing", detail=str(file))
    if file.stat().st_size == 0:
        raise ProbeError("empty")
    options = {**OPEN_OPTIONS, "format_whitelist": AUDIO_DEMUXER_WHITELIST}
    try:
        container = av.open(str(file), options=options)
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        raise ProbeError("not_audio", detail=str(exc)) from exc
    with container:
        tracks = tuple(
            AudioTrack(
                index=s.index,
                codec=s.codec_context.name,
                channels=s.codec_context.channels,
                language=_language(s.metadata.get("language")),
                title=str(s.metadata.get("title") or "")[:80],
                role=_audio_role(s),
            )
            for s in container.streams.audio
        )
        if not tracks:
            raise ProbeError("not_audio", detail="no audio stream")
        duration = _scan_duration(container)
    return duration, tracks
