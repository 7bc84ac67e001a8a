"""Where a viewer stopped in a title, saved by the player every few seconds."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ...extensions import db
from ...models import WatchProgress


def save_progress(
    user_id: int, title_id: int, position: int, duration: int | None, at: datetime
) -> None:
    progress = db.session.scalar(
        sa.select(WatchProgress).where(
            WatchProgress.user_id == user_id, WatchProgress.title_id == title_id
        )
    )
    if progress is None:
        progress = WatchProgress(user_id=user_id, title_id=title_id)
        try:
            with db.session.begin_nested():
                db.session.add(progress)
        except sa.exc.IntegrityError:  # another tab saved first: update that row instead
            progress = db.session.scalar(
                sa.select(WatchProgress).where(
                    WatchProgress.user_id == user_id, WatchProgress.title_id == title_id
                )
            )
            assert progress is not None
    progress.position_seconds = max(0, position)
    if duration:
        progress.duration_seconds = duration
    progress.updated_at = at


def resume_position(user_id: int, title_id: int) -> int:
    """Where to start: the saved position, unless the film was (nearly) finished."""
    row = db.session.execute(
        sa.select(WatchProgress.position_seconds, WatchProgress.duration_seconds).where(
            WatchProgress.user_id == user_id, WatchProgress.title_id == title_id
        )
    ).first()
    if row is None:
        return 0
    position, duration = row
    if duration and position >= duration - min(10, duration * 0.05):
        return 0  # finished (the credits were rolling): start again from the beginning
    return int(position)
