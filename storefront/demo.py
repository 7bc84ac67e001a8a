"""Demo data for `make run`: three accounts, a studio and its films. Idempotent by natural keys."""

from __future__ import annotations

import logging
import tempfile
from datetime import timedelta
from pathlib import Path

from flask import current_app

from . import jobs
from .adapters.storage import keys
from .cli import DEMO_ACCOUNTS, ensure_user
from .extensions import db
from .models import (
    AssetKind,
    AssetStatus,
    CreditRole,
    MediaAsset,
    Offer,
    OfferKind,
    OfferTerritory,
    Studio,
    TerritoryMode,
    Title,
    TitleStatus,
    utcnow,
)
from .services.accounts.studios import create_studio
from .services.catalog.titles import TitleData, create_title

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
        # A test purchase under `make run` then shows both the buyer's receipt and the
        # studio's sale alert in the admin outbox.
        studio.sale_alerts = "each"
    db.session.flush()
    studio = db.session.scalar(db.select(Studio).filter_by(slug="north-light-films"))
    for data in DEMO_TITLES:
        exists = db.session.scalar(
            db.select(Title.id).filter_by(studio_id=studio.id, name=data.name)
        )
        if exists is None:
            title = create_title(studio, data)
            _offer_and_publish(title)
            _sample_feature(title)
    db.session.flush()
    from . import demo_coproduction

    coproduction = demo_coproduction.load(studio)
    if coproduction is not None:
        _sample_feature(coproduction)
    db.session.flush()
    from . import demo_festival

    demo_festival.load()


log = logging.getLogger(__name__)


def _offer_and_publish(title: Title) -> None:
    """Rent worldwide (NOK in Norway, opening later in Japan); buy everywhere but the US."""
    rent = Offer(title_id=title.id, kind=OfferKind.RENT, amount=399, currency="EUR")
    rent.territories = [
        OfferTerritory(country="NO", amount=4900, currency="NOK"),
        OfferTerritory(country="JP", available_from=utcnow() + timedelta(days=60)),
    ]
    buy = Offer(
        title_id=title.id,
        kind=OfferKind.BUY,
        amount=999,
        currency="EUR",
        territory_mode=TerritoryMode.DENY,
    )
    buy.territories = [OfferTerritory(country="US", blocked=True)]
    db.session.add_all([rent, buy])
    # The sample film below is processed by the worker; published titles keep their status.
    title.status = TitleStatus.PUBLISHED
    title.published_at = utcnow()


def _sample_feature(title: Title) -> None:
    """Store a generated test-pattern film and queue it for transcoding like an upload."""
    from .adapters.media.sample import write_sample_film

    storage = current_app.extensions["storage"]
    asset = MediaAsset(
        title_id=title.id,
        kind=AssetKind.FEATURE,
        status=AssetStatus.UPLOADED,
        original_filename="sample.mp4",
        content_type="video/mp4",
        size_bytes=0,
        source_key="",
    )
    db.session.add(asset)
    db.session.flush()
    asset.source_key = keys.source_key(title.id, asset.id, "mp4")
    with tempfile.TemporaryDirectory() as work:
        seconds = int(current_app.config.get("DEMO_FILM_SECONDS", 24))
        path = write_sample_film(Path(work) / "sample.mp4", seconds=seconds)
        asset.size_bytes = path.stat().st_size
        storage.upload_from(path, asset.source_key, "video/mp4")
    jobs.defer(db.session, "process_asset", asset.id)
    log.info("Queued the demo film of %s for transcoding", title.name)
