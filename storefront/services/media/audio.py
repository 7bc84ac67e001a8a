"""Audio tracks of a title's film: found in the uploaded source, labelled by the studio,
transcoded into alternate HLS audio renditions (the first track stays in the video)."""

from __future__ import annotations

import sqlalchemy as sa

from ...models import AssetStatus, AudioTrack


def titles_with_audio_in(language: str) -> sa.Select[tuple[int]]:
    """Title ids with a playable audio track in ``language`` (for the catalogue's filter)."""
    return sa.select(AudioTrack.title_id).where(
        AudioTrack.language == language,
        sa.or_(AudioTrack.muxed.is_(True), AudioTrack.status == AssetStatus.READY),
    )
