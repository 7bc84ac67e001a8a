"""Titles and what describes them: facets for filtering, credits, subtitles and images."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .accounts import Studio
from .base import Base, TimestampMixin, str_enum, utcnow


class TitleStatus(enum.StrEnum):
    DRAFT = "draft"
    PROCESSING = "processing"
    READY = "ready"
    PUBLISHED = "published"
    UNLISTED = "unlisted"
    REMOVED = "removed"
    FAILED = "failed"


class Title(TimestampMixin, Base):
    __tablename__ = "titles"

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id"), index=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    original_name: Mapped[str] = mapped_column(sa.String(200), default="")
    # The language name, tagline and synopsis above are written in (ISO 639-1, "" if unsaid);
    # other languages live in TitleText rows and fall back to these.
    text_language: Mapped[str] = mapped_column(sa.String(12), default="")
    tagline: Mapped[str] = mapped_column(sa.String(255), default="")
    synopsis: Mapped[str] = mapped_column(sa.Text, default="")
    year: Mapped[int | None]
    runtime_seconds: Mapped[int | None]
    content_advisory: Mapped[str] = mapped_column(sa.String(255), default="")
    festival_selections: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    status: Mapped[TitleStatus] = mapped_column(
        str_enum(TitleStatus), default=TitleStatus.DRAFT, index=True
    )
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    # Rental terms offered to viewers before they pay; copied onto each order.
    rental_start_days: Mapped[int] = mapped_column(default=30)
    rental_watch_hours: Mapped[int] = mapped_column(default=48)
    # Pre-orders: before `release_at` viewers may pay for the offer that applies from then.
    release_at: Mapped[datetime | None]
    preorders: Mapped[bool] = mapped_column(default=False)

    studio: Mapped[Studio] = relationship()
    facets: Mapped[list[TitleFacet]] = relationship(
        back_populates="title", cascade="all, delete-orphan"
    )
    credits: Mapped[list[TitleCredit]] = relationship(
        back_populates="title", cascade="all, delete-orphan", order_by="TitleCredit.position"
    )


class FacetKind(enum.StrEnum):
    GENRE = "genre"
    LANGUAGE = "language"  # spoken language, ISO 639-1
    COUNTRY = "country"  # country of production, ISO 3166-1 alpha-2


class TitleFacet(Base):
    """One filterable value of a title (a genre, a spoken language, a production country)."""

    __tablename__ = "title_facets"
    __table_args__ = (
        sa.UniqueConstraint("title_id", "kind", "value"),
        sa.Index("ix_title_facets_kind_value", "kind", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(sa.ForeignKey("titles.id", ondelete="CASCADE"))
    kind: Mapped[FacetKind] = mapped_column(str_enum(FacetKind))
    value: Mapped[str] = mapped_column(sa.String(40))

    title: Mapped[Title] = relationship(back_populates="facets")


class CreditRole(enum.StrEnum):
    DIRECTOR = "director"
    CAST = "cast"
    PRODUCER = "producer"
    CO_PRODUCER = "co_producer"
    WRITER = "writer"


class TitleCredit(Base):
    __tablename__ = "title_credits"

    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(
        sa.ForeignKey("titles.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[CreditRole] = mapped_column(str_enum(CreditRole))
    name: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[int] = mapped_column(default=0)

    title: Mapped[Title] = relationship(back_populates="credits")


class SubtitleKind(enum.StrEnum):
    SUBTITLES = "subtitles"  # dialogue only, for viewers who do not speak the language
    CAPTIONS = "captions"  # closed captions / SDH: dialogue and sounds, for deaf viewers
    FORCED = "forced"  # forced narratives: only foreign dialogue and on-screen text


class SubtitleTrack(Base):
    __tablename__ = "subtitle_tracks"
    __table_args__ = (sa.UniqueConstraint("title_id", "language", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(
        sa.ForeignKey("titles.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(sa.String(12))
    label: Mapped[str] = mapped_column(sa.String(80))
    kind: Mapped[SubtitleKind] = mapped_column(
        str_enum(SubtitleKind), default=SubtitleKind.SUBTITLES
    )
    storage_key: Mapped[str] = mapped_column(sa.String(512))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ImageKind(enum.StrEnum):
    POSTER = "poster"
    STILL = "still"


class ImageStatus(enum.StrEnum):
    PROCESSING = "processing"  # the original is stored; the worker makes the sizes
    READY = "ready"
    FAILED = "failed"


class TitleImage(Base):
    """A poster or still, resized to the sizes the pages use (size name -> storage key)."""

    __tablename__ = "title_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(
        sa.ForeignKey("titles.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ImageKind] = mapped_column(str_enum(ImageKind))
    keys: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    width: Mapped[int]
    height: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)
    status: Mapped[ImageStatus] = mapped_column(str_enum(ImageStatus), default=ImageStatus.READY)
    source_key: Mapped[str | None] = mapped_column(sa.String(512))  # until the sizes exist
    error: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
