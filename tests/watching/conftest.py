"""Fixtures for watching: a real little HLS film made with FFmpeg, stored the way a finished
transcode leaves it, and helpers to grant entitlements as fulfilment would."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import imageio_ffmpeg
import pytest
from flask import Flask

from storefront.adapters.storage import keys
from storefront.extensions import db
from storefront.models import (
    AssetKind,
    AssetStatus,
    CreditRole,
    Entitlement,
    EntitlementStatus,
    FacetKind,
    MediaAsset,
    OfferKind,
    Order,
    OrderStatus,
    Rendition,
    SubtitleTrack,
    Title,
    TitleCredit,
    TitleFacet,
    User,
    utcnow,
)

from ..storage.conftest import (  # noqa: F401 - fixtures, and keys for test_hls_client
    ACCESS_KEY,
    REGION,
    SECRET_KEY,
    bucket,
    moto_endpoint,
    moto_settings,
)

RENDITIONS = [("180p", 320, 180, 300_000), ("360p", 640, 360, 800_000)]
DURATION_S = 6
SEGMENT_S = 2
WEBVTT = """WEBVTT

00:00:00.500 --> 00:00:02.500
Hello from the subtitles

00:00:03.000 --> 00:00:05.500
Second line
"""
WORLDWIDE = [
    {"kind": OfferKind.RENT, "amount": 499, "currency": "EUR"},
    {"kind": OfferKind.BUY, "amount": 1499, "currency": "EUR"},
]


@pytest.fixture(scope="session")
def hls_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 6-second film as a 2-rendition HLS ladder with 2-second segments (made once)."""
    out = tmp_path_factory.mktemp("hls")
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    split = "[0:v]split=2[a][b];[a]scale=320:180[v0];[b]scale=640:360[v1]"
    args = [
        ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=25:duration={DURATION_S}",
        "-f", "lavfi", "-i", f"sine=frequency=440:duration={DURATION_S}",
        "-filter_complex", split,
        "-map", "[v0]", "-map", "1:a", "-map", "[v1]", "-map", "1:a",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-g", "50", "-keyint_min", "50", "-sc_threshold", "0",
        "-b:v:0", "250k", "-b:v:1", "700k",
        "-c:a", "aac", "-b:a", "64k", "-ac", "2", "-ar", "44100",
        "-f", "hls", "-hls_time", str(SEGMENT_S), "-hls_playlist_type", "vod",
        "-hls_segment_filename", str(out / "%v" / "seg_%05d.ts"),
        "-master_pl_name", "master.m3u8",
        "-var_stream_map", "v:0,a:0,name:180p v:1,a:1,name:360p",
        str(out / "%v" / "index.m3u8"),
    ]  # fmt: skip
    subprocess.run(args, check=True, timeout=120)
    (out / "subtitles.vtt").write_text(WEBVTT, encoding="utf-8")
    return out


def store_hls(title: Title, package: Path, kind: AssetKind = AssetKind.FEATURE) -> MediaAsset:
    """Put the package in storage under the predictable keys and record it as transcoded."""
    from flask import current_app

    storage = current_app.extensions["storage"]
    asset = MediaAsset(
        title_id=title.id,
        kind=kind,
        status=AssetStatus.READY,
        original_filename="film.mov",
        size_bytes=1,
        source_key="pending",
        duration_ms=DURATION_S * 1000,
        width=640,
        height=360,
    )
    db.session.add(asset)
    db.session.flush()
    prefix = (
        keys.rendition_prefix(title.id, asset.id)
        if kind == AssetKind.FEATURE
        else keys.trailer_prefix(title.id, asset.id)
    )
    asset.source_key = keys.source_key(title.id, asset.id, "mov")
    for path in sorted(package.rglob("*")):
        if path.is_file() and path.suffix in (".m3u8", ".ts"):
            kind_type = "application/vnd.apple.mpegurl" if path.suffix == ".m3u8" else "video/mp2t"
            storage.put(prefix + path.relative_to(package).as_posix(), path.read_bytes(), kind_type)
    asset.hls_master_key = prefix + "master.m3u8"
    for name, width, height, bandwidth in RENDITIONS:
        segments = len(list((package / name).glob("seg_*.ts")))
        db.session.add(
            Rendition(
                asset_id=asset.id,
                name=name,
                width=width,
                height=height,
                bandwidth=bandwidth,
                status=AssetStatus.READY,
                progress=100,
                playlist_key=f"{prefix}{name}/index.m3u8",
                segment_count=segments,
            )
        )
    db.session.commit()
    return asset


def add_subtitles(title: Title, package: Path, language: str = "fr", label: str = "Français"):
    from flask import current_app

    track = SubtitleTrack(title_id=title.id, language=language, label=label, storage_key="x")
    db.session.add(track)
    db.session.flush()
    track.storage_key = keys.subtitle_key(title.id, track.id)
    current_app.extensions["storage"].put(
        track.storage_key, (package / "subtitles.vtt").read_bytes(), "text/vtt"
    )
    db.session.commit()
    return track


@pytest.fixture
def film(app: Flask, make_title: Callable[..., Title], hls_package: Path) -> Title:
    """A published film on sale worldwide, transcoded, with French subtitles."""
    title = make_title("Northern Lights", offers=WORLDWIDE, synopsis="Two sisters in Tromsø.")
    title.facets = [
        TitleFacet(kind=FacetKind.GENRE, value="drama"),
        TitleFacet(kind=FacetKind.LANGUAGE, value="no"),
        TitleFacet(kind=FacetKind.COUNTRY, value="NO"),
        TitleFacet(kind=FacetKind.COUNTRY, value="SE"),
    ]
    title.credits = [
        TitleCredit(role=CreditRole.DIRECTOR, name="Ingrid Solberg", position=0),
        TitleCredit(role=CreditRole.CAST, name="Åse Berg", position=1),
    ]
    title.festival_selections = ["Berlinale Forum 2025"]
    db.session.commit()
    store_hls(title, hls_package)
    add_subtitles(title, hls_package)
    return title


@pytest.fixture
def login_client(app: Flask) -> Callable[[str], object]:
    """A new, separately logged-in client (another browser or device of an account)."""
    from ..conftest import PASSWORD

    def make(email: str):
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": PASSWORD})
        assert response.status_code in (302, 303)
        return client

    return make


@dataclass
class Grant:
    order: Order
    entitlement: Entitlement


def grant(
    user: User,
    title: Title,
    kind: OfferKind = OfferKind.BUY,
    *,
    at: datetime | None = None,
    country: str | None = None,
    start_days: int = 30,
    watch_hours: int = 48,
    status: EntitlementStatus = EntitlementStatus.ACTIVE,
) -> Grant:
    """What fulfilment leaves behind for a paid order."""
    at = at or utcnow()
    order = Order(
        public_id=str(uuid.uuid4()),
        user_id=user.id,
        title_id=title.id,
        studio_id=title.studio_id,
        kind=kind,
        amount=499,
        currency="EUR",
        country=country,
        title_name=title.name,
        studio_name="Studio",
        provider="offline",
        status=OrderStatus.PAID,
        paid_at=at,
        rental_start_days=start_days if kind == OfferKind.RENT else None,
        rental_watch_hours=watch_hours if kind == OfferKind.RENT else None,
    )
    db.session.add(order)
    db.session.flush()
    entitlement = Entitlement(
        order_id=order.id,
        user_id=user.id,
        title_id=title.id,
        kind=kind,
        status=status,
        granted_at=at,
        start_by=at + timedelta(days=start_days) if kind == OfferKind.RENT else None,
        watch_hours=watch_hours if kind == OfferKind.RENT else None,
    )
    db.session.add(entitlement)
    db.session.commit()
    return Grant(order, entitlement)


@pytest.fixture
def s3_backend(settings: dict, moto_endpoint: str, bucket: str) -> dict:  # noqa: F811
    """Run this test's app on the S3 backend (moto on loopback). Request it before `app`."""
    settings.update(moto_settings(moto_endpoint, bucket))
    return settings


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, settings: dict) -> str:
    """Each test using it runs once per storage backend."""
    if request.param == "s3":
        request.getfixturevalue("s3_backend")
    return request.param
