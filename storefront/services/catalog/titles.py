"""Titles of a studio: what describes them, their status, and deleting them.

Status is explicit. The media states (draft, processing, ready, failed) follow the feature
film's pipeline (`media_pipeline.sync_title_status`); the store states (published, unlisted,
removed) are chosen by the studio through `publish`, `unlist` and `remove`, which refuse
while `can_sell` names a reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ... import jobs
from ...countries import is_country
from ...extensions import db
from ...genres import GENRES
from ...languages import is_language
from ...models import (
    AssetKind,
    AssetStatus,
    CreditRole,
    FacetKind,
    MediaAsset,
    Studio,
    Title,
    TitleCredit,
    TitleFacet,
    TitleStatus,
    utcnow,
)
from .. import ServiceError
from ..accounts.studios import add_with_unique_slug

RENTAL_START_DAYS = (1, 365)
RENTAL_WATCH_HOURS = (1, 720)
FIRST_FILM_YEAR = 1888
MAX_LIST_ITEMS = 100

# action -> (resulting status, statuses it may start from)
TRANSITIONS: dict[str, tuple[TitleStatus, frozenset[TitleStatus]]] = {
    "publish": (
        TitleStatus.PUBLISHED,
        frozenset({TitleStatus.READY, TitleStatus.UNLISTED, TitleStatus.REMOVED}),
    ),
    "unlist": (
        TitleStatus.UNLISTED,
        frozenset({TitleStatus.READY, TitleStatus.PUBLISHED, TitleStatus.REMOVED}),
    ),
    "remove": (TitleStatus.REMOVED, frozenset({TitleStatus.PUBLISHED, TitleStatus.UNLISTED})),
}
STATUS_LABELS = {
    TitleStatus.DRAFT: _l("Draft"),
    TitleStatus.PROCESSING: _l("Processing"),
    TitleStatus.READY: _l("Ready to publish"),
    TitleStatus.PUBLISHED: _l("Published"),
    TitleStatus.UNLISTED: _l("Unlisted"),
    TitleStatus.REMOVED: _l("Removed from the store"),
    TitleStatus.FAILED: _l("Processing failed"),
}


class TitleInvalid(ServiceError):
    """Some fields are wrong; `errors` maps field names to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class TitleData:
    """Everything the studio edits about a title, already parsed from the form."""

    name: str
    original_name: str = ""
    synopsis: str = ""
    tagline: str = ""
    text_language: str = ""
    year: int | None = None
    genres: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    credits: dict[CreditRole, list[str]] = field(default_factory=dict)
    content_advisory: str = ""
    festival_selections: list[str] = field(default_factory=list)
    rental_start_days: int = 30
    rental_watch_hours: int = 48


def _clean_list(values: list[str]) -> list[str]:
    """Trimmed, non-empty, first occurrence kept."""
    seen: dict[str, None] = {}
    for value in values:
        value = value.strip()
        if value and value not in seen:
            seen[value] = None
    return list(seen)


def validate(data: TitleData) -> dict[str, str]:
    """Field name -> message for every broken rule (empty when the data is fine)."""
    errors: dict[str, str] = {}
    if not data.name.strip():
        errors["name"] = _("Give the film a title.")
    elif len(data.name.strip()) > 200:
        errors["name"] = _("Use at most %(max)d characters.", max=200)
    if len(data.original_name.strip()) > 200:
        errors["original_name"] = _("Use at most %(max)d characters.", max=200)
    if len(data.synopsis) > 5000:
        errors["synopsis"] = _("Use at most %(max)d characters.", max=5000)
    if len(data.tagline.strip()) > 255:
        errors["tagline"] = _("Use at most %(max)d characters.", max=255)
    if data.text_language and not is_language(data.text_language):
        errors["text_language"] = _("Choose a language from the list.")
    if len(data.content_advisory.strip()) > 255:
        errors["content_advisory"] = _("Use at most %(max)d characters.", max=255)
    last_year = date.today().year + 5
    if data.year is not None and not FIRST_FILM_YEAR <= data.year <= last_year:
        errors["year"] = _(
            "Enter a year between %(first)d and %(last)d.", first=FIRST_FILM_YEAR, last=last_year
        )
    if any(code not in GENRES for code in data.genres):
        errors["genres"] = _("Choose genres from the list.")
    if any(not is_language(code) for code in data.languages):
        errors["languages"] = _("Choose languages from the list.")
    if any(not is_country(code) for code in data.countries):
        errors["countries"] = _("Choose countries from the list.")
    for role, names in data.credits.items():
        if len(names) > MAX_LIST_ITEMS or any(len(name.strip()) > 200 for name in names):
            errors[f"credits_{role.value}"] = _(
                "Up to %(count)d names of at most 200 characters each.", count=MAX_LIST_ITEMS
            )
    festivals = data.festival_selections
    if len(festivals) > MAX_LIST_ITEMS or any(len(item.strip()) > 200 for item in festivals):
        errors["festival_selections"] = _(
            "Up to %(count)d lines of at most 200 characters each.", count=MAX_LIST_ITEMS
        )
    low, high = RENTAL_START_DAYS
    if not low <= data.rental_start_days <= high:
        errors["rental_start_days"] = _(
            "Enter a number of days between %(low)d and %(high)d.", low=low, high=high
        )
    low, high = RENTAL_WATCH_HOURS
    if not low <= data.rental_watch_hours <= high:
        errors["rental_watch_hours"] = _(
            "Enter a number of hours between %(low)d and %(high)d.", low=low, high=high
        )
    return errors


def _apply(title: Title, data: TitleData) -> None:
    errors = validate(data)
    if errors:
        raise TitleInvalid(errors)
    title.name = data.name.strip()
    title.original_name = data.original_name.strip()
    title.synopsis = data.synopsis.strip()
    title.tagline = data.tagline.strip()
    title.text_language = data.text_language.lower()
    title.year = data.year
    title.content_advisory = data.content_advisory.strip()
    title.festival_selections = _clean_list(data.festival_selections)
    title.rental_start_days = data.rental_start_days
    title.rental_watch_hours = data.rental_watch_hours

    wanted = {(FacetKind.GENRE, value) for value in _clean_list(data.genres)} | {
        (FacetKind.LANGUAGE, value.lower()) for value in _clean_list(data.languages)
    }
    wanted |= {(FacetKind.COUNTRY, value.upper()) for value in _clean_list(data.countries)}
    # Keep unchanged rows; deleting and re-adding the same value would hit the unique key.
    title.facets = [f for f in title.facets if (f.kind, f.value) in wanted]
    have = {(f.kind, f.value) for f in title.facets}
    for kind, value in sorted(wanted - have):
        title.facets.append(TitleFacet(kind=kind, value=value))

    credits = []
    for role in CreditRole:
        for position, name in enumerate(_clean_list(data.credits.get(role, []))):
            credits.append(TitleCredit(role=role, name=name, position=position))
    title.credits = credits


def create_title(studio: Studio, data: TitleData) -> Title:
    """A new draft title of `studio`; raises TitleInvalid with per-field messages."""
    title = Title(studio_id=studio.id, name="", status=TitleStatus.DRAFT)
    title.facets = []
    title.credits = []
    _apply(title, data)
    add_with_unique_slug(title, title.name)
    return title


def update_title(title: Title, data: TitleData) -> None:
    _apply(title, data)
    db.session.flush()


def data_of(title: Title) -> TitleData:
    """The editable data of a title (fills the edit form)."""
    facets: dict[FacetKind, list[str]] = {kind: [] for kind in FacetKind}
    for facet in title.facets:
        facets[facet.kind].append(facet.value)
    credits: dict[CreditRole, list[str]] = {role: [] for role in CreditRole}
    for credit in title.credits:
        credits[credit.role].append(credit.name)
    return TitleData(
        name=title.name,
        original_name=title.original_name,
        synopsis=title.synopsis,
        tagline=title.tagline,
        text_language=title.text_language,
        year=title.year,
        genres=facets[FacetKind.GENRE],
        languages=facets[FacetKind.LANGUAGE],
        countries=facets[FacetKind.COUNTRY],
        credits=credits,
        content_advisory=title.content_advisory,
        festival_selections=list(title.festival_selections or []),
        rental_start_days=title.rental_start_days,
        rental_watch_hours=title.rental_watch_hours,
    )


def titles_of(studio: Studio) -> list[Title]:
    return list(
        db.session.scalars(
            db.select(Title).filter_by(studio_id=studio.id).order_by(Title.created_at.desc())
        )
    )


def title_of_studio(studio: Studio, title_id: int) -> Title | None:
    title = db.session.get(Title, title_id)
    return title if title is not None and title.studio_id == studio.id else None


# --- status -------------------------------------------------------------------------------


def current_asset(title: Title, kind: AssetKind) -> MediaAsset | None:
    """The newest asset of `kind` that has not been replaced."""
    return db.session.scalar(
        db.select(MediaAsset)
        .filter(
            MediaAsset.title_id == title.id,
            MediaAsset.kind == kind,
            MediaAsset.status != AssetStatus.SUPERSEDED,
        )
        .order_by(MediaAsset.id.desc())
        .limit(1)
    )


def has_ready_feature(title: Title) -> bool:
    return (
        db.session.scalar(
            db.select(MediaAsset.id)
            .filter_by(title_id=title.id, kind=AssetKind.FEATURE, status=AssetStatus.READY)
            .limit(1)
        )
        is not None
    )


def can_sell(title: Title) -> list[str]:
    """Reasons this title cannot be put on sale yet (empty when it can).

    The one hook for "may this title be sold": publishing asks it, and other rules (for
    example "the studio cannot receive payments yet") belong here too.
    """
    from ..payments.connect import payment_blockers

    reasons: list[str] = []
    if not has_ready_feature(title):
        reasons.append(_("The film has not been uploaded and processed yet."))
    reasons.extend(payment_blockers(title.studio))
    return reasons


def allowed_actions(title: Title) -> list[str]:
    """The status changes the studio may ask for now, in display order."""
    return [name for name, (_target, sources) in TRANSITIONS.items() if title.status in sources]


def change_status(title: Title, action: str) -> None:
    """Publish, unlist or remove a title; raises ServiceError with the reason when refused."""
    if action not in TRANSITIONS:
        raise ServiceError(_("Unknown action."))
    target, sources = TRANSITIONS[action]
    if title.status == target:
        return
    if title.status not in sources:
        raise ServiceError(
            _("A title that is %(status)s cannot be changed that way.", status=status_label(title))
        )
    if target in (TitleStatus.PUBLISHED, TitleStatus.UNLISTED):
        reasons = can_sell(title)
        if reasons:
            raise ServiceError(" ".join(reasons))
        title.published_at = title.published_at or utcnow()
    title.status = target
    db.session.flush()


def status_label(title: Title) -> str:
    return str(STATUS_LABELS[title.status])


# --- deletion -----------------------------------------------------------------------------


def delete_title(title: Title) -> None:
    """Delete a title and, once that commits, every object stored for it.

    Orders, entitlements and ledger rows stay: their title_id becomes NULL and their
    snapshots keep the names. Unfinished uploads are aborted by the same job.
    """
    jobs.defer(db.session, "delete_title_objects", title.id)
    db.session.delete(title)
    db.session.flush()
