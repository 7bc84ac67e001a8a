"""Demo data: a Norwegian-Belgian co-production sold in three territories.

North Light Films (Norway) owns "Between Two Seas" and holds it alone in the Nordic countries;
Bruxelles Films (Belgium, the co-producer's demo login) holds it in Benelux; everywhere else
the sale is shared 60/40. With offline test payments three demo buyers, in Norway, Belgium and
Germany, have bought it: once `make run`'s worker has delivered the test events, each studio's
"Shares" page shows its part, and the film's "Rights holders" page shows every split.
Idempotent: nothing happens if the film exists.
"""

from __future__ import annotations

import logging

from flask import current_app

from .cli import ensure_user
from .extensions import db
from .models import (
    Offer,
    OfferKind,
    RightsHolder,
    Studio,
    Title,
    TitleStatus,
    utcnow,
)
from .services.accounts.studios import create_studio
from .services.catalog.titles import TitleData, create_title
from .services.rights.splits import RuleInput, save_rules

log = logging.getLogger(__name__)
COPRODUCER = "coproducer@demo.example.org"
FILM = TitleData(
    name="Between Two Seas",
    synopsis="A ferry crew between Bergen and Zeebrugge, over one winter of storms.",
    year=2025,
    genres=["drama"],
    languages=["no", "nl", "fr"],
    countries=["NO", "BE"],
)
# (buyer, country): one sale in each territory of the split.
BUYERS = (
    ("nora@demo.example.org", "Nora", "NO"),
    ("bart@demo.example.org", "Bart", "BE"),
    ("dora@demo.example.org", "Dora", "DE"),
)


def load(owner_studio: Studio) -> Title | None:
    """Create the co-production, its holder, its split and three test sales (offline only)."""
    if db.session.scalar(db.select(Title.id).filter_by(name=FILM.name)) is not None:
        return None
    person = ensure_user(COPRODUCER, "Colette Coproducer")
    belgian = db.session.scalar(db.select(Studio).filter_by(slug="bruxelles-films"))
    if belgian is None:
        belgian = create_studio(person, "Bruxelles Films", "BE", COPRODUCER)
        belgian.slug = "bruxelles-films"
    title = create_title(owner_studio, FILM)
    db.session.add_all(
        [
            Offer(title_id=title.id, kind=OfferKind.RENT, amount=499, currency="EUR"),
            Offer(title_id=title.id, kind=OfferKind.BUY, amount=1299, currency="EUR"),
        ]
    )
    title.status = TitleStatus.PUBLISHED
    title.published_at = utcnow()
    db.session.add(
        RightsHolder(
            title_id=title.id, studio_id=belgian.id, email=COPRODUCER, accepted_at=utcnow()
        )
    )
    db.session.flush()
    holders = {owner_studio.id, belgian.id}
    save_rules(
        title,
        [
            RuleInput("allow", "nordics", "", {owner_studio.id: "100"}),
            RuleInput("allow", "benelux", "", {belgian.id: "100"}),
            RuleInput("deny", "nordics benelux", "", {owner_studio.id: "60", belgian.id: "40"}),
        ],
        holders,
        "en",
    )
    _sell(title)
    return title


def _sell(title: Title) -> None:
    """Three offline test purchases; the worker delivers their events after the commit."""
    from .services.payments.checkout import start_checkout

    gateway = current_app.extensions["payments"]
    if gateway.name != "offline":
        return
    for email, name, country in BUYERS:
        buyer = ensure_user(email, name)
        db.session.flush()
        started = start_checkout(gateway, buyer, title, OfferKind.BUY, country, utcnow())
        gateway.pay(started.order.checkout_session_id)
        log.info("Demo sale of %s in %s", title.name, country)
