"""What a catalogue visitor asks for: the query parsed leniently from request arguments, and
the SQL pieces that search by text and by language identically on SQLite and PostgreSQL."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from ...i18n import LANGUAGE_ALIASES
from ...models import (
    FacetKind,
    SubtitleTrack,
    Title,
    TitleFacet,
)

SORTS = ("newest", "az")
MAX_QUERY_LENGTH = 100


def _accent_table() -> tuple[str, str, str]:
    """(accented letters, their plain letters, combining marks): "é" -> "e", "Ü" -> "U",
    one letter for one so SQL translate() and Python str.translate() fold alike. Letters that
    are not an accented Latin letter ("ø", "æ", "ß", every other script) stay as they are."""
    accented, plain = [], []
    for code in range(0x00C0, 0x0250):
        char = chr(code)
        base = unicodedata.normalize("NFKD", char)
        marked = len(base) > 1 and all(unicodedata.combining(c) for c in base[1:])
        if marked and base[0].isascii() and base[0].isalpha():
            accented.append(char)
            plain.append(base[0])
    marks = "".join(chr(code) for code in range(0x0300, 0x0370))  # İ lowers to i + dot above
    return "".join(accented), "".join(plain), marks


ACCENTED, PLAIN, MARKS = _accent_table()
_FOLD_TABLE = str.maketrans(ACCENTED, PLAIN, MARKS)


def fold_text(value: str) -> str:
    """What the viewer typed, folded as :class:`fold` folds stored text: normalised (NFKC:
    full-width letters and a decomposed "e" + accent read as typed on another keyboard),
    lower case, accents dropped."""
    return unicodedata.normalize("NFKC", value).lower().translate(_FOLD_TABLE)


class fold(FunctionElement[str]):  # noqa: N801 - reads like the SQL function it is
    """Case- and accent-folded text for search ("Café" is found by "cafe"), identical on
    SQLite and PostgreSQL.

    SQLite's own lower() only folds ASCII, so SQLite gets a Python function registered on
    each connection; PostgreSQL folds case with lower() and accents with translate() from
    the same table (no extension to install).
    """

    type = sa.String()
    inherit_cache = True
    name = "fold"


@compiles(fold)
def _fold_default(element: fold, compiler: Any, **kw: Any) -> str:
    text = f"lower({compiler.process(element.clauses, **kw)})"
    source = compiler.process(sa.literal(ACCENTED + MARKS), literal_binds=True)
    target = compiler.process(sa.literal(PLAIN), literal_binds=True)
    return f"translate({text}, {source}, {target})"


@compiles(fold, "sqlite")
def _fold_sqlite(element: fold, compiler: Any, **kw: Any) -> str:
    return f"sf_fold({compiler.process(element.clauses, **kw)})"


def _python_fold(value: str | None) -> str | None:
    return value.lower().translate(_FOLD_TABLE) if isinstance(value, str) else value


@sa.event.listens_for(Engine, "connect")
def _register_sqlite_fold(dbapi_connection: Any, connection_record: Any) -> None:
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.create_function("sf_fold", 1, _python_fold, deterministic=True)


@dataclass(frozen=True, slots=True)
class CatalogueQuery:
    """What the viewer asked for; build it with :func:`parse_query` from request args."""

    q: str = ""
    genre: str = ""
    language: str = ""
    subtitle: str = ""
    country: str = ""
    available: bool = False
    # "Subtitles or audio in my language": the viewer's interface language, when asked for.
    my_language: str = ""
    sort: str = "newest"
    page: int = 1
    studio_id: int | None = None

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query-string arguments for links (pagination keeps the filters)."""
        values = {
            "q": self.q,
            "genre": self.genre,
            "language": self.language,
            "subtitle": self.subtitle,
            "country": self.country,
            "available": "1" if self.available else "",
            "mine": "1" if self.my_language else "",
            "sort": self.sort if self.sort != "newest" else "",
            "page": self.page if self.page != 1 else "",
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None)}


def parse_query(args: Any, studio_id: int | None = None, locale: str = "") -> CatalogueQuery:
    """Lenient parsing: unknown or malformed values fall back to defaults, never an error.

    ``locale`` is the viewer's interface language, used by the "in my language" filter.
    """

    def text(name: str, limit: int = 40) -> str:
        return str(args.get(name, "") or "").strip()[:limit]

    try:
        page = max(1, min(int(args.get("page", 1) or 1), 10_000))
    except (TypeError, ValueError):
        page = 1
    sort = text("sort")
    return CatalogueQuery(
        q=text("q", MAX_QUERY_LENGTH),
        genre=text("genre"),
        language=text("language").lower(),
        subtitle=text("subtitle").lower(),
        country=text("country").upper(),
        available=text("available") in {"1", "on", "true", "yes"},
        my_language=language_of(locale) if text("mine") in {"1", "on", "true", "yes"} else "",
        sort=sort if sort in SORTS else "newest",
        page=page,
        studio_id=studio_id,
    )


def language_of(locale: str) -> str:
    """The ISO 639-1 language of a locale ("nb_NO" -> "nb")."""
    return (locale or "").replace("-", "_").split("_")[0].lower()


def in_language(language: str) -> sa.ColumnElement[bool]:
    """Titles a viewer of ``language`` can follow: subtitles, an audio track or the spoken
    language in it (a Bokmål reader follows Norwegian, as the interface does)."""
    codes = [language, *(code for code, to in LANGUAGE_ALIASES.items() if to == language)]
    return sa.or_(
        Title.id.in_(sa.select(SubtitleTrack.title_id).where(SubtitleTrack.language.in_(codes))),
        Title.id.in_(
            sa.select(TitleFacet.title_id).where(
                TitleFacet.kind == FacetKind.LANGUAGE, TitleFacet.value.in_(codes)
            )
        ),
        *_audio_in_language(codes),
    )


def _audio_in_language(codes: list[str]) -> list[sa.ColumnElement[bool]]:
    """Ready audio tracks count too (alternate dubbed or described audio)."""
    from ..media.audio import titles_with_audio_in

    return [Title.id.in_(titles_with_audio_in(code)) for code in codes]
