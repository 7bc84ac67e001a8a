"""How long signing one HLS variant playlist's segment URLs takes.

A two-hour film cut into 6-second segments has 1,200 segments per variant playlist.
Compares the fast SigV4 presigner with boto3's ``generate_presigned_url`` (median of
several rounds, milliseconds per 1,200 URLs) and also times local-storage tokens.

Run from the repository root: ``python -m bench.bench_signing``.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable

import boto3
from botocore.config import Config

from storefront.adapters.storage import keys
from storefront.adapters.storage.local import LocalStorage, media_url_builder
from storefront.adapters.storage.sigv4 import Credentials, SigV4Presigner, s3_base_url

SEGMENTS = 1200
ROUNDS = 15
BUCKET = "films"
REGION = "eu-west-3"
ENDPOINT = "https://s3.eu-west-3.amazonaws.com"
CREDS = Credentials("AKIDBENCHMARK", "bench/secret+key")


def _median_ms(task: Callable[[], object], rounds: int) -> float:
    task()  # warm up caches (endpoint rules, signing key)
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        task()
        timings.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(timings), 3)


def run(rounds: int = ROUNDS) -> dict:
    """Median milliseconds to sign 1,200 segment URLs, fast path vs boto3."""
    prefix = keys.rendition_prefix(1, 1)
    segment_keys = [keys.segment_key(prefix, "1080p", i) for i in range(SEGMENTS)]

    presigner = SigV4Presigner(CREDS, REGION, s3_base_url(BUCKET, REGION, ENDPOINT, "path"))
    client = boto3.session.Session().client(
        "s3",
        region_name=REGION,
        endpoint_url=ENDPOINT,
        aws_access_key_id=CREDS.access_key,
        aws_secret_access_key=CREDS.secret_key,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )

    def boto3_sign() -> list[str]:
        return [
            client.generate_presigned_url(
                "get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=3600
            )
            for key in segment_keys
        ]

    with tempfile.TemporaryDirectory() as root:
        local = LocalStorage(
            root, secret_key="bench", url_for_token=media_url_builder("https://films.example/media")
        )
        local_ms = _median_ms(lambda: local.signed_get_urls(segment_keys, 3600), rounds)

    fast_ms = _median_ms(lambda: presigner.presign_get_many(segment_keys, 3600), rounds)
    boto3_ms = _median_ms(boto3_sign, max(3, rounds // 3))
    return {
        "presign_1200_fast_ms": fast_ms,
        "presign_1200_boto3_ms": boto3_ms,
        "presign_speedup": round(boto3_ms / fast_ms, 1),
        "local_token_1200_ms": local_ms,
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
