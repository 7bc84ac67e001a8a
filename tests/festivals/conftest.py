"""Festivals: an organiser studio, a filmmaker's film it programmes, screenings and passes.

Payments go through the Stripe emulator over HTTP, as in tests/payments (its fixtures are
reused here); ``webhooks`` delivers the emulator's events to the app in-process.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from storefront.extensions import db
from storefront.models import (
    Festival,
    FestivalPass,
    FestivalSelection,
    PassKind,
    Screening,
    Studio,
    StudioMember,
    TerritoryMode,
    Title,
    User,
    utcnow,
)
from storefront.services.promotion import festivals, screenings

from ..conftest import PASSWORD
from ..payments.conftest import (  # noqa: F401 - fixtures
    WEBHOOK_SECRET,
    admin_client_factory,
    emu,
    fresh,
    latest_order,
    sdk,
    session_id_from,
    settings,
    webhooks,
)


@pytest.fixture
def studio(filmmaker: User) -> Studio:
    """The filmmaker's own studio (not whichever studio was made first)."""
    return db.session.scalar(
        db.select(Studio).join(StudioMember).where(StudioMember.user_id == filmmaker.id)
    )


@pytest.fixture
def organiser(make_user: Callable[..., User]) -> User:
    return make_user("programmer@festival.example.org")


@pytest.fixture
def festival_studio(make_studio: Callable[..., Studio], organiser: User) -> Studio:
    return make_studio(organiser, name="Arctic Film Festival", country="NO")


@pytest.fixture
def festival(festival_studio: Studio) -> Festival:
    today = utcnow().date()
    found = festivals.create_festival(
        festival_studio,
        "Arctic Film Festival 2027",
        today - timedelta(days=1),
        today + timedelta(days=10),
        "Europe/Oslo",
        3000,
    )
    db.session.commit()
    return found


@pytest.fixture
def film(make_title: Callable[..., Title], studio: Studio) -> Title:
    """A published film of the filmmaker's studio with no store offers of its own."""
    return make_title("Northern Lights", studio=studio)


@pytest.fixture
def selection(festival: Festival, film: Title, filmmaker: User) -> FestivalSelection:
    section = festivals.add_section(festival, "Competition")
    chosen = festivals.invite_title(festival, film, section)
    festivals.respond(chosen, filmmaker, accept=True)
    db.session.commit()
    return chosen


@pytest.fixture
def make_screening(selection: FestivalSelection) -> Callable[..., Screening]:
    def make(
        opens: datetime | None = None,
        closes: datetime | None = None,
        *,
        amount: int = 800,
        currency: str = "EUR",
        **kwargs: Any,
    ) -> Screening:
        now = utcnow()
        screening = screenings.add_screening(
            selection,
            opens or now - timedelta(hours=1),
            closes or now + timedelta(days=2),
            amount,
            currency,
            **kwargs,
        )
        db.session.commit()
        return screening

    return make


@pytest.fixture
def screening(make_screening: Callable[..., Screening]) -> Screening:
    return make_screening()


@pytest.fixture
def make_pass(festival: Festival) -> Callable[..., FestivalPass]:
    def make(films: int | None = 2, amount: int = 2000, currency: str = "EUR", **kwargs: Any):
        festival_pass = FestivalPass(
            festival_id=festival.id,
            name="Two-film pass" if films else "All-access pass",
            kind=PassKind.FILMS if films else PassKind.ALL_ACCESS,
            films=films,
            amount=amount,
            currency=currency,
            territory_mode=kwargs.pop("territory_mode", TerritoryMode.WORLDWIDE),
            territories=kwargs.pop("territories", []),
            **kwargs,
        )
        db.session.add(festival_pass)
        db.session.commit()
        return festival_pass

    return make


def buy_ticket(client, screening: Screening, country: str = "NO"):  # type: ignore[no-untyped-def]
    festival = db.session.get(Festival, screening.festival_id)
    return client.post(
        f"/festivals/{festival.slug}/screenings/{screening.id}/ticket",
        headers={"X-Test-Country": country},
    )


def buy_pass(client, festival_pass: FestivalPass, country: str = "NO"):  # type: ignore[no-untyped-def]
    festival = db.session.get(Festival, festival_pass.festival_id)
    return client.post(
        f"/festivals/{festival.slug}/passes/{festival_pass.id}", headers={"X-Test-Country": country}
    )


def book(client, screening: Screening, holding_id: int, country: str = "NO"):  # type: ignore[no-untyped-def]
    festival = db.session.get(Festival, screening.festival_id)
    return client.post(
        f"/festivals/{festival.slug}/screenings/{screening.id}/book",
        data={"holding": holding_id},
        headers={"X-Test-Country": country},
    )


def sign_in(app, email):  # type: ignore[no-untyped-def]
    """A client of its own, signed in as ``email``."""
    client = app.test_client()
    client.post("/login", data={"email": email, "password": PASSWORD})
    return client


@pytest.fixture
def organiser_client(app, organiser):  # type: ignore[no-untyped-def]
    return sign_in(app, organiser.email)


@pytest.fixture
def base(festival) -> str:  # type: ignore[no-untyped-def]
    return f"/studio/{festival.studio.slug}/festivals/{festival.slug}"


def refusal(response) -> str:  # type: ignore[no-untyped-def]
    """The page of a refused edit: a 400 that says nothing was saved."""
    assert response.status_code == 400, response.status_code
    page = response.get_data(as_text=True)
    assert "Nothing was saved" in page
    return page
