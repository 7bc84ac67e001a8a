"""Demo data for `make run`: three accounts, a studio and its films. Idempotent by natural keys."""

from __future__ import annotations

from .cli import DEMO_ACCOUNTS, ensure_user
from .extensions import db
from .models import CreditRole, Studio, Title
from .services.studios import create_studio
from .services.titles import TitleData, create_title

DEMO_TITLES = [
    TitleData(
        name="The Long Winter",
        original_name="Den lange vinteren",
        synopsis="In a fishing village above the Arctic Circle, three generations wait for the "
        "sun to come back.",
        year=2024,
        genres=["documentary"],
        languages=["no", "se"],
        countries=["NO", "SE"],
        credits={
            CreditRole.DIRECTOR: ["Ingrid Holm"],
            CreditRole.PRODUCER: ["North Light Films"],
            CreditRole.CO_PRODUCER: ["Midnattsol AB"],
        },
        festival_selections=["Tromsø International Film Festival 2025"],
    ),
    TitleData(
        name="Salt and Ice",
        synopsis="A short portrait of the last salt cod drying racks on the Lofoten coast.",
        year=2023,
        genres=["documentary", "short"],
        languages=["no"],
        countries=["NO"],
        credits={CreditRole.DIRECTOR: ["Per Lind"], CreditRole.CAST: ["Aslak Sara"]},
        content_advisory="Scenes of fish processing",
    ),
]


def load() -> None:
    ensure_user(DEMO_ACCOUNTS["viewer"], "Vera Viewer")
    filmmaker = ensure_user(DEMO_ACCOUNTS["filmmaker"], "Fenna Filmmaker")
    ensure_user(DEMO_ACCOUNTS["admin"], "Ada Admin", admin=True)
    if db.session.scalar(db.select(Studio).filter_by(slug="north-light-films")) is None:
        studio = create_studio(
            filmmaker,
            "North Light Films",
            "NO",
            DEMO_ACCOUNTS["filmmaker"],
            bio="A small collective making documentaries about the far north.",
            website="https://example.org",
        )
        studio.slug = "north-light-films"
    db.session.flush()
    studio = db.session.scalar(db.select(Studio).filter_by(slug="north-light-films"))
    for data in DEMO_TITLES:
        exists = db.session.scalar(
            db.select(Title.id).filter_by(studio_id=studio.id, name=data.name)
        )
        if exists is None:
            create_title(studio, data)
    db.session.flush()
