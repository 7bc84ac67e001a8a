"""Demo data for `make run`: three accounts and a studio. Idempotent by natural keys."""

from __future__ import annotations

from .cli import DEMO_ACCOUNTS, ensure_user
from .extensions import db
from .models import Studio
from .services.studios import create_studio


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
