"""Time zone pickers offer the zones of today's tz database, not its backward-compatible
aliases ("US/Eastern", "Asia/Calcutta", "Europe/Kiev" listed next to the zones they stand
for); an account, studio or festival saved with an alias keeps it."""

from __future__ import annotations

import re
from datetime import date

import pytest

from storefront.extensions import db
from storefront.models import User
from storefront.services.promotion import festivals
from storefront.services.reports.filters import canonical_time_zones, is_time_zone

ALIASES = ("US/Eastern", "Asia/Calcutta", "Europe/Kiev", "Asia/Saigon", "Etc/GMT+5", "GMT")
CURRENT = ("UTC", "Europe/Oslo", "Asia/Kolkata", "Europe/Kyiv", "America/New_York")


def offered(page: str, name: str) -> list[str]:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no <select name={name}>"
    return re.findall(r'<option[^>]*value="([^"]*)"', select.group(1))


def selected(page: str, name: str) -> str | None:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select
    chosen = re.search(r'<option(?=[^>]*selected)[^>]*value="([^"]*)"', select.group(1))
    return chosen.group(1) if chosen else None


def test_the_list_holds_current_zones_and_no_aliases():
    zones = canonical_time_zones()
    assert set(CURRENT) <= set(zones)
    assert not set(ALIASES) & set(zones)
    assert list(zones) == sorted(zones)
    assert all(is_time_zone(zone) for zone in (*zones, *ALIASES))  # aliases are still read


def test_account_settings_offer_no_alias_and_keep_a_saved_one(auth, viewer):
    viewer.timezone = "Asia/Calcutta"
    db.session.commit()
    auth.login(viewer.email)
    page = auth.client.get("/account/").text
    zones = offered(page, "prefs-timezone")
    assert "Asia/Kolkata" in zones and "US/Eastern" not in zones and "Europe/Kiev" not in zones
    assert selected(page, "prefs-timezone") == "Asia/Calcutta"

    kept = auth.client.post(
        "/account/",
        data={
            "action": "preferences",
            "prefs-display_name": "Vera",
            "prefs-locale": "",
            "prefs-timezone": "Asia/Calcutta",
        },
    )
    assert kept.status_code == 302
    assert db.session.get(User, viewer.id).timezone == "Asia/Calcutta"


def test_studio_settings_offer_no_alias_and_keep_a_saved_one(filmmaker_client, studio):
    studio.timezone = "US/Eastern"
    db.session.commit()
    page = filmmaker_client.get(f"/studio/{studio.slug}/edit").text
    zones = offered(page, "timezone")
    assert "America/New_York" in zones and "Asia/Calcutta" not in zones
    assert zones.count("US/Eastern") == 1 and selected(page, "timezone") == "US/Eastern"


@pytest.mark.parametrize("path", ["/festivals", "/festivals/{festival}/edit"])
def test_festival_forms_pick_a_zone_from_the_list(filmmaker_client, studio, path):
    festival = festivals.create_festival(
        studio, "Fjord Nights", date(2027, 3, 1), date(2027, 3, 5), "Europe/Kiev", 3000
    )
    db.session.commit()
    page = filmmaker_client.get(f"/studio/{studio.slug}" + path.format(festival=festival.slug)).text
    zones = offered(page, "timezone")
    assert "Europe/Kyiv" in zones and "US/Eastern" not in zones and "Asia/Calcutta" not in zones
    if "edit" in path:
        assert selected(page, "timezone") == "Europe/Kiev"
    else:
        assert "Europe/Kiev" not in zones and selected(page, "timezone") == "UTC"
