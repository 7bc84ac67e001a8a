"""Groups of countries that speed up picking territories (EU, Nordics, Latin America...).

A group is only a shortcut: choosing it adds its countries to the list, which is what is saved.
Sources:
- UN M49 "Standard country or area codes for statistical use" (unstats.un.org/unsd/methodology/m49):
  continents and sub-regions. Taiwan is listed under Eastern Asia here (M49 folds it into China).
- European Union members, 27 since 1 February 2020 (european-union.europa.eu, "EU countries").
- Euro area: 21 members from 1 January 2026, when Bulgaria joined (ecb.europa.eu).
- European Economic Area: the EU plus Iceland, Liechtenstein and Norway (efta.int).
- Nordic Council: Denmark, Finland, Iceland, Norway, Sweden, and the Faroe Islands, Greenland
  and Åland (norden.org).
- Gulf Cooperation Council: six member states (gcc-sg.org).
- ASEAN: ten members plus Timor-Leste, admitted in October 2025 (asean.org).
- "North America" as film rights are sold: the United States and Canada with US territories.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


# UN M49 sub-regions.
NORTHERN_AFRICA = _codes("DZ EG LY MA SD TN EH")
EASTERN_AFRICA = _codes("IO BI KM DJ ER ET TF KE MG MW MU YT MZ RE RW SC SO SS UG TZ ZM ZW")
MIDDLE_AFRICA = _codes("AO CM CF TD CG CD GQ GA ST")
SOUTHERN_AFRICA = _codes("BW SZ LS NA ZA")
WESTERN_AFRICA = _codes("BJ BF CV CI GM GH GN GW LR ML MR NE NG SH SN SL TG")
CARIBBEAN = _codes(
    "AI AG AW BS BB BQ VG KY CU CW DM DO GD GP HT JM MQ MS PR BL KN LC MF VC SX TT TC VI"
)
CENTRAL_AMERICA = _codes("BZ CR SV GT HN MX NI PA")
SOUTH_AMERICA = _codes("AR BO BV BR CL CO EC FK GF GY PY PE GS SR UY VE")
NORTHERN_AMERICA = _codes("BM CA GL PM US")
CENTRAL_ASIA = _codes("KZ KG TJ TM UZ")
EASTERN_ASIA = _codes("CN HK MO KP JP MN KR TW")
SOUTH_EASTERN_ASIA = _codes("BN KH ID LA MY MM PH SG TH TL VN")
SOUTHERN_ASIA = _codes("AF BD BT IN IR MV NP PK LK")
WESTERN_ASIA = _codes("AM AZ BH CY GE IQ IL JO KW LB OM QA SA PS SY TR AE YE")
EASTERN_EUROPE = _codes("BY BG CZ HU PL MD RO RU SK UA")
NORTHERN_EUROPE = _codes("AX DK EE FO FI GG IS IE IM JE LV LT NO SJ SE GB")
SOUTHERN_EUROPE = _codes("AL AD BA HR GI GR VA IT MT ME MK PT SM RS SI ES")
WESTERN_EUROPE = _codes("AT BE FR DE LI LU MC NL CH")
AUSTRALIA_NEW_ZEALAND = _codes("AU CX CC HM NZ NF")
MELANESIA = _codes("FJ NC PG SB VU")
MICRONESIA = _codes("GU KI MH FM NR MP PW UM")
POLYNESIA = _codes("AS CK PF NU PN WS TK TO TV WF")

AFRICA = NORTHERN_AFRICA | EASTERN_AFRICA | MIDDLE_AFRICA | SOUTHERN_AFRICA | WESTERN_AFRICA
LATIN_AMERICA = CARIBBEAN | CENTRAL_AMERICA | SOUTH_AMERICA
ASIA = CENTRAL_ASIA | EASTERN_ASIA | SOUTH_EASTERN_ASIA | SOUTHERN_ASIA | WESTERN_ASIA
EUROPE = EASTERN_EUROPE | NORTHERN_EUROPE | SOUTHERN_EUROPE | WESTERN_EUROPE
OCEANIA = AUSTRALIA_NEW_ZEALAND | MELANESIA | MICRONESIA | POLYNESIA

EU = _codes("AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE")
EURO_AREA = _codes("AT BE BG HR CY EE FI FR DE GR IE IT LV LT LU MT NL PT SK SI ES")
EEA = EU | _codes("IS LI NO")
NORDICS = _codes("DK FI IS NO SE FO GL AX")
DACH = _codes("DE AT CH")
BENELUX = _codes("BE NL LU")
BALTICS = _codes("EE LV LT")
UK_IRELAND = _codes("GB IE IM JE GG")
NORTH_AMERICA_RIGHTS = _codes("US CA PR VI GU AS MP UM")
GCC = _codes("AE BH KW OM QA SA")
ASEAN = _codes("BN KH ID LA MY MM PH SG TH VN TL")


@dataclass(frozen=True)
class Region:
    key: str
    label: object  # a lazy string, translated when shown
    countries: frozenset[str]


REGIONS: tuple[Region, ...] = (
    Region("eu", _l("European Union"), EU),
    Region("euro", _l("Euro area"), EURO_AREA),
    Region("eea", _l("European Economic Area"), EEA),
    Region("nordics", _l("Nordic countries"), NORDICS),
    Region("dach", _l("Germany, Austria, Switzerland"), DACH),
    Region("benelux", _l("Benelux"), BENELUX),
    Region("baltics", _l("Baltic states"), BALTICS),
    Region("uk-ie", _l("UK and Ireland"), UK_IRELAND),
    Region("europe", _l("Europe"), EUROPE),
    Region("north-america", _l("North America (US, Canada)"), NORTH_AMERICA_RIGHTS),
    Region("latin-america", _l("Latin America and the Caribbean"), LATIN_AMERICA),
    Region("south-america", _l("South America"), SOUTH_AMERICA),
    Region("central-america", _l("Central America"), CENTRAL_AMERICA),
    Region("caribbean", _l("Caribbean"), CARIBBEAN),
    Region("africa", _l("Africa"), AFRICA),
    Region("mena", _l("Middle East and North Africa"), WESTERN_ASIA | NORTHERN_AFRICA),
    Region("gcc", _l("Gulf states (GCC)"), GCC),
    Region("asia", _l("Asia"), ASIA),
    Region("east-asia", _l("East Asia"), EASTERN_ASIA),
    Region("asean", _l("Southeast Asia (ASEAN)"), ASEAN),
    Region("south-asia", _l("South Asia"), SOUTHERN_ASIA),
    Region("oceania", _l("Oceania"), OCEANIA),
    Region("anz", _l("Australia and New Zealand"), AUSTRALIA_NEW_ZEALAND),
)
REGIONS_BY_KEY = {r.key: r for r in REGIONS}


def expand(keys: list[str]) -> set[str]:
    """The countries of the named groups (unknown keys are ignored by the caller's validation)."""
    return set().union(*(REGIONS_BY_KEY[k].countries for k in keys if k in REGIONS_BY_KEY))
