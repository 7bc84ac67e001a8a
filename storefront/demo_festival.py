"""Demo festival for `make run`: a festival studio programmes the demo films, with a capped
screening open now, a live screening tomorrow evening, and two passes. Idempotent."""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from .adapters.images import sample_picture
from .cli import DEMO_ACCOUNTS, ensure_user
from .extensions import db
from .models import (
    FestivalPass,
    PassKind,
    Studio,
    TerritoryMode,
    Title,
    utcnow,
)
from .services.accounts.studios import create_studio
from .services.promotion import festival_artwork, festivals, screenings

FESTIVAL_SLUG = "arctic-lights-festival"
ZONE = "Europe/Oslo"


def load() -> None:
    """Create the demo festival once; later runs leave it (and its sales) as they are."""
    organiser = ensure_user(DEMO_ACCOUNTS["festival"], "Frida Festival")
    if festivals.festival_by_slug(FESTIVAL_SLUG) is not None:
        return
    films = {
        t.name: t
        for t in db.session.scalars(
            db.select(Title).join(Studio).where(Studio.slug == "north-light-films")
        )
    }
    if len(films) < 2:
        return
    studio = db.session.scalar(db.select(Studio).filter_by(slug="arctic-lights"))
    if studio is None:
        studio = create_studio(organiser, "Arctic Lights", "NO", DEMO_ACCOUNTS["festival"])
        studio.slug = "arctic-lights"
    today = datetime.now(ZoneInfo(ZONE)).date()
    festival = festivals.create_festival(
        studio,
        "Arctic Lights Festival",
        today - timedelta(days=1),
        today + timedelta(days=10),
        ZONE,
        3000,
        "Ten days of films from the far north, online in the Nordic countries.",
    )
    festival.slug = FESTIVAL_SLUG
    artwork = sample_picture(1920, 800, "#0b2545", "#8da9c4", "Arctic Lights\nFestival")
    festival_artwork.upload_artwork(festival, io.BytesIO(artwork))
    competition = festivals.add_section(festival, "Competition")
    shorts = festivals.add_section(festival, "Shorts")
    filmmaker = ensure_user(DEMO_ACCOUNTS["filmmaker"], "Fenna Filmmaker")
    winter = festivals.invite_title(festival, films["The Long Winter"], competition)
    salt = festivals.invite_title(festival, films["Salt and Ice"], shorts)
    for selection in (winter, salt):
        festivals.respond(selection, filmmaker, accept=True)
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    nordic = [
        {"country": "NO", "amount": 9900, "currency": "NOK"},
        {"country": "SE", "amount": 9900, "currency": "SEK"},
        {"country": "DK", "amount": 6900, "currency": "DKK"},
        {"country": "FI"},
        {"country": "IS"},
    ]
    # Open now, five seats only, Nordic countries only.
    screenings.add_screening(
        winter,
        now - timedelta(hours=2),
        now + timedelta(days=2),
        900,
        "EUR",
        capacity=5,
        territory_mode=TerritoryMode.ALLOW,
        territories=nordic,
    )
    evening = datetime.combine(today + timedelta(days=1), time(20, 0))
    screenings.add_screening(
        salt, evening - timedelta(hours=1), evening + timedelta(hours=3), 500, "EUR",
        live_local=evening, watch_hours=3,
    )  # fmt: skip
    screenings.add_screening(
        salt, datetime.combine(today + timedelta(days=3), time(12, 0)),
        datetime.combine(today + timedelta(days=5), time(23, 0)), 500, "EUR",
    )  # fmt: skip
    db.session.add_all(
        [
            FestivalPass(
                festival_id=festival.id, name="Three-film pass", kind=PassKind.FILMS, films=3,
                amount=2000, currency="EUR",
                territories=[{"country": "NO", "amount": 19900, "currency": "NOK"}],
            ),
            FestivalPass(
                festival_id=festival.id, name="All-access pass", kind=PassKind.ALL_ACCESS,
                amount=3500, currency="EUR", territory_mode=TerritoryMode.ALLOW,
                territories=[{"country": c} for c in ("NO", "SE", "DK", "FI", "IS")],
            ),
        ]
    )  # fmt: skip
    db.session.flush()
