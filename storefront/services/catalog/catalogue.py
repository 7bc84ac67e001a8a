"""The public catalogue: which published titles a viewer sees, filtered, sorted and paged,
each with its availability for that viewer (asked of the one availability rule).

A page costs a fixed number of queries whatever its size: titles, count, offers, territories,
posters. Orders are never read here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from ...caching import ProcessCache
from ...extensions import db
from ...models import (
    CreditRole,
    Entitlement,
    FacetKind,
    ImageKind,
    ImageStatus,
    Studio,
    SubtitleTrack,
    Title,
    TitleCredit,
    TitleFacet,
    TitleImage,
    TitleStatus,
    TitleText,
)
from ..media.images import POSTER_CARD_WIDTH, pick_size
from .availability import Availability, availability_for_titles, has_admitting_offer
from .catalogue_query import SORTS, CatalogueQuery, fold, fold_text, in_language
from .title_texts import shown_names

PAGE_SIZE = 48
# "Available to me" evaluates the rule over candidates in this many titles at a time.
_AVAILABLE_CHUNK = 200


@dataclass(frozen=True, slots=True)
class Card:
    id: int
    slug: str
    name: str
    year: int | None
    studio_name: str
    poster_key: str | None
    availability: Availability


@dataclass(slots=True)
class CataloguePage:
    query: CatalogueQuery
    cards: list[Card]
    total: int | None  # None with "available to me": counting would evaluate every title
    has_next: bool
    per_page: int = PAGE_SIZE
    owned: set[int] = field(default_factory=set)

    @property
    def pages(self) -> int | None:
        return None if self.total is None else max(1, -(-self.total // self.per_page))


def _title_columns() -> list[Any]:
    return [
        Title.id,
        Title.slug,
        Title.name,
        Title.year,
        Title.status,
        Title.rental_start_days,
        Title.rental_watch_hours,
        Studio.name.label("studio_name"),
    ]


def _filtered(
    query: CatalogueQuery, columns: Sequence[Any], with_studio: bool = True
) -> sa.Select[Any]:
    stmt = sa.select(*columns).where(Title.status == TitleStatus.PUBLISHED)
    if with_studio:  # every title has its studio: counting needs no join
        stmt = stmt.join(Studio, Studio.id == Title.studio_id)
    if query.studio_id is not None:
        stmt = stmt.where(Title.studio_id == query.studio_id)
    for kind, value in (
        (FacetKind.GENRE, query.genre),
        (FacetKind.LANGUAGE, query.language),
        (FacetKind.COUNTRY, query.country),
    ):
        if value:
            stmt = stmt.where(
                Title.id.in_(
                    sa.select(TitleFacet.title_id).where(
                        TitleFacet.kind == kind, TitleFacet.value == value
                    )
                )
            )
    if query.subtitle:
        stmt = stmt.where(
            Title.id.in_(
                sa.select(SubtitleTrack.title_id).where(SubtitleTrack.language == query.subtitle)
            )
        )
    if query.my_language:
        stmt = stmt.where(in_language(query.my_language))
    if query.q:
        pattern = fold_text(query.q)
        people = sa.select(TitleCredit.title_id).where(
            TitleCredit.role.in_([CreditRole.DIRECTOR, CreditRole.CAST]),
            fold(TitleCredit.name).contains(pattern, autoescape=True),
        )
        # A film is found by any of its titles, in whatever language the studio gave them.
        translated = sa.select(TitleText.title_id).where(
            fold(TitleText.name).contains(pattern, autoescape=True)
        )
        stmt = stmt.where(
            sa.or_(
                fold(Title.name).contains(pattern, autoescape=True),
                fold(Title.original_name).contains(pattern, autoescape=True),
                fold(Title.synopsis).contains(pattern, autoescape=True),
                Title.id.in_(people),
                Title.id.in_(translated),
            )
        )
    return stmt


def _ordered(stmt: sa.Select[Any], sort: str) -> sa.Select[Any]:
    if sort == "az":
        return stmt.order_by(fold(Title.name), Title.id)
    return stmt.order_by(Title.published_at.desc(), Title.id.desc())


def browse(
    query: CatalogueQuery,
    country: str | None,
    at: datetime,
    user_id: int | None = None,
    totals: ProcessCache | None = None,
    totals_seconds: float = 0,
    locale: str = "",
) -> CataloguePage:
    """One page of the catalogue for a viewer in ``country`` at time ``at``, each title
    named in ``locale`` where the studio gave a translation.

    The number of matching titles is the same for every viewer and costs a scan of them
    all: with ``totals`` it is shared ``totals_seconds`` per filter set, while the page's
    titles, availability and ownership are read afresh for each request.
    """
    offset = (query.page - 1) * PAGE_SIZE
    if query.available:
        rows, availability, has_next = _available_page(query, country, at, offset)
        total = None
    else:
        stmt = _filtered(query, _title_columns())
        rows = db.session.execute(_ordered(stmt, query.sort).limit(PAGE_SIZE).offset(offset)).all()

        def count() -> int:
            matching = _filtered(query, [Title.id], with_studio=False).subquery()
            return int(db.session.scalar(sa.select(sa.func.count()).select_from(matching)) or 0)

        if totals is None:
            total = count()
        else:
            filters = replace(query, page=1, sort=SORTS[0])
            total = totals.get_or_make(("catalogue-total", filters), count, totals_seconds)
        has_next = offset + len(rows) < (total or 0)
        availability = availability_for_titles(rows, country, at)
    posters = poster_keys([r.id for r in rows], width=POSTER_CARD_WIDTH)
    names = shown_names([r.id for r in rows], locale) if locale else {}
    cards = [
        Card(
            r.id,
            r.slug,
            names.get(r.id, r.name),
            r.year,
            r.studio_name,
            posters.get(r.id),
            availability[r.id],
        )
        for r in rows
    ]
    owned = owned_title_ids(user_id, [r.id for r in rows]) if user_id else set()
    return CataloguePage(query, cards, total, has_next, owned=owned)


def _available_page(
    query: CatalogueQuery, country: str | None, at: datetime, offset: int
) -> tuple[list[Any], dict[int, Availability], bool]:
    """Walk the candidates in order, keeping those the rule says are available."""
    # The rule's own SQL twin narrows the walk; the rule itself still decides (windows, prices).
    candidates = _filtered(query, _title_columns()).where(has_admitting_offer(country))
    stmt = _ordered(candidates, query.sort)
    kept: list[Any] = []
    availability: dict[int, Availability] = {}
    skipped = 0
    position = 0
    while True:
        chunk = db.session.execute(stmt.limit(_AVAILABLE_CHUNK).offset(position)).all()
        position += len(chunk)
        found = availability_for_titles(chunk, country, at)
        for row in chunk:
            if not found[row.id].is_available:
                continue
            if skipped < offset:
                skipped += 1
                continue
            if len(kept) == PAGE_SIZE:
                return kept, availability, True
            kept.append(row)
            availability[row.id] = found[row.id]
        if len(chunk) < _AVAILABLE_CHUNK:
            return kept, availability, False


def poster_keys(title_ids: Sequence[int], width: int) -> dict[int, str]:
    """Each title's first poster, at the size that fits ``width`` (one query)."""
    if not title_ids:
        return {}
    rows = db.session.execute(
        sa.select(TitleImage.title_id, TitleImage.keys)
        .where(
            TitleImage.title_id.in_(title_ids),
            TitleImage.kind == ImageKind.POSTER,
            TitleImage.status == ImageStatus.READY,
        )
        .order_by(TitleImage.title_id, TitleImage.position, TitleImage.id)
    ).all()
    found: dict[int, str] = {}
    for title_id, keys in rows:
        if title_id not in found:
            name = pick_size(keys or {}, width)
            if name:
                found[title_id] = keys[name]
    return found


# Asked on every signed-in catalogue page: built once, values bound per call, in Core on
# the session's connection (a set of ids needs none of the ORM's loading). PostgreSQL takes
# the page's ids as one array: the statement's text is the same for every page, so the
# driver prepares it, and nothing is expanded per call. Other databases get an IN list.
_ENTITLEMENTS = sa.inspect(Entitlement).local_table
_HELD_BY_VIEWER = _ENTITLEMENTS.c.user_id == sa.bindparam("user_id")
_OWNED = (
    sa.select(_ENTITLEMENTS.c.title_id)
    .distinct()
    .where(
        _HELD_BY_VIEWER,
        _ENTITLEMENTS.c.title_id.in_(sa.bindparam("title_ids", expanding=True)),
    )
)
_AMONG_ARRAY = _ENTITLEMENTS.c.title_id == sa.any_(
    sa.bindparam("title_ids", type_=ARRAY(sa.Integer))
)
_OWNED_ANY = sa.select(_ENTITLEMENTS.c.title_id).distinct().where(_HELD_BY_VIEWER, _AMONG_ARRAY)
# The same question as one value (an array, NULL for none), for PostgreSQL to answer in the
# statement that reads the session's login: see ``owned_with_login``.
_OWNED_ARRAY = sa.type_coerce(
    sa.select(sa.func.array_agg(sa.distinct(_ENTITLEMENTS.c.title_id)))
    .where(_HELD_BY_VIEWER, _AMONG_ARRAY)
    .scalar_subquery(),
    ARRAY(sa.Integer, as_tuple=True),
)


@dataclass(frozen=True, slots=True)
class OwnedAmong:
    """Which of ``among`` the viewer ``user_id`` holds, read before the page was known."""

    user_id: int
    among: frozenset[int]
    owned: frozenset[int]


def owned_with_login(title_ids: Sequence[int]) -> tuple[sa.ColumnElement[Any], dict] | None:
    """The column and parameters that read, in the statement that loads the session's login,
    which of ``title_ids`` its viewer holds: on PostgreSQL a second round trip saved. None
    where the two statements cost no round trip (SQLite runs in the process)."""
    if not title_ids or db.engine.dialect.name != "postgresql":
        return None
    return _OWNED_ARRAY, {"title_ids": list(title_ids)}


def owned_title_ids(
    user_id: int, title_ids: Sequence[int], known: OwnedAmong | None = None
) -> set[int]:
    """Which of these titles the viewer holds an entitlement for (one query, by index).

    ``known`` is what was read already for some ids (with the login): only the others are
    asked, and with all of them known, nothing is."""
    if known is not None and known.user_id == user_id:
        rest = [i for i in title_ids if i not in known.among]
        found = {i for i in title_ids if i in known.owned}
        return found | owned_title_ids(user_id, rest) if rest else found
    if not title_ids:
        return set()
    # The session's connection (its transaction) without the ORM's execution path.
    conn = db.session.connection()
    statement = _OWNED_ANY if conn.dialect.name == "postgresql" else _OWNED
    return set(conn.scalars(statement, {"user_id": user_id, "title_ids": list(title_ids)}))


@dataclass(frozen=True, slots=True)
class FacetChoices:
    genres: list[str]
    languages: list[str]
    countries: list[str]
    subtitles: list[str]


def facet_choices() -> FacetChoices:
    """Values offered in the filter menus (those used by at least one published title)."""
    published = sa.select(Title.id).where(Title.status == TitleStatus.PUBLISHED)
    rows = db.session.execute(
        sa.select(TitleFacet.kind, TitleFacet.value)
        .where(TitleFacet.title_id.in_(published))
        .group_by(TitleFacet.kind, TitleFacet.value)
    ).all()
    subtitles = db.session.scalars(
        sa.select(SubtitleTrack.language)
        .where(SubtitleTrack.title_id.in_(published))
        .group_by(SubtitleTrack.language)
    ).all()
    by_kind: dict[str, list[str]] = {k.value: [] for k in FacetKind}
    for kind, value in rows:
        by_kind[str(kind.value if hasattr(kind, "value") else kind)].append(value)
    return FacetChoices(
        genres=sorted(by_kind[FacetKind.GENRE.value]),
        languages=sorted(by_kind[FacetKind.LANGUAGE.value]),
        countries=sorted(by_kind[FacetKind.COUNTRY.value]),
        subtitles=sorted(subtitles),
    )
