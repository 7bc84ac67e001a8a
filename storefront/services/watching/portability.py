"""EU cross-border portability (Regulation (EU) 2017/1128): a subscriber resident in one
EU/EEA member state keeps access to what they paid for while temporarily in another.

The rule, in one place: with portability on, a paid entitlement whose buyer's home country
(the payment's billing country, else the country at purchase) is in the EEA may be watched
from any EEA country, even where the film is not offered. Outside the EEA, and for anything
else about territories, the availability rule decides as before.
"""

from __future__ import annotations

from flask import current_app

from ...regions import EEA


def portability_enabled() -> bool:
    """The store's setting: "on", "off", or "auto" (on for a store established in the EEA)."""
    setting = current_app.config.get("PORTABILITY", "auto")
    if setting in ("on", "off"):
        return setting == "on"
    return (current_app.config.get("STORE_COUNTRY") or "") in EEA


def portable_home(home_country: str | None, country: str | None) -> str | None:
    """The home country that lets this viewer watch from ``country`` under portability
    (the caller already found the film is not offered there), or None."""
    if not portability_enabled() or not home_country or not country:
        return None
    if home_country in EEA and country in EEA:
        return home_country
    return None
