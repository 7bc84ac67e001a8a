"""S3 backend specifics checked against moto: CORS, privacy, bucket checks, part URLs."""

from __future__ import annotations

import pytest
import requests

from storefront.adapters.storage import StorageError, build_storage, keys
from storefront.adapters.storage.s3 import S3Storage

ACCESS_KEY, SECRET_KEY, REGION = "AKIDTESTING", "moto-secret-key", "us-east-1"  # as in conftest


def test_apply_cors_sets_browser_upload_rules(s3_storage: S3Storage) -> None:
    s3_storage.apply_cors(["https://films.example", "http://localhost:5000/"])
    (rule,) = s3_storage.client.get_bucket_cors(Bucket=s3_storage.bucket)["CORSRules"]
    assert sorted(rule["AllowedOrigins"]) == ["http://localhost:5000", "https://films.example"]
    assert sorted(rule["AllowedMethods"]) == ["GET", "HEAD", "PUT"]
    assert "ETag" in rule["ExposeHeaders"]
    assert {"Content-Type", "Range"} <= set(rule["AllowedHeaders"])


def test_objects_are_private(s3_storage: S3Storage) -> None:
    key = keys.poster_key(1, "w780")
    s3_storage.put(key, b"jpeg", "image/jpeg")
    upload_id = s3_storage.create_multipart(keys.source_key(1, 2, "mov"), "video/quicktime")
    s3_storage.abort_multipart(keys.source_key(1, 2, "mov"), upload_id)
    grants = s3_storage.client.get_object_acl(Bucket=s3_storage.bucket, Key=key)["Grants"]
    assert all("URI" not in grant["Grantee"] for grant in grants)  # no AllUsers/AuthenticatedUsers
    head = s3_storage.client.head_object(Bucket=s3_storage.bucket, Key=key)
    assert head["ContentType"] == "image/jpeg"


def test_part_urls_are_presigned_puts(s3_storage: S3Storage) -> None:
    key = keys.source_key(1, 2, "mov")
    upload_id = s3_storage.create_multipart(key, "video/quicktime")
    url = s3_storage.sign_part(key, upload_id, 3, 900)
    assert "partNumber=3" in url and "X-Amz-Signature=" in url and "X-Amz-Expires=900" in url
    assert "x-amz-checksum" not in url.lower() and "x-amz-sdk-checksum" not in url.lower()
    response = requests.put(url, data=b"abc", timeout=10)
    assert response.status_code == 200 and response.headers["ETag"]


def test_ensure_ready_reports_a_missing_bucket(moto_endpoint: str) -> None:
    storage = S3Storage(
        "no-such-bucket-here",
        region=REGION,
        endpoint_url=moto_endpoint,
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
    )
    with pytest.raises(StorageError, match="does not exist"):
        storage.ensure_ready()


def test_ensure_ready_leaves_no_probe_behind(s3_storage: S3Storage) -> None:
    s3_storage.ensure_ready()
    listing = s3_storage.client.list_objects_v2(Bucket=s3_storage.bucket)
    assert listing.get("KeyCount", 0) == 0


def test_build_storage_s3(moto_endpoint: str, bucket: str) -> None:
    storage = build_storage(
        {
            "STORAGE_BACKEND": "s3",
            "S3_BUCKET": bucket,
            "S3_REGION": REGION,
            "S3_ENDPOINT_URL": moto_endpoint,
            "S3_ACCESS_KEY_ID": ACCESS_KEY,
            "S3_SECRET_ACCESS_KEY": SECRET_KEY,
        }
    )
    assert isinstance(storage, S3Storage)
    assert storage.base_url == f"{moto_endpoint}/{bucket}/"  # "auto" is path style on an IP
    storage.ensure_ready()


def test_credentials_are_refreshed_into_the_presigner(s3_storage: S3Storage) -> None:
    first = s3_storage.presigner()
    assert s3_storage.presigner() is first
    assert first.credentials.access_key == ACCESS_KEY
    assert "moto-secret-key" not in repr(first.credentials)
