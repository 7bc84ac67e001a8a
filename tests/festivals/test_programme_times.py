"""The programme gives each screening's whole window in the festival's clock, not only when
it opens: a viewer abroad checks both ends against what the festival announced."""

from __future__ import annotations

from datetime import datetime, timedelta

from storefront.models import utcnow


def festival_clock_hint(page: str, screening_id: int) -> str:
    item = page.split(f'data-testid="screening-{screening_id}"', 1)[1].split("</li>", 1)[0]
    return item.split('class="hint">', 1)[1].split("</span>", 1)[0]


def test_the_programme_gives_opening_and_closing_in_festival_time(client, festival, make_screening):
    day = (utcnow() + timedelta(days=2)).date()
    opens = datetime(day.year, day.month, day.day, 18, 0)  # Oslo wall clock
    screening = make_screening(opens, opens + timedelta(hours=7, minutes=30))

    page = client.get(f"/festivals/{festival.slug}", headers={"X-Test-Country": "NO"}).text
    hint = festival_clock_hint(page, screening.id)

    assert "6:00\u202fPM" in hint or "18:00" in hint, hint
    assert "1:30\u202fAM" in hint or "01:30" in hint, hint
    assert hint.count("Europe/Oslo") == 1, hint
