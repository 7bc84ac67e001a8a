"""Uploaded media and the state of its pipeline: upload sessions, probe results, renditions."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, TimestampMixin, str_enum


class AssetKind(enum.StrEnum):
    FEATURE = "feature"
    TRAILER = "trailer"
    AUDIO = "audio"  # a separate audio track of the film (a dub, audio description)


class AssetStatus(enum.StrEnum):
    UPLOADING = "uploading"
    UPLOADED = "uploaded"
    PROBING = "probing"
    TRANSCODING = "transcoding"
    READY = "ready"
    FAILED = "failed"
    SUPERSEDED = "superseded"


class MediaAsset(TimestampMixin, Base):
    """One uploaded video file of a title, and what the pipeline learnt and made from it."""

    __tablename__ = "media_assets"

    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(
        sa.ForeignKey("titles.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[AssetKind] = mapped_column(str_enum(AssetKind))
    status: Mapped[AssetStatus] = mapped_column(
        str_enum(AssetStatus), default=AssetStatus.UPLOADING
    )
    original_filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100), default="application/octet-stream")
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger)
    source_key: Mapped[str] = mapped_column(sa.String(512))
    # Probe results.
    duration_ms: Mapped[int | None] = mapped_column(sa.BigInteger)
    width: Mapped[int | None]
    height: Mapped[int | None]
    frame_rate: Mapped[str | None] = mapped_column(sa.String(20))
    video_codec: Mapped[str | None] = mapped_column(sa.String(40))
    audio_tracks: Mapped[list[dict[str, object]]] = mapped_column(sa.JSON, default=list)
    # Pipeline outcome.
    hls_master_key: Mapped[str | None] = mapped_column(sa.String(512))
    progress: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    error_code: Mapped[str | None] = mapped_column(sa.String(40))
    error: Mapped[str | None] = mapped_column(sa.Text)

    renditions: Mapped[list[Rendition]] = relationship(
        back_populates="asset", cascade="all, delete-orphan", order_by="Rendition.height"
    )


class UploadStatus(enum.StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    ABORTED = "aborted"
    LOST = "lost"  # storage dropped the unfinished upload (restart, sweep, lifecycle rule)


class UploadSession(TimestampMixin, Base):
    """A resumable multipart upload from a browser straight to storage."""

    __tablename__ = "upload_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    asset_id: Mapped[int] = mapped_column(
        sa.ForeignKey("media_assets.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    storage_upload_id: Mapped[str] = mapped_column(sa.String(1024))
    storage_key: Mapped[str] = mapped_column(sa.String(512))
    declared_size: Mapped[int] = mapped_column(sa.BigInteger)
    part_size: Mapped[int] = mapped_column(sa.BigInteger)
    part_count: Mapped[int]
    status: Mapped[UploadStatus] = mapped_column(
        str_enum(UploadStatus), default=UploadStatus.ACTIVE, index=True
    )
    completed_at: Mapped[datetime | None]

    asset: Mapped[MediaAsset] = relationship()


class Rendition(TimestampMixin, Base):
    """One rung of the HLS ladder of an asset, with its own status for the studio to watch."""

    __tablename__ = "renditions"
    __table_args__ = (sa.UniqueConstraint("asset_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(sa.ForeignKey("media_assets.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(20))
    width: Mapped[int]
    height: Mapped[int]
    bandwidth: Mapped[int]
    status: Mapped[AssetStatus] = mapped_column(
        str_enum(AssetStatus), default=AssetStatus.TRANSCODING
    )
    progress: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(sa.Text)
    playlist_key: Mapped[str | None] = mapped_column(sa.String(512))
    segment_count: Mapped[int] = mapped_column(default=0)

    asset: Mapped[MediaAsset] = relationship(back_populates="renditions")
