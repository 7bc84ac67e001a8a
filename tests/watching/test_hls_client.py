"""Real clients of the app's signed playlists: FFmpeg's HLS demuxer over HTTP, and
botocore's presigner as the judge of the app's own S3 signatures."""

from __future__ import annotations

import re
import subprocess
from datetime import datetime

import boto3
import botocore.auth
import imageio_ffmpeg
import pytest
import requests
from botocore.config import Config

from storefront.adapters.storage import keys, sigv4
from storefront.extensions import db
from storefront.models import MediaAsset

from ..browser.conftest import LiveServer
from ..conftest import PASSWORD
from .conftest import ACCESS_KEY, REGION, SECRET_KEY, grant


def uris(playlist: str) -> list[str]:
    return [line for line in playlist.splitlines() if line and not line.startswith("#")]


@pytest.mark.slow
def test_ffmpeg_plays_the_film_to_the_end_through_signed_urls(backend, app, viewer, film):
    grant(viewer, film)
    with LiveServer(app) as server:
        http = requests.Session()
        http.post(f"{server.url}/login", data={"email": viewer.email, "password": PASSWORD})
        info = http.post(f"{server.url}/watch/{film.slug}/start", json={}).json()
        master = f"{server.url}{info['master_url']}"
        cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
        if backend == "s3":  # segments come from storage, not from the app
            variant = uris(http.get(master).text)[0]
            segment = uris(http.get(f"{server.url}{variant}").text)[0]
            assert segment.startswith(app.config["S3_ENDPOINT_URL"])
        result = subprocess.run(
            [
                imageio_ffmpeg.get_ffmpeg_exe(),
                "-hide_banner",
                "-nostdin",
                "-headers",
                f"Cookie: {cookie}\r\n",
                # Local links are tokens without a file extension (S3 keys keep theirs);
                # FFmpeg's extension guard is for playlists naming local files.
                "-allowed_segment_extensions",
                "ALL",
                "-extension_picky",
                "0",
                "-i",
                master,
                "-map",
                "0:v:0",
                "-map",
                "0:a:0",
                "-f",
                "null",
                "-",
            ],  # fmt: skip
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    frames = [int(n) for n in re.findall(r"frame=\s*(\d+)", result.stderr)]
    assert frames and frames[-1] >= 148, result.stderr[-2000:]  # 6 s at 25 fps, to the end
    # No refused or failed request on the way (FFmpeg reports "Server returned 403 ...").
    assert "Server returned" not in result.stderr
    assert not re.search(r"\berror\b", result.stderr, re.IGNORECASE), result.stderr[-2000:]


FROZEN = datetime(2026, 3, 14, 15, 9, 26)


def test_playlist_segment_urls_are_exactly_botocores(s3_backend, app, viewer, film, monkeypatch):
    """The app signs segment URLs without botocore; they must equal botocore's own presigned
    URLs for the same credentials, time and keys."""
    monkeypatch.setattr(sigv4, "utcnow", lambda: FROZEN)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *a, **k: FROZEN)
    grant(viewer, film)
    client = app.test_client()
    client.post("/login", data={"email": viewer.email, "password": PASSWORD})
    info = client.post(f"/watch/{film.slug}/start", json={}).json
    variant = uris(client.get(info["master_url"]).get_data(as_text=True))[-1]
    signed = uris(client.get(variant).get_data(as_text=True))

    # The keys the stored ladder holds, signed by botocore itself for the same instant.
    asset_id = db.session.scalar(db.select(MediaAsset.id).filter_by(title_id=film.id))
    prefix = keys.rendition_prefix(film.id, asset_id)
    expected_keys = [keys.segment_key(prefix, "360p", i) for i in range(len(signed))]
    reference = boto3.session.Session().client(
        "s3",
        region_name=REGION,
        endpoint_url=app.config["S3_ENDPOINT_URL"],
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    expires = app.config["SEGMENT_URL_SECONDS"]
    assert signed == [
        reference.generate_presigned_url(
            "get_object",
            Params={"Bucket": app.config["S3_BUCKET"], "Key": key},
            ExpiresIn=expires,
        )
        for key in expected_keys
    ]
    assert f"X-Amz-Expires={expires}&" in signed[0] and expires <= 600
