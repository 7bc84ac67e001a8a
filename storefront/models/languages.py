"""What makes a title speak many languages: its texts per language and its audio tracks."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, TimestampMixin, str_enum
from .media import AssetStatus


class TitleText(TimestampMixin, Base):
    """The title, tagline and synopsis of a title in one language (ISO 639-1)."""

    __tablename__ = "title_texts"
    __table_args__ = (sa.UniqueConstraint("title_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(
        sa.ForeignKey("titles.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(sa.String(12))
    name: Mapped[str] = mapped_column(sa.String(200))
    tagline: Mapped[str] = mapped_column(sa.String(255), default="")
    synopsis: Mapped[str] = mapped_column(sa.Text, default="")


class AudioKind(enum.StrEnum):
    MAIN = "main"  # the film's own soundtrack
    DUBBED = "dubbed"  # dialogue replaced in another language
    COMMENTARY = "commentary"
    DESCRIPTION = "description"  # audio description for blind and partially sighted viewers


class AudioTrack(TimestampMixin, Base):
    """One audio track of a title's film: taken from the uploaded source (``stream_index``),
    labelled by the studio with its language and kind.

    The first track of the source stays muxed into every video rendition (``muxed``); each
    other track is transcoded once into its own audio-only HLS playlist (``playlist_key``),
    which the master playlist offers as an alternate ``EXT-X-MEDIA TYPE=AUDIO`` rendition.
    """

    __tablename__ = "audio_tracks"
    __table_args__ = (sa.UniqueConstraint("asset_id", "stream_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(
        sa.ForeignKey("titles.id", ondelete="CASCADE"), index=True
    )
    asset_id: Mapped[int] = mapped_column(
        sa.ForeignKey("media_assets.id", ondelete="CASCADE"), index=True
    )
    stream_index: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)
    language: Mapped[str] = mapped_column(sa.String(12), default="")
    kind: Mapped[AudioKind] = mapped_column(str_enum(AudioKind), default=AudioKind.MAIN)
    label: Mapped[str] = mapped_column(sa.String(80), default="")
    muxed: Mapped[bool] = mapped_column(default=False)
    status: Mapped[AssetStatus] = mapped_column(str_enum(AssetStatus), default=AssetStatus.UPLOADED)
    playlist_key: Mapped[str | None] = mapped_column(sa.String(512))
    error: Mapped[str | None] = mapped_column(sa.String(255))
