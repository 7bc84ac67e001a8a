"""The genre vocabulary: fixed codes (stored as title facets) with translated labels."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

GENRES = {
    "action": _l("Action"),
    "adventure": _l("Adventure"),
    "animation": _l("Animation"),
    "biography": _l("Biography"),
    "comedy": _l("Comedy"),
    "crime": _l("Crime"),
    "documentary": _l("Documentary"),
    "drama": _l("Drama"),
    "experimental": _l("Experimental"),
    "family": _l("Family"),
    "fantasy": _l("Fantasy"),
    "history": _l("History"),
    "horror": _l("Horror"),
    "music": _l("Music"),
    "mystery": _l("Mystery"),
    "romance": _l("Romance"),
    "science-fiction": _l("Science fiction"),
    "short": _l("Short film"),
    "thriller": _l("Thriller"),
    "war": _l("War"),
    "western": _l("Western"),
}


def genre_label(code: str) -> str:
    return str(GENRES.get(code, code))


def genre_choices() -> list[tuple[str, str]]:
    return sorted(((code, str(label)) for code, label in GENRES.items()), key=lambda p: p[1])
