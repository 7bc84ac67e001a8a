"""Choosing several of a list works on a phone: no page asks for Ctrl/⌘-click in a multiple
select. A film's languages and countries of production and a code's films are checkboxes
that the territory picker's script turns into a search box with removable chips, as the
offers editor's countries are."""

from __future__ import annotations

import re

import pytest

MULTIPLE_SELECT = re.compile(r"<select[^>]*\bmultiple\b", re.I)


def picker_boxes(page: str, name: str) -> list[str]:
    """Values of the checkboxes called ``name`` inside a chip picker."""
    assert "data-territory-picker" in page
    return re.findall(rf'<input[^>]*name="{name}"[^>]*type="checkbox"[^>]*value="([^"]*)"', page)


@pytest.fixture
def film(make_title, studio):  # type: ignore[no-untyped-def]
    return make_title("Fjord Nights", studio=studio)


def test_a_films_languages_and_countries_are_picked_without_ctrl_click(
    filmmaker_client, studio, film
):
    for path in (f"/studio/{studio.slug}/titles/new", f"/studio/{studio.slug}/titles/{film.id}/"):
        page = filmmaker_client.get(path).text
        assert not MULTIPLE_SELECT.search(page), path
        assert "Ctrl" not in page
        assert "nb" in picker_boxes(page, "languages") and "SE" in picker_boxes(page, "countries")
        assert "js/territory-pickers.js" in page

    saved = filmmaker_client.post(
        f"/studio/{studio.slug}/titles/{film.id}/",
        data={
            "name": "Fjord Nights",
            "rental_start_days": "30",
            "rental_watch_hours": "48",
            "languages": ["nb", "se"],
            "countries": ["NO", "SE"],
        },
    )
    assert saved.status_code in (302, 303), saved.text
    page = filmmaker_client.get(f"/studio/{studio.slug}/titles/{film.id}/").text
    checked = re.findall(r'<input[^>]*checked[^>]*name="(\w+)"[^>]*value="([^"]*)"', page)
    assert {("countries", "NO"), ("countries", "SE"), ("languages", "nb")} <= set(checked)


def test_a_codes_films_are_picked_without_ctrl_click(filmmaker_client, studio, film):
    page = filmmaker_client.get(f"/studio/{studio.slug}/codes/new").text
    assert not MULTIPLE_SELECT.search(page)
    assert str(film.id) in picker_boxes(page, "titles")
