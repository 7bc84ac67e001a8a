"""Serving one variant playlist of a two-hour film: 1,200 six-second segments, each a signed
S3 URL, through the app's real route (token, account, session and entitlement re-checked).

The app runs in process (Flask test client) on a scratch SQLite database, with the S3 backend
pointing at moto's server on loopback (only the first request reads the stored playlist; the
parsed playlist is then cached per rendition, and signing needs no network).

Key: ``playlist_1200_segments_ms`` (median; goal <= 20 ms). Run from the repository root:
``python -m bench.bench_playlist``.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

SEGMENTS = 1200
ROUNDS = 40
BUCKET = "bench-playlists"
PASSWORD = "bench-password-123"


def _stored_playlist(prefix: str) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:6", "#EXT-X-MEDIA-SEQUENCE:0"]
    lines.append("#EXT-X-PLAYLIST-TYPE:VOD")
    for i in range(SEGMENTS):
        lines += ["#EXTINF:6.000000,", f"seg_{i:05d}.ts"]
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def run(rounds: int = ROUNDS) -> dict[str, float]:
    import boto3
    from flask_migrate import upgrade
    from moto.server import ThreadedMotoServer

    from storefront import create_app
    from storefront.adapters.storage import keys
    from storefront.extensions import db
    from storefront.models import (
        AssetKind,
        AssetStatus,
        Entitlement,
        MediaAsset,
        Offer,
        OfferKind,
        Order,
        OrderStatus,
        Rendition,
        Title,
        TitleStatus,
        utcnow,
    )
    from storefront.services.accounts.studios import create_studio
    from storefront.services.accounts.users import create_user

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's request log
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="AKIDBENCH",
        aws_secret_access_key="bench-secret",
    ).create_bucket(Bucket=BUCKET)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["INSTANCE_PATH"] = tmp
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'bench.db'}",
                "SECRET_KEY": "bench-secret-key-long-enough-0123456789",
                "TESTING": False,
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": False,
                "STORAGE_BACKEND": "s3",
                "S3_BUCKET": BUCKET,
                "S3_ENDPOINT_URL": endpoint,
                "S3_ADDRESSING_STYLE": "path",
                "S3_ACCESS_KEY_ID": "AKIDBENCH",
                "S3_SECRET_ACCESS_KEY": "bench-secret",
                "MAX_CONCURRENT_STREAMS": 1000,
            }
        )
        with app.app_context():
            upgrade()
            user = create_user("bench@example.org", PASSWORD)
            studio = create_studio(user, "Bench Films", "NO", user.email)
            title = Title(
                studio_id=studio.id,
                slug="two-hours",
                name="Two Hours",
                status=TitleStatus.PUBLISHED,
                published_at=utcnow(),
            )
            db.session.add(title)
            db.session.flush()
            db.session.add(
                Offer(title_id=title.id, kind=OfferKind.BUY, amount=1000, currency="EUR")
            )
            asset = MediaAsset(
                title_id=title.id,
                kind=AssetKind.FEATURE,
                status=AssetStatus.READY,
                original_filename="film.mov",
                size_bytes=1,
                source_key="s",
                duration_ms=SEGMENTS * 6000,
            )
            db.session.add(asset)
            db.session.flush()
            prefix = keys.rendition_prefix(title.id, asset.id)
            playlist_key = f"{prefix}1080p/index.m3u8"
            app.extensions["storage"].put(
                playlist_key, _stored_playlist(prefix).encode(), "application/vnd.apple.mpegurl"
            )
            db.session.add(
                Rendition(
                    asset_id=asset.id,
                    name="1080p",
                    width=1920,
                    height=1080,
                    bandwidth=6_000_000,
                    status=AssetStatus.READY,
                    playlist_key=playlist_key,
                    segment_count=SEGMENTS,
                )
            )
            order = Order(
                public_id=str(uuid.uuid4()),
                user_id=user.id,
                title_id=title.id,
                kind=OfferKind.BUY,
                amount=1000,
                currency="EUR",
                title_name=title.name,
                studio_name=studio.name,
                provider="offline",
                status=OrderStatus.PAID,
            )
            db.session.add(order)
            db.session.flush()
            db.session.add(
                Entitlement(
                    order_id=order.id, user_id=user.id, title_id=title.id, kind=OfferKind.BUY
                )
            )
            db.session.commit()

        client = app.test_client()
        client.post("/login", data={"email": "bench@example.org", "password": PASSWORD})
        info = client.post("/watch/two-hours/start", json={}).get_json()
        master = client.get(info["master_url"]).get_data(as_text=True)
        variant = next(line for line in master.splitlines() if line.startswith("/watch/"))
        first = client.get(variant).get_data(as_text=True)  # reads and caches the playlist
        assert first.count("X-Amz-Signature=") == SEGMENTS, first[:500]
        timings = []
        for _ in range(rounds):
            started = time.perf_counter()
            response = client.get(variant)
            response.get_data()
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
    server.stop()
    return {"playlist_1200_segments_ms": round(statistics.median(timings), 2)}


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
