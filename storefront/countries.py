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


# Countries whose English name takes "the" inside a sentence: "in the United States", "in the
# Netherlands". Only the English wording adds it; the other languages translate each whole
# sentence around a bare name (French: "dans votre pays (Norvège)").
ENGLISH_WITH_THE = frozenset(
    {
        "AE",  # United Arab Emirates
        "AX",  # Åland Islands
        "BQ",  # Caribbean Netherlands
        "BS",  # Bahamas
        "CC",  # Cocos (Keeling) Islands
        "CF",  # Central African Republic
        "CK",  # Cook Islands
        "DO",  # Dominican Republic
        "FK",  # Falkland Islands
        "FO",  # Faroe Islands
        "GB",  # United Kingdom
        "GM",  # Gambia
        "GS",  # South Georgia & South Sandwich Islands
        "HM",  # Heard & McDonald Islands
        "IM",  # Isle of Man
        "IO",  # British Indian Ocean Territory
        "KM",  # Comoros
        "KY",  # Cayman Islands
        "MH",  # Marshall Islands
        "MP",  # Northern Mariana Islands
        "MV",  # Maldives
        "NL",  # Netherlands
        "PH",  # Philippines
        "PN",  # Pitcairn Islands
        "PS",  # Palestinian Territories
        "SB",  # Solomon Islands
        "SC",  # Seychelles
        "TC",  # Turks & Caicos Islands
        "TF",  # French Southern Territories
        "UM",  # U.S. Outlying Islands
        "US",  # United States
        "VG",  # British Virgin Islands
        "VI",  # U.S. Virgin Islands
    }
)


def country_in_sentence(code: str | None, locale: str) -> str:
    """The country's name as it reads after "in" in a sentence of ``locale``: "the United
    States" in English, the bare name elsewhere."""
    name = country_name(code, locale)
    if name and locale.split("_")[0] == "en" and code and code.upper() in ENGLISH_WITH_THE:
        return f"the {name}"
    return name
