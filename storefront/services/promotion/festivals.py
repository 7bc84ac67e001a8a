"""Festivals and their programme: editions run by an organiser studio, sections, and
invitations to other studios' titles (the money of a festival sale: ``festival_money``).

A festival invites a title with the share it asks for; the title's studio accepts (agreeing to
that share for sales made through the festival) or declines. Only accepted titles can have
screenings sold. A title's ordinary store sales are never affected.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from flask_babel import gettext as _

from ...extensions import db
from ...models import (
    Festival,
    FestivalSelection,
    ProgrammeSection,
    SelectionStatus,
    Studio,
    Title,
    User,
    utcnow,
)
from .. import ServiceError
from ..accounts.studios import add_with_unique_slug

log = logging.getLogger(__name__)
FULL_SHARE_BP = 10_000
NAME_MAX = 160  # the length of festivals.name
SECTION_NAME_MAX = 120  # the length of programme_sections.name


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; ServiceError when it is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ServiceError(_("Unknown time zone: %(zone)s", zone=name)) from None


def festival_time(festival: Festival, local: datetime) -> datetime:
    """A wall-clock time in the festival's time zone (naive, as typed) as an aware UTC time."""
    return zone_time(festival.timezone, local)


def zone_time(timezone: str, local: datetime) -> datetime:
    """A wall-clock time typed for time zone ``timezone`` as an aware UTC time.

    A time the clocks skip (when they go forward) is refused rather than moved an hour without
    a word; a time they repeat (when they go back) is its first occurrence."""
    if local.tzinfo is not None:
        return local
    moment = day_moment(timezone, local)
    if moment.astimezone(zone(timezone)).replace(tzinfo=None) != local:
        raise ServiceError(
            _(
                "%(time)s does not exist in %(zone)s: the clocks go forward then. Choose a "
                "time before or after the change.",
                time=local.strftime("%Y-%m-%d %H:%M"),
                zone=timezone,
            )
        )
    return moment


def day_moment(timezone: str, local: datetime) -> datetime:
    """``local`` on the clock of ``timezone`` as UTC, a skipped time read as the moment the
    clocks jumped: for boundaries the store computes ("the start of the day after the
    festival"), which must hold even where the clocks skip midnight."""
    return local.replace(tzinfo=zone(timezone)).astimezone(ZoneInfo("UTC"))


def festival_problems(
    name: str, starts_on: date, ends_on: date, timezone: str
) -> dict[str, list[str]]:
    """What is wrong with a festival's name, dates and time zone, by form field (empty when
    nothing is): the rule for creating a festival and for editing one."""
    problems: dict[str, list[str]] = {}
    if not name.strip() or len(name.strip()) > NAME_MAX:
        problems["name"] = [_("Give the festival a name of up to 160 characters.")]
    if ends_on < starts_on:
        problems["ends_on"] = [_("A festival cannot end before it starts.")]
    try:
        zone(timezone)
    except ServiceError as exc:
        problems["timezone"] = [str(exc)]
    return problems


def create_festival(
    studio: Studio,
    name: str,
    starts_on: date,
    ends_on: date,
    timezone: str,
    share_bp: int,
    description: str = "",
    *,
    published: bool = True,
) -> Festival:
    """A festival edition organised by ``studio`` (whose members run it)."""
    problems = festival_problems(name, starts_on, ends_on, timezone)
    if problems:
        raise ServiceError(next(iter(problems.values()))[0])
    if not 0 <= share_bp <= FULL_SHARE_BP:
        raise ServiceError(_("The festival's share is between 0 and 100 %."))
    festival = Festival(
        studio_id=studio.id,
        name=name.strip(),
        description=description,
        starts_on=starts_on,
        ends_on=ends_on,
        timezone=timezone,
        share_bp=share_bp,
        published=published,
    )
    add_with_unique_slug(festival, re.sub(r"\s+", " ", name).strip())
    return festival


def section_name_problem(name: str) -> str | None:
    """What is wrong with a programme section's name (None when nothing is): the rule for
    adding a section and for renaming one."""
    if len(name.strip()) > SECTION_NAME_MAX:
        return _("A section's name has up to 120 characters.")
    return None


def add_section(festival: Festival, name: str) -> ProgrammeSection:
    problem = section_name_problem(name)
    if problem:
        raise ServiceError(problem)
    position = len(festival.sections)
    section = ProgrammeSection(festival_id=festival.id, name=name.strip(), position=position)
    db.session.add(section)
    db.session.flush()
    db.session.refresh(festival, ["sections"])
    return section


def festival_by_slug(slug: str) -> Festival | None:
    return db.session.scalar(sa.select(Festival).where(Festival.slug == slug))


def festivals_of(studio: Studio) -> list[Festival]:
    return list(
        db.session.scalars(
            sa.select(Festival).where(Festival.studio_id == studio.id).order_by(Festival.starts_on)
        )
    )


def published_festivals() -> list[Festival]:
    return list(
        db.session.scalars(
            sa.select(Festival)
            .where(Festival.published.is_(True))
            .order_by(Festival.starts_on.desc())
        )
    )


# -- invitations --------------------------------------------------------------------------


def invite_title(
    festival: Festival,
    title: Title,
    section: ProgrammeSection | None = None,
    share_bp: int | None = None,
) -> FestivalSelection:
    """Invite a title into the programme with the share the festival asks (its default).

    A declined invitation is asked again (with this share and section): a "no" given by
    mistake, or to a share the festival has since lowered, is not final."""
    share_bp = festival.share_bp if share_bp is None else share_bp
    if not 0 <= share_bp <= FULL_SHARE_BP:
        raise ServiceError(_("The festival's share is between 0 and 100 %."))
    existing = db.session.scalar(
        sa.select(FestivalSelection).filter_by(festival_id=festival.id, title_id=title.id)
    )
    if existing is not None and existing.status == SelectionStatus.DECLINED:
        existing.status = SelectionStatus.INVITED
        existing.share_bp = share_bp
        existing.section_id = section.id if section else None
        existing.invited_at = utcnow()
        existing.responded_at = None
        existing.responded_by_id = None
        db.session.flush()
        log.info("Festival %s invited title %s again", festival.slug, title.slug)
        return existing
    if existing is not None:
        raise ServiceError(_("%(title)s is already invited.", title=title.name))
    selection = FestivalSelection(
        festival_id=festival.id,
        title_id=title.id,
        section_id=section.id if section else None,
        share_bp=share_bp,
        status=SelectionStatus.INVITED,
    )
    db.session.add(selection)
    db.session.flush()
    log.info("Festival %s invited title %s", festival.slug, title.slug)
    return selection


def respond(selection: FestivalSelection, user: User, accept: bool) -> FestivalSelection:
    """The title's studio accepts (agreeing to the share) or declines an invitation."""
    if selection.status != SelectionStatus.INVITED:
        raise ServiceError(_("This invitation has already been answered."))
    selection.status = SelectionStatus.ACCEPTED if accept else SelectionStatus.DECLINED
    selection.responded_at = utcnow()
    selection.responded_by_id = user.id
    db.session.flush()
    return selection


def invitations_for(studio: Studio) -> list[FestivalSelection]:
    """Every invitation a studio's titles received, newest first."""
    return list(
        db.session.scalars(
            sa.select(FestivalSelection)
            .join(Title, Title.id == FestivalSelection.title_id)
            .where(Title.studio_id == studio.id)
            .order_by(FestivalSelection.invited_at.desc())
        )
    )


def programme(festival: Festival) -> list[FestivalSelection]:
    """The accepted titles, by section then title."""
    return list(
        db.session.scalars(
            sa.select(FestivalSelection)
            .join(Title, Title.id == FestivalSelection.title_id)
            .outerjoin(ProgrammeSection, ProgrammeSection.id == FestivalSelection.section_id)
            .where(
                FestivalSelection.festival_id == festival.id,
                FestivalSelection.status == SelectionStatus.ACCEPTED,
            )
            .order_by(ProgrammeSection.position, Title.name)
        )
    )
