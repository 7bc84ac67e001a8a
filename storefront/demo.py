"""Demo data for `make run`: three accounts, a studio and its films. Idempotent by natural keys."""

from __future__ import annotations

import io
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
from .services.catalog.title_texts import save_text, texts_of
from .services.catalog.titles import TitleData, create_title

DEMO_TITLES = [
    TitleData(
        name="The Long Winter",
        original_name="Den lange vinteren",
        synopsis="In a fishing village above the Arctic Circle, three generations wait for the "
        "sun to come back.",
        tagline="Two months without the sun.",
        text_language="en",
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


# The Long Winter in other languages: (language, title, tagline, synopsis).
DEMO_TEXTS = {
    "The Long Winter": [
        (
            "nb",
            "Den lange vinteren",
            "To måneder uten sol.",
            "I et fiskevær nord for polarsirkelen venter tre generasjoner på at sola skal "
            "komme tilbake.",
        ),
        (
            "fr",
            "Le Long Hiver",
            "Deux mois sans soleil.",
            "Dans un village de pêcheurs au-delà du cercle polaire, trois générations "
            "attendent le retour du soleil.",
        ),
        ("ja", "長い冬", "太陽のない二か月。", "北極圏の漁村で、三世代の家族が太陽の帰りを待つ。"),
    ],
}
# Its film carries a French dubbed track and English audio description besides the original.
DEMO_VOICES = {
    "The Long Winter": [
        ("fre", "Version française", 660, False),
        ("eng", "Audio description", 880, True),
    ],
}


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
            _sample_poster(title)
            _sample_feature(title)
            _sample_subtitles(title)
        title = db.session.scalar(db.select(Title).filter_by(studio_id=studio.id, name=data.name))
        for language, name, tagline, synopsis in DEMO_TEXTS.get(data.name, []):
            if not any(t.language == language for t in texts_of(title)):
                save_text(title, language, name, tagline, synopsis)
    db.session.flush()
    from . import demo_coproduction, demo_selling

    upcoming = demo_selling.load(studio, filmmaker)
    if upcoming is not None:
        _sample_poster(upcoming)

    coproduction = demo_coproduction.load(studio)
    if coproduction is not None:
        _sample_poster(coproduction)
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


# Top and bottom colours of the demo posters, one pair per film.
POSTER_COLOURS = [("#16324f", "#d9822b"), ("#1b4332", "#95d5b2"), ("#3c096c", "#ff9e00")]


def _sample_poster(title: Title) -> None:
    """A drawn poster with the film's name, uploaded and resized by the worker like any."""
    from .adapters.images import sample_picture
    from .services.media.images import add_image

    top, bottom = POSTER_COLOURS[title.id % len(POSTER_COLOURS)]
    caption = title.name.replace(" ", "\n", 1)
    add_image(title, "poster", io.BytesIO(sample_picture(600, 900, top, bottom, caption)))


def _sample_subtitles(title: Title) -> None:
    """English subtitles timed every five seconds: on the test pattern's clock they show
    exactly when their SRT times say (the HLS timestamp map at work)."""
    from .services.media.subtitles import save_track

    blocks = [
        f"{n}\n00:00:{start:02d},000 --> 00:00:{start + 3:02d},000\n"
        f"This line is timed at {start} s\n"
        for n, start in enumerate(range(1, 22, 5), start=1)
    ]
    save_track(title, "en", "subtitles", "English", io.BytesIO("\n".join(blocks).encode()), "a.srt")


def _sample_feature(title: Title) -> None:
    """Store a generated test-pattern film and queue it for transcoding like an upload."""
    from .adapters.media.sample import SampleVoice, write_sample_film

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
        voices = [
            SampleVoice(f, lang, name, ad) for lang, name, f, ad in DEMO_VOICES.get(title.name, [])
        ]
        path = write_sample_film(Path(work) / "sample.mp4", seconds=seconds, voices=voices)
        asset.size_bytes = path.stat().st_size
        storage.upload_from(path, asset.source_key, "video/mp4")
    jobs.defer(db.session, "process_asset", asset.id)
    log.info("Queued the demo film of %s for transcoding", title.name)
