"""Read where an MPEG-TS segment's video starts, in the 90 kHz clock of its PTS.

FFmpeg's MPEG-TS muxer starts its timestamps at about 1.4 s (its mux delay) plus the
encoder's reordering delay, so a film's first frame is not at PTS 0. WebVTT subtitles for HLS
say where their zero is with ``X-TIMESTAMP-MAP=MPEGTS:<pts>,LOCAL:00:00:00.000``; the value
is the PTS of the first video frame, read here from the first transport-stream packets.

Plain byte parsing (ISO/IEC 13818-1): the programme map table names the video PID, and the
first PES packet on it that starts a unit carries the PTS.
"""

from __future__ import annotations

from typing import BinaryIO

PACKET = 188
SYNC = 0x47
# Stream types of video elementary streams: MPEG-1/2, MPEG-4 part 2, H.264, H.265.
VIDEO_STREAM_TYPES = frozenset({0x01, 0x02, 0x10, 0x1B, 0x24})
READ_LIMIT = 512 * 1024  # the first video PES is within the first few packets in practice


def _payload(packet: bytes) -> bytes | None:
    """The packet's payload (after any adaptation field), or None when it has none."""
    control = (packet[3] >> 4) & 0x3
    if control in (0, 2):
        return None
    start = 4
    if control == 3:
        start += 1 + packet[4]
    return packet[start:] if start < PACKET else None


def _section(payload: bytes) -> bytes:
    """A PSI section at the start of a unit: skip the pointer field."""
    return payload[1 + payload[0] :]


def _pmt_pids(pat: bytes) -> list[int]:
    section = _section(pat)
    length = ((section[1] & 0x0F) << 8) | section[2]
    entries = section[8 : 3 + length - 4]  # after the header, before the CRC
    pids = []
    for i in range(0, len(entries) - 3, 4):
        program = (entries[i] << 8) | entries[i + 1]
        if program != 0:  # programme 0 is the network information table
            pids.append(((entries[i + 2] & 0x1F) << 8) | entries[i + 3])
    return pids


def _video_pid(pmt: bytes) -> int | None:
    section = _section(pmt)
    length = ((section[1] & 0x0F) << 8) | section[2]
    info_length = ((section[10] & 0x0F) << 8) | section[11]
    i = 12 + info_length
    end = 3 + length - 4
    while i + 5 <= end:
        stream_type = section[i]
        pid = ((section[i + 1] & 0x1F) << 8) | section[i + 2]
        if stream_type in VIDEO_STREAM_TYPES:
            return pid
        i += 5 + (((section[i + 3] & 0x0F) << 8) | section[i + 4])
    return None


def _pes_pts(payload: bytes) -> int | None:
    if len(payload) < 14 or payload[:3] != b"\x00\x00\x01" or not payload[7] & 0x80:
        return None
    p = payload[9:14]
    return ((p[0] >> 1) & 0x07) << 30 | p[1] << 22 | (p[2] >> 1) << 15 | p[3] << 7 | p[4] >> 1


def first_video_pts(stream: BinaryIO, limit: int = READ_LIMIT) -> int | None:
    """The PTS (90 kHz ticks) of the first video frame in a transport stream, or None when
    the bytes are not MPEG-TS or hold no video PES within ``limit`` bytes."""
    data = stream.read(limit)
    pmt_pids: list[int] = []
    video_pid: int | None = None
    for offset in range(0, len(data) - PACKET + 1, PACKET):
        packet = data[offset : offset + PACKET]
        if packet[0] != SYNC:
            return None
        unit_start = bool(packet[1] & 0x40)
        pid = ((packet[1] & 0x1F) << 8) | packet[2]
        payload = _payload(packet)
        if payload is None or not unit_start:
            continue
        try:
            if pid == 0:
                pmt_pids = _pmt_pids(payload)
            elif pid in pmt_pids and video_pid is None:
                video_pid = _video_pid(payload)
            elif pid == video_pid:
                return _pes_pts(payload)
        except IndexError:
            return None  # a section cut short: not a stream we can read
    return None
