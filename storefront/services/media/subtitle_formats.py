"""Strict SRT and WebVTT parsing, and WebVTT output.

Players only read WebVTT, so SRT is converted. A file that does not parse is refused with
the line number of the first problem, so the filmmaker can fix it in any text editor.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

SRT_TIME = r"(\d{1,3}):([0-5]\d):([0-5]\d)[,.](\d{3})"
SRT_TIMING = re.compile(rf"{SRT_TIME}[ \t]*-->[ \t]*{SRT_TIME}(?:[ \t].*)?")
VTT_TIME = r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
VTT_TIMING = re.compile(rf"{VTT_TIME}[ \t]+-->[ \t]+{VTT_TIME}(?:[ \t]+(.*))?")
VTT_SIGNATURE = re.compile(r"WEBVTT(?:[ \t].*)?")
SRT_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z]+)[^>]*>")
ASS_OVERRIDE = re.compile(r"\{\\[^}]*\}")
KEPT_TAGS = frozenset({"i", "b", "u"})


class SubtitleFormatError(ValueError):
    """The file does not parse; `line` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(_("Line %(line)d: %(problem)s", line=line, problem=message))
        self.line = line


@dataclass
class Cue:
    start_ms: int
    end_ms: int
    lines: list[str]
    identifier: str | None = None
    settings: str = ""


@dataclass
class Track:
    cues: list[Cue] = field(default_factory=list)
    header_blocks: list[list[str]] = field(default_factory=list)  # WebVTT STYLE/REGION


def decode(data: bytes) -> str:
    """UTF-8 (or UTF-16 with a byte-order mark) text with newlines normalised."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding, body = "utf-16", data
    else:
        encoding, body = "utf-8", data.removeprefix(codecs.BOM_UTF8)
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        raise SubtitleFormatError(
            line, _("the text is not UTF-8. Save the file as UTF-8 and try again.")
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _ms(hours: str | None, minutes: str, seconds: str, millis: str) -> int:
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(millis)


def _blocks(lines: list[str], start: int) -> list[tuple[int, list[str]]]:
    """Runs of non-blank lines with the 0-based index of their first line."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    first = start
    for index in range(start, len(lines)):
        if lines[index].strip():
            if not current:
                first = index
            current.append(lines[index])
        elif current:
            blocks.append((first, current))
            current = []
    if current:
        blocks.append((first, current))
    return blocks


def _check_order(start: int, end: int, line: int) -> None:
    if end < start:
        raise SubtitleFormatError(line, _("the cue ends before it starts."))


def parse_srt(text: str) -> Track:
    track = Track()
    lines = text.split("\n")
    for first, block in _blocks(lines, 0):
        offset = 0
        if block[0].strip().isdigit():
            offset = 1
        elif not SRT_TIMING.fullmatch(block[0].strip()):
            raise SubtitleFormatError(first + 1, _("expected a cue number."))
        if offset >= len(block):
            raise SubtitleFormatError(
                first + 2, _("expected a time range like 00:01:02,500 --> 00:01:04,000.")
            )
        timing = SRT_TIMING.fullmatch(block[offset].strip())
        if timing is None:
            raise SubtitleFormatError(
                first + offset + 1,
                _("expected a time range like 00:01:02,500 --> 00:01:04,000."),
            )
        start, end = _ms(*timing.groups()[:4]), _ms(*timing.groups()[4:8])
        _check_order(start, end, first + offset + 1)
        text_lines = block[offset + 1 :]
        for index, line in enumerate(text_lines):
            if SRT_TIMING.fullmatch(line.strip()):
                raise SubtitleFormatError(
                    first + offset + index + 2, _("a blank line is missing before this cue.")
                )
        if text_lines:
            track.cues.append(Cue(start, end, [srt_line_to_vtt(line) for line in text_lines]))
    if not track.cues:
        raise SubtitleFormatError(1, _("the file has no subtitles in it."))
    return track


def parse_vtt(text: str) -> Track:
    track = Track()
    lines = text.split("\n")
    if not VTT_SIGNATURE.fullmatch(lines[0]):
        raise SubtitleFormatError(1, _('a WebVTT file must start with "WEBVTT".'))
    header_end = next((i for i, line in enumerate(lines) if not line.strip()), len(lines))
    for first, block in _blocks(lines, header_end):
        head = block[0].strip()
        if head == "NOTE" or head.startswith(("NOTE ", "NOTE\t")):
            continue
        if head in ("STYLE", "REGION"):
            if not track.cues:  # only allowed before the first cue
                track.header_blocks.append(block)
            continue
        offset = 0 if "-->" in head else 1
        if offset >= len(block) or "-->" not in block[offset]:
            raise SubtitleFormatError(
                first + 1 + offset, _("expected a time range like 00:01:02.500 --> 00:01:04.000.")
            )
        timing = VTT_TIMING.fullmatch(block[offset].strip())
        if timing is None:
            raise SubtitleFormatError(
                first + 1 + offset, _("expected a time range like 00:01:02.500 --> 00:01:04.000.")
            )
        groups = timing.groups()
        start, end = _ms(*groups[:4]), _ms(*groups[4:8])
        _check_order(start, end, first + 1 + offset)
        payload = block[offset + 1 :]
        for index, line in enumerate(payload):
            if "-->" in line:
                raise SubtitleFormatError(
                    first + offset + index + 2, _("a blank line is missing before this cue.")
                )
        if payload:
            identifier = head if offset else None
            track.cues.append(Cue(start, end, payload, identifier, (groups[8] or "").strip()))
    if not track.cues:
        raise SubtitleFormatError(len(lines), _("the file has no subtitles in it."))
    return track


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def srt_line_to_vtt(line: str) -> str:
    """Keep <i>, <b>, <u>; drop other tags (<font>) and {\\an8}-style overrides; escape."""
    line = ASS_OVERRIDE.sub("", line)
    out: list[str] = []
    position = 0
    for match in SRT_TAG.finditer(line):
        out.append(_escape(line[position : match.start()]))
        name = match.group(2).lower()
        if name in KEPT_TAGS:
            out.append(f"<{match.group(1)}{name}>")
        position = match.end()
    out.append(_escape(line[position:]))
    return "".join(out).rstrip()


def _timestamp(ms: int) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def read_track(data: bytes, filename: str = "") -> Track:
    """Parse SRT or WebVTT bytes; raises SubtitleFormatError."""
    text = decode(data)
    is_vtt = text.startswith("WEBVTT") or filename.lower().endswith(".vtt")
    return parse_vtt(text) if is_vtt else parse_srt(text)


def to_webvtt(data: bytes, filename: str = "") -> str:
    """Parse SRT or WebVTT bytes and write clean WebVTT; raises SubtitleFormatError."""
    return write_webvtt(read_track(data, filename))


def clock(ms: int) -> str:
    """A time as HH:MM:SS, for messages."""
    return _timestamp(ms)[:8]


def write_webvtt(track: Track) -> str:
    out = ["WEBVTT", ""]
    for block in track.header_blocks:
        out.extend([*block, ""])
    for cue in track.cues:
        if cue.identifier:
            out.append(cue.identifier)
        timing = f"{_timestamp(cue.start_ms)} --> {_timestamp(cue.end_ms)}"
        out.append(f"{timing} {cue.settings}" if cue.settings else timing)
        out.extend([*cue.lines, ""])
    return "\n".join(out)
