"""Value types, the transcoder protocol and error types shared by the media adapter.

Nothing in here touches FFmpeg; the rest of the application can import these types
without pulling in PyAV or the FFmpeg binary.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

ProgressCallback = Callable[[float], None]
"""Called with the share of the job done so far, 0..100, never decreasing."""

CancelCheck = Callable[[], bool]
"""Polled a few times a second while FFmpeg runs; returning True stops the job."""


def N_(message: str) -> str:
    """Mark a message for translation without translating it here.

    The UI translates by ``MediaError.code`` (or by this English text); Babel's default
    extraction keywords include ``N_`` so these strings land in the catalogue.
    """
    return message


# Messages a filmmaker sees, keyed by error code. Plain English, translated by the UI.
MESSAGES: dict[str, str] = {
    "missing": N_("The uploaded file could not be found. Please upload it again."),
    "empty": N_("This file is empty."),
    "not_video": N_("This file is not a video we can read."),
    "no_video": N_("No video stream found in this file."),
    "not_audio": N_("This file is not an audio file we can read."),
    "unsupported_codec": N_("This video uses a format we cannot decode."),
    "truncated": N_("The video could not be decoded; the file may be incomplete or damaged."),
    "corrupt": N_("The video could not be decoded; the file may be incomplete or damaged."),
    "ffmpeg_missing": N_("Video processing is not available right now. Please try again later."),
    "ffmpeg_failed": N_("The video could not be converted for streaming."),
    "timeout": N_("Converting the video took too long and was stopped."),
    "cancelled": N_("Converting the video was cancelled."),
    "no_frame": N_("No picture could be taken from the video at that time."),
}


class MediaError(Exception):
    """Base error. ``code`` is stable (translate by it); ``message`` is user-facing English.

    ``detail`` carries technical context for logs (e.g. FFmpeg's last stderr lines) and is
    never meant to be shown to filmmakers.
    """

    def __init__(self, code: str, message: str | None = None, detail: str = "") -> None:
        self.code = code
        self.message = message if message is not None else MESSAGES.get(code, code)
        self.detail = detail
        super().__init__(code, self.message)

    def __str__(self) -> str:
        if self.detail:
            return f"{self.message} [{self.code}]\n{self.detail}"
        return f"{self.message} [{self.code}]"


class ProbeError(MediaError):
    """The upload is not a usable video (empty, not a video, no picture, damaged...)."""


class TranscodeError(MediaError):
    """FFmpeg could not produce the HLS renditions; ``detail`` holds its last stderr lines."""


class TranscodeCancelled(TranscodeError):
    """The job was stopped by ``should_cancel`` (code ``cancelled``) or a timeout (``timeout``)."""


@dataclass(frozen=True)
class AudioTrack:
    """One audio stream of the source."""

    index: int  # absolute stream index in the container
    codec: str
    channels: int
    language: str | None  # ISO 639 code from the container, None when absent or "und"
    title: str = ""  # the container's title (or handler name) of the stream, if any
    role: str = ""  # from the stream's disposition: "description", "commentary", "dub" or ""


@dataclass(frozen=True)
class ProbeResult:
    """What we learnt about an upload. ``width``/``height`` are display dimensions.

    Display dimensions account for rotation metadata (phone footage) and non-square
    pixels, i.e. they describe the picture the viewer sees and what FFmpeg will output.
    """

    path: Path
    duration: float  # seconds
    width: int
    height: int
    frame_rate: float
    frame_rate_fraction: str  # e.g. "24000/1001"
    video_codec: str
    audio_tracks: tuple[AudioTrack, ...]
    container_format: str  # FFmpeg demuxer name, e.g. "matroska,webm"
    size_bytes: int
    video_stream_index: int  # absolute stream index of the chosen video stream
    rotation: int = 0  # degrees, as found in the display matrix

    @property
    def has_audio(self) -> bool:
        return bool(self.audio_tracks)


@dataclass(frozen=True)
class Rendition:
    """One rung of the ladder to encode: output size and target bitrates."""

    name: str  # also the sub-directory name, e.g. "720p"
    width: int
    height: int
    video_kbps: int
    audio_kbps: int


@dataclass(frozen=True)
class RenditionOutput:
    """One written rendition. Paths are relative to the output directory."""

    name: str
    width: int
    height: int
    bandwidth: int  # peak bits per second, as advertised in the master playlist
    playlist: str  # e.g. "720p/index.m3u8"
    segment_count: int
    segments: tuple[str, ...]  # e.g. ("720p/seg_00000.ts", ...)
    segment_durations: tuple[float, ...]


@dataclass(frozen=True)
class TranscodeResult:
    """The HLS package written to the output directory."""

    master_playlist: str  # relative to the output directory, "master.m3u8"
    renditions: tuple[RenditionOutput, ...]
    duration: float  # seconds, sum of the first rendition's segment durations


class Transcoder(Protocol):
    """What the job layer needs from a transcoder (the FFmpeg one is ``HlsTranscoder``)."""

    def transcode(
        self,
        source_path: str | Path,
        out_dir: str | Path,
        renditions: Sequence[Rendition],
        on_progress: ProgressCallback | None = None,
        *,
        should_cancel: CancelCheck | None = None,
        probe_result: ProbeResult | None = None,
    ) -> TranscodeResult: ...

    def extract_poster_frame(
        self, source: str | Path, out_path: str | Path, at_seconds: float
    ) -> Path: ...
