"""Festivals: organisers (a kind of studio) with a programme of other studios' titles, shown in
screenings with windows, territories, ticket prices and seat caps, and sold singly or by pass."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .accounts import Studio, User
from .base import Base, TimestampMixin, str_enum, utcnow
from .catalog import ImageStatus, Title
from .commerce import TerritoryMode

# Territory rows are kept as plain data on the screening or pass, in the shape of an offer's
# territory rows: [{"country": "NO", "blocked": false, "amount": 9900, "currency": "NOK"}].
TerritoryRows = list[dict[str, object]]


class Festival(TimestampMixin, Base):
    """A festival edition, run by the members of its organiser studio."""

    __tablename__ = "festivals"
    __table_args__ = (
        sa.CheckConstraint("share_bp >= 0 AND share_bp <= 10000", name="share_in_range"),
        sa.CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(sa.ForeignKey("studios.id"), index=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")  # IANA name
    # The festival's part of the net of each ticket it sells, in basis points (3000 = 30 %).
    share_bp: Mapped[int] = mapped_column(default=0)
    published: Mapped[bool] = mapped_column(default=False)
    # Tickets and passes go on sale at this moment (UTC); None: as soon as it is published.
    sales_open_at: Mapped[datetime | None]

    studio: Mapped[Studio] = relationship()
    sections: Mapped[list[ProgrammeSection]] = relationship(
        back_populates="festival",
        cascade="all, delete-orphan",
        order_by="ProgrammeSection.position",
    )


class FestivalArtwork(Base):
    """The festival's key art, resized like a poster (size name -> storage key).

    The newest ready row is the one shown. A new upload waits as ``processing`` while the
    previous artwork stays on the page, and replaces it (files and all) once its sizes exist.
    """

    __tablename__ = "festival_artworks"

    id: Mapped[int] = mapped_column(primary_key=True)
    festival_id: Mapped[int] = mapped_column(
        sa.ForeignKey("festivals.id", ondelete="CASCADE"), index=True
    )
    keys: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    width: Mapped[int]
    height: Mapped[int]
    alt_text: Mapped[str] = mapped_column(sa.String(300), default="")
    status: Mapped[ImageStatus] = mapped_column(
        str_enum(ImageStatus), default=ImageStatus.PROCESSING
    )
    source_key: Mapped[str | None] = mapped_column(sa.String(512))  # until the sizes exist
    error: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProgrammeSection(Base):
    """A part of the programme: competition, shorts, retrospective..."""

    __tablename__ = "programme_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    festival_id: Mapped[int] = mapped_column(
        sa.ForeignKey("festivals.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    position: Mapped[int] = mapped_column(default=0)

    festival: Mapped[Festival] = relationship(back_populates="sections")


class SelectionStatus(enum.StrEnum):
    INVITED = "invited"
    ACCEPTED = "accepted"  # the filmmaker agreed to the share: screenings may be sold
    DECLINED = "declined"


class FestivalSelection(Base):
    """A title the festival invited, and the filmmaker's answer to the share it proposed."""

    __tablename__ = "festival_selections"
    __table_args__ = (sa.UniqueConstraint("festival_id", "title_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    festival_id: Mapped[int] = mapped_column(sa.ForeignKey("festivals.id", ondelete="CASCADE"))
    section_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("programme_sections.id", ondelete="SET NULL")
    )
    title_id: Mapped[int] = mapped_column(
        sa.ForeignKey("titles.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[SelectionStatus] = mapped_column(
        str_enum(SelectionStatus), default=SelectionStatus.INVITED
    )
    share_bp: Mapped[int]  # the share proposed, and agreed on acceptance
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    responded_at: Mapped[datetime | None]
    responded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    festival: Mapped[Festival] = relationship()
    section: Mapped[ProgrammeSection | None] = relationship()
    title: Mapped[Title] = relationship()


class Screening(Base):
    """One window in which a programmed title can be watched, where, at what price, by how many.

    ``seats_taken`` counts paid tickets, pass bookings and tickets held while their buyer pays;
    the CHECK makes overselling impossible whatever the code does.
    """

    __tablename__ = "screenings"
    __table_args__ = (
        sa.CheckConstraint("closes_at > opens_at", name="window_in_order"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint(
            "seats_taken >= 0 AND (capacity IS NULL OR seats_taken <= capacity)",
            name="seats_within_capacity",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    festival_id: Mapped[int] = mapped_column(
        sa.ForeignKey("festivals.id", ondelete="CASCADE"), index=True
    )
    selection_id: Mapped[int] = mapped_column(
        sa.ForeignKey("festival_selections.id", ondelete="CASCADE")
    )
    title_id: Mapped[int] = mapped_column(sa.ForeignKey("titles.id", ondelete="CASCADE"))
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    live_start_at: Mapped[datetime | None]  # a fixed start for everyone ("live" screening)
    watch_hours: Mapped[int] = mapped_column(default=24)
    territory_mode: Mapped[TerritoryMode] = mapped_column(
        str_enum(TerritoryMode), default=TerritoryMode.WORLDWIDE
    )
    territories: Mapped[TerritoryRows] = mapped_column(sa.JSON, default=list)
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    capacity: Mapped[int | None]
    seats_taken: Mapped[int] = mapped_column(default=0)

    festival: Mapped[Festival] = relationship()
    selection: Mapped[FestivalSelection] = relationship()
    title: Mapped[Title] = relationship()


class PassKind(enum.StrEnum):
    ALL_ACCESS = "all_access"
    FILMS = "films"  # good for a number of screenings


class FestivalPass(Base):
    """A pass the festival sells, priced per territory like a screening."""

    __tablename__ = "festival_passes"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("films IS NULL OR films > 0", name="films_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    festival_id: Mapped[int] = mapped_column(
        sa.ForeignKey("festivals.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[PassKind] = mapped_column(str_enum(PassKind))
    films: Mapped[int | None]
    territory_mode: Mapped[TerritoryMode] = mapped_column(
        str_enum(TerritoryMode), default=TerritoryMode.WORLDWIDE
    )
    territories: Mapped[TerritoryRows] = mapped_column(sa.JSON, default=list)
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    active: Mapped[bool] = mapped_column(default=True)

    festival: Mapped[Festival] = relationship()


class HoldingStatus(enum.StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"  # refunded or charged back


class PassHolding(Base):
    """A viewer's paid pass: how many screenings it allows and how many it has booked."""

    __tablename__ = "pass_holdings"
    __table_args__ = (
        sa.CheckConstraint(
            "films_used >= 0 AND (films_allowed IS NULL OR films_used <= films_allowed)",
            name="films_within_allowance",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pass_id: Mapped[int] = mapped_column(sa.ForeignKey("festival_passes.id"))
    festival_id: Mapped[int] = mapped_column(sa.ForeignKey("festivals.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id"), unique=True)
    films_allowed: Mapped[int | None]  # None: all access
    films_used: Mapped[int] = mapped_column(default=0)
    status: Mapped[HoldingStatus] = mapped_column(
        str_enum(HoldingStatus), default=HoldingStatus.ACTIVE
    )
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    festival_pass: Mapped[FestivalPass] = relationship()
    festival: Mapped[Festival] = relationship()
    user: Mapped[User] = relationship()


class Bundle(Base):
    """Several of a studio's titles sold together at one price (each bought for good)."""

    __tablename__ = "bundles"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(
        sa.ForeignKey("studios.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(160))
    territory_mode: Mapped[TerritoryMode] = mapped_column(
        str_enum(TerritoryMode), default=TerritoryMode.WORLDWIDE
    )
    territories: Mapped[TerritoryRows] = mapped_column(sa.JSON, default=list)
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    studio: Mapped[Studio] = relationship()
    titles: Mapped[list[Title]] = relationship(secondary="bundle_titles", order_by="Title.name")


bundle_titles = sa.Table(
    "bundle_titles",
    Base.metadata,
    sa.Column("bundle_id", sa.ForeignKey("bundles.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("title_id", sa.ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True),
)
