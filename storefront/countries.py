"""ISO 3166-1 countries with names in the viewer's language."""

from __future__ import annotations

from functools import cache

import pycountry
from babel import Locale


@cache
def country_codes() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries)


def is_country(code: str | None) -> bool:
    return bool(code) and code.upper() in country_codes()


@cache
def country_choices(locale: str) -> list[tuple[str, str]]:
    """(code, localised name) pairs sorted by name, for select fields."""
    names = Locale.parse(locale).territories
    pairs = [
        (code, names.get(code, pycountry.countries.get(alpha_2=code).name))
        for code in country_codes()
    ]
    return sorted(pairs, key=lambda pair: pair[1])


def country_name(code: str | None, locale: str) -> str:
    if not code:
        return ""
    code = code.upper()
    name = Locale.parse(locale).territories.get(code)
    if name:
        return name
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country else code
