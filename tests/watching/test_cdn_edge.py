"""CDN mode with Debian's nginx as the edge on loopback, in front of S3 (moto).

Segment links name the object's path on the CDN host plus a per-viewer, short-lived
secure_link token; the edge verifies the token and caches by path, so the second viewer's
segment is a cache hit while a tampered, re-pointed or expired token is refused.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import requests

from tests.scale.nginx import Nginx, cdn_edge_block, free_port, nginx_binary, start_nginx
from tests.services import require
from tests.storage.conftest import moto_client

from .conftest import grant

SECRET = "edge-secret-for-tests-0123456789"


@pytest.fixture
def edge_port() -> int:
    return free_port()


@pytest.fixture
def cdn_settings(s3_backend: dict, edge_port: int) -> dict:
    """The app on S3 (moto) with links through the edge (request before `app`)."""
    s3_backend.update(CDN_BASE_URL=f"http://127.0.0.1:{edge_port}", CDN_SECURE_LINK_SECRET=SECRET)
    return s3_backend


@pytest.fixture
def edge(
    cdn_settings: dict, edge_port: int, moto_endpoint: str, bucket: str, tmp_path: Path
) -> Iterator[Nginx]:
    binary = nginx_binary()
    require(binary is not None, "nginx not installed (apt-get install nginx)")
    assert binary is not None
    # The edge reads renditions and posters, and nothing else, by its address (as with a
    # bucket policy on aws:SourceIp or a VPC endpoint); viewers never reach the bucket.
    moto_client(moto_endpoint).put_bucket_policy(Bucket=bucket, Policy=edge_policy(bucket))
    server = start_nginx(
        tmp_path / "edge", cdn_edge_block(moto_endpoint, bucket, SECRET), binary, edge_port
    )
    yield server
    server.stop()


def edge_policy(bucket: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "EdgeReadsMedia",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": [
                        f"arn:aws:s3:::{bucket}/titles/*/renditions/*",
                        f"arn:aws:s3:::{bucket}/titles/*/posters/*",
                    ],
                    "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.1/32"}},
                }
            ],
        }
    )


def uris(playlist: str) -> list[str]:
    return [line for line in playlist.splitlines() if line and not line.startswith("#")]


def segment_links(client, slug: str) -> list[str]:
    info = client.post(f"/watch/{slug}/start", json={}).json
    variant = uris(client.get(info["master_url"]).get_data(as_text=True))[0]
    return uris(client.get(variant).get_data(as_text=True))


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query)) | changes
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_one_cached_segment_serves_every_viewer_with_their_own_token(
    edge, app, film, viewer, make_user, login_client
):
    other = make_user("second@example.org")
    grant(viewer, film)
    grant(other, film)
    first = segment_links(login_client(viewer.email), film.slug)
    second = segment_links(login_client(other.email), film.slug)
    assert all(link.startswith(edge.url + "/titles/") for link in first + second)
    assert first[0] != second[0]  # each viewer's token is their own...
    assert urlsplit(first[0]).path == urlsplit(second[0]).path  # ...for the same object

    miss = requests.get(first[0], timeout=10)
    assert miss.status_code == 200 and miss.content[:1] == b"\x47"  # MPEG-TS
    assert miss.headers["X-Cache-Status"] == "MISS"
    hit = requests.get(second[0], timeout=10)
    assert hit.status_code == 200 and hit.content == miss.content
    assert hit.headers["X-Cache-Status"] == "HIT"

    # Tampered token, another viewer's name, a link re-pointed at another segment, a
    # stretched expiry: all refused by the edge, cached or not.
    assert requests.get(with_query(first[0], t="A" * 22), timeout=10).status_code == 403
    assert requests.get(with_query(first[0], v="someone-else"), timeout=10).status_code == 403
    own, other_path = urlsplit(first[0]).path, urlsplit(first[1]).path
    assert requests.get(first[0].replace(own, other_path), timeout=10).status_code == 403
    later = str(int(dict(parse_qsl(urlsplit(first[0]).query))["e"]) + 3600)
    assert requests.get(with_query(first[0], e=later), timeout=10).status_code == 403
    assert requests.get(edge.url + own, timeout=10).status_code == 403  # no token at all


def test_an_expired_edge_link_is_refused(edge, app, film, viewer, login_client):
    app.config["SEGMENT_URL_SECONDS"] = 1
    grant(viewer, film)
    link = segment_links(login_client(viewer.email), film.slug)[0]
    assert requests.get(link, timeout=10).status_code == 200
    expires = int(dict(parse_qsl(urlsplit(link).query))["e"])
    while time.time() <= expires + 1:
        time.sleep(0.2)
    assert requests.get(link, timeout=10).status_code == 410


def test_pages_allow_the_edge_in_their_content_policy(edge, app, client, film):
    page = client.get("/films")
    assert edge.url in page.headers["Content-Security-Policy"]
