"""ISO 639-1 languages with names in the viewer's language (spoken languages, subtitles)."""

from __future__ import annotations

from functools import cache

import pycountry
from babel import Locale


@cache
def language_codes() -> frozenset[str]:
    return frozenset(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))


def is_language(code: str | None) -> bool:
    return bool(code) and code.lower() in language_codes()


@cache
def language_choices(locale: str) -> list[tuple[str, str]]:
    """(code, localised name) pairs sorted by name, for select fields."""
    names = Locale.parse(locale).languages
    pairs = [(code, language_name(code, locale, names)) for code in language_codes()]
    return sorted(pairs, key=lambda pair: pair[1].casefold())


def language_name(code: str | None, locale: str, names: dict | None = None) -> str:
    if not code:
        return ""
    code = code.lower()
    names = Locale.parse(locale).languages if names is None else names
    name = names.get(code)
    if name:
        return name[:1].upper() + name[1:]
    language = pycountry.languages.get(alpha_2=code)
    return language.name if language else code


@cache
def own_name(code: str) -> str:
    """A language's name in that language ("Français", "日本語"), for the language picker."""
    try:
        name = Locale.parse(code).get_display_name(code) or code
    except (ValueError, LookupError):
        return code
    return name[:1].upper() + name[1:]
