"""The fast presigner must produce exactly the URLs botocore produces."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import boto3
import botocore.auth
import pytest
import requests
from botocore.config import Config

from storefront.adapters.storage import keys, sigv4
from storefront.adapters.storage.s3 import S3Storage
from storefront.adapters.storage.sigv4 import (
    Credentials,
    SigV4Presigner,
    s3_base_url,
    signing_key,
)

FROZEN = datetime(2024, 2, 29, 23, 59, 58)  # naive UTC, as botocore uses internally
AWKWARD_KEYS = [
    "titles/1/renditions/9/720p/seg_00001.ts",
    "titles/1/a b+c~ü%.ts",
    "titles/1/x?y#z&a=b;c:d@e!f$g'h(i)j*k,l.m3u8",
    "titles/1/日本語/字幕 (fr).vtt",
    "titles/1/emoji 🎬/clip.mp4",
    'titles/1/tab\tand~tilde/quote"<>|^`{}[].bin',
    "titles/1/percent%2Fslash%20space",
    "UPPER/lower/MiXeD.TS",
    "a//double/slash",
    "trailing/slash/",
    "-_.~",
]
# The backends refuse empty segments and control characters; the presigner does not care.
BACKEND_KEYS = [k for k in AWKWARD_KEYS if "//" not in k and "\t" not in k and k[-1] != "/"]
ENDPOINTS = [None, "http://127.0.0.1:9000", "https://s3.example.com", "http://minio.local:9000"]
CREDENTIALS = [
    Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
    Credentials("ASIAEXAMPLE", "secret/with+symbols=", "FQoGZXIvYXdzE//session+token=="),
]


@pytest.fixture
def frozen_botocore(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """Make botocore sign at FROZEN: SigV4 query auth reads the clock via this function."""
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *args, **kwargs: FROZEN)
    return FROZEN


SESSION = boto3.session.Session()


def botocore_client(creds: Credentials, region: str, endpoint: str | None, style: str) -> Any:
    """A stock boto3 S3 client: the reference implementation."""
    return SESSION.client(
        "s3",
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id=creds.access_key,
        aws_secret_access_key=creds.secret_key,
        aws_session_token=creds.session_token,
        config=Config(signature_version="s3v4", s3={"addressing_style": style}),
    )


@pytest.mark.parametrize(
    ("endpoint", "style", "region", "creds"),
    list(
        itertools.product(ENDPOINTS, ["path", "virtual"], ["us-east-1", "eu-west-3"], CREDENTIALS)
    ),
)
def test_identical_to_botocore(
    frozen_botocore: datetime, endpoint: str | None, style: str, region: str, creds: Credentials
) -> None:
    client = botocore_client(creds, region, endpoint, style)
    presigner = SigV4Presigner(creds, region, s3_base_url("films-bucket", region, endpoint, style))
    fast = presigner.presign_get_many(AWKWARD_KEYS, 900, now=FROZEN)
    slow = [
        client.generate_presigned_url(
            "get_object", Params={"Bucket": "films-bucket", "Key": key}, ExpiresIn=900
        )
        for key in AWKWARD_KEYS
    ]
    assert fast == slow


def test_identical_with_response_overrides(frozen_botocore: datetime) -> None:
    creds = CREDENTIALS[1]
    client = botocore_client(creds, "eu-west-3", "https://s3.example.com", "virtual")
    base = s3_base_url("films-bucket", "eu-west-3", "https://s3.example.com", "virtual")
    presigner = SigV4Presigner(creds, "eu-west-3", base)
    disposition = "attachment; filename=\"Le film.mp4\"; filename*=UTF-8''L%C3%A9%20film.mp4"
    fast = presigner.presign_get(
        "titles/1/source/2.mp4",
        60,
        now=FROZEN,
        params=[
            ("response-content-type", "video/mp4"),
            ("response-content-disposition", disposition),
        ],
    )
    slow = client.generate_presigned_url(
        "get_object",
        Params={
            "Bucket": "films-bucket",
            "Key": "titles/1/source/2.mp4",
            "ResponseContentType": "video/mp4",
            "ResponseContentDisposition": disposition,
        },
        ExpiresIn=60,
    )
    assert fast == slow


def test_backend_urls_identical_to_its_boto3_client(
    frozen_botocore: datetime, s3_storage: S3Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The backend's own fast path (base URL taken from botocore) matches boto3 exactly."""
    monkeypatch.setattr(sigv4, "utcnow", lambda: FROZEN.replace(tzinfo=UTC))
    for key in BACKEND_KEYS:
        slow = s3_storage.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": s3_storage.bucket,
                "Key": key,
                "ResponseContentType": "text/vtt",
                "ResponseContentDisposition": 'attachment; filename="sub.vtt"',
            },
            ExpiresIn=120,
        )
        assert s3_storage.signed_get_url(key, 120, "sub.vtt", "text/vtt") == slow
        plain = s3_storage.client.generate_presigned_url(
            "get_object", Params={"Bucket": s3_storage.bucket, "Key": key}, ExpiresIn=120
        )
        assert s3_storage.signed_get_urls([key], 120) == [plain]


def test_fast_urls_work_over_http(s3_storage: S3Storage) -> None:
    rendition = keys.rendition_prefix(1, 9)
    segment_keys = [keys.segment_key(rendition, "720p", i) for i in range(5)]
    segment_keys.append(f"{rendition}odd name ü+%.ts")
    for index, key in enumerate(segment_keys):
        s3_storage.put(key, bytes(range(256)) * 4 + bytes([index]), "video/mp2t")
    urls = s3_storage.presigner().presign_get_many(segment_keys, 300)
    for index, url in enumerate(urls):
        full = requests.get(url, timeout=30)
        assert full.status_code == 200
        assert full.content == bytes(range(256)) * 4 + bytes([index])
        part = requests.get(url, headers={"Range": "bytes=100-199"}, timeout=30)
        assert part.status_code == 206
        assert part.content == bytes(range(100, 200))
        assert part.headers["Content-Range"] == "bytes 100-199/1025"


def test_timezone_aware_now_is_converted_to_utc() -> None:
    presigner = SigV4Presigner(CREDENTIALS[0], "us-east-1", "https://h.example/b/")
    paris = timezone(timedelta(hours=1))
    aware = FROZEN.replace(tzinfo=UTC).astimezone(paris)
    assert presigner.presign_get("k", 60, now=aware) == presigner.presign_get("k", 60, now=FROZEN)
    assert "X-Amz-Date=20240229T235958Z" in presigner.presign_get("k", 60, now=aware)


def test_expiry_limits() -> None:
    presigner = SigV4Presigner(CREDENTIALS[0], "us-east-1", "https://h.example/b/")
    for bad in (0, -1, 7 * 24 * 3600 + 1):
        with pytest.raises(ValueError):
            presigner.presign_get("k", bad)
    assert "X-Amz-Expires=604800" in presigner.presign_get("k", 604800)


def test_signing_key_is_cached_per_day_region_service() -> None:
    signing_key.cache_clear()
    presigner = SigV4Presigner(CREDENTIALS[0], "us-east-1", "https://h.example/b/")
    presigner.presign_get_many(["a", "b", "c"], 60, now=FROZEN)
    presigner.presign_get_many(["d"], 60, now=FROZEN - timedelta(hours=23))
    assert signing_key.cache_info().misses == 1
    presigner.presign_get_many(["e"], 60, now=FROZEN + timedelta(days=1))
    assert signing_key.cache_info().misses == 2


def test_base_url_rules() -> None:
    assert s3_base_url("b", "us-east-1") == "https://s3.amazonaws.com/b/"
    assert (
        s3_base_url("b-1", "eu-west-3", None, "virtual")
        == "https://b-1.s3.eu-west-3.amazonaws.com/"
    )
    assert (
        s3_base_url("bkt", "auto", "http://10.0.0.5:9000", "virtual") == "http://10.0.0.5:9000/bkt/"
    )
    with pytest.raises(ValueError):
        s3_base_url("b", "us-east-1", "ftp://example.com")
    with pytest.raises(ValueError):
        SigV4Presigner(CREDENTIALS[0], "us-east-1", "https://h.example/b")
    assert "secret" not in repr(CREDENTIALS[1]).lower().replace("secret_key='***'", "")
