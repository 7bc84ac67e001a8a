"""S3 backend specifics checked against moto: CORS, privacy, bucket checks, part URLs."""

from __future__ import annotations

import os
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from storefront.adapters.storage import (
    MIN_PART_SIZE,
    StorageError,
    build_storage,
    crc32_checksum,
    keys,
)
from storefront.adapters.storage.s3 import S3Storage
from tests.storage.conftest import moto_storage

ACCESS_KEY, SECRET_KEY, REGION = "AKIDTESTING", "moto-secret-key", "us-east-1"  # as in conftest


def test_apply_cors_sets_browser_upload_rules(s3_storage: S3Storage) -> None:
    s3_storage.apply_cors(["https://films.example", "http://localhost:5000/"])
    (rule,) = s3_storage.client.get_bucket_cors(Bucket=s3_storage.bucket)["CORSRules"]
    assert sorted(rule["AllowedOrigins"]) == ["http://localhost:5000", "https://films.example"]
    assert sorted(rule["AllowedMethods"]) == ["GET", "HEAD", "PUT"]
    assert "ETag" in rule["ExposeHeaders"]
    assert {"Content-Type", "Range", "x-amz-checksum-crc32"} <= set(rule["AllowedHeaders"])


def test_cors_problem_says_what_the_bucket_refuses_a_page(
    moto_endpoint: str, s3_storage: S3Storage
) -> None:
    page = "https://films.example"
    assert s3_storage.cors_problem(page) == "no_rules"
    s3_storage.apply_cors([page])
    assert s3_storage.cors_problem(page) is None
    assert s3_storage.cors_problem("https://elsewhere.example") == "origin"

    def rules(methods: list[str], headers: list[str], origin: str = "https://*.example") -> None:
        rule = {"AllowedOrigins": [origin], "AllowedMethods": methods, "AllowedHeaders": headers}
        s3_storage.client.put_bucket_cors(
            Bucket=s3_storage.bucket, CORSConfiguration={"CORSRules": [rule]}
        )

    rules(["GET"], ["*"])
    assert s3_storage.cors_problem(page) == "method"
    rules(["PUT"], ["Content-Type", "Range"])
    assert s3_storage.cors_problem(page) == "checksum_header"
    # A service without checksums (S3_PART_CHECKSUMS=false) sends no such header.
    unchecked = moto_storage(moto_endpoint, s3_storage.bucket, part_checksums=False)
    assert unchecked.cors_problem(page) is None
    rules(["PUT"], ["x-amz-*"])
    assert s3_storage.cors_problem(page) is None


def test_objects_are_private(s3_storage: S3Storage) -> None:
    key = keys.poster_key(1, "w780")
    s3_storage.put(key, b"jpeg", "image/jpeg")
    upload_id = s3_storage.create_multipart(keys.source_key(1, 2, "mov"), "video/quicktime")
    s3_storage.abort_multipart(keys.source_key(1, 2, "mov"), upload_id)
    grants = s3_storage.client.get_object_acl(Bucket=s3_storage.bucket, Key=key)["Grants"]
    assert all("URI" not in grant["Grantee"] for grant in grants)  # no AllUsers/AuthenticatedUsers
    head = s3_storage.client.head_object(Bucket=s3_storage.bucket, Key=key)
    assert head["ContentType"] == "image/jpeg"


def test_part_urls_are_presigned_puts_bound_to_the_parts_checksum(
    s3_storage: S3Storage,
) -> None:
    key = keys.source_key(1, 2, "mov")
    upload_id = s3_storage.create_multipart(key, "video/quicktime")
    (upload,) = s3_storage.client.list_multipart_uploads(Bucket=s3_storage.bucket)["Uploads"]
    assert upload["ChecksumAlgorithm"] == "CRC32"

    checksum = crc32_checksum(b"abc")
    signed = s3_storage.sign_part(key, upload_id, 3, 900, checksum)
    url = signed.url
    assert "partNumber=3" in url and "X-Amz-Signature=" in url and "X-Amz-Expires=900" in url
    # The signature covers the checksum header: a browser cannot drop or change it.
    signed_headers = parse_qs(urlsplit(url).query)["X-Amz-SignedHeaders"][0].split(";")
    assert signed_headers == ["host", "x-amz-checksum-crc32"]
    assert signed.headers == {"x-amz-checksum-crc32": checksum}
    response = requests.put(url, data=b"abc", headers=signed.headers, timeout=10)
    assert response.status_code == 200 and response.headers["ETag"]


def test_completion_names_every_parts_checksum(s3_storage: S3Storage) -> None:
    key = keys.source_key(1, 2, "mov")
    upload_id = s3_storage.create_multipart(key, "video/quicktime")
    data = [os.urandom(MIN_PART_SIZE), b"tail"]
    done = []
    for number, chunk in enumerate(data, start=1):
        signed = s3_storage.sign_part(key, upload_id, number, 60, crc32_checksum(chunk))
        response = requests.put(signed.url, data=chunk, headers=signed.headers, timeout=30)
        done.append((number, response.headers["ETag"]))
    sent: list[dict] = []
    s3_storage.client.meta.events.register(
        "before-parameter-build.s3.CompleteMultipartUpload",
        lambda params, **_: sent.append(params),
    )
    checksums = {n: crc32_checksum(chunk) for n, chunk in enumerate(data, start=1)}
    info = s3_storage.complete_multipart(key, upload_id, done, checksums)
    assert info.size == MIN_PART_SIZE + 4
    assert [part["ChecksumCRC32"] for part in sent[0]["MultipartUpload"]["Parts"]] == [
        checksums[1],
        checksums[2],
    ]


def test_part_checksums_can_be_turned_off_for_services_without_them(
    moto_endpoint: str, bucket: str
) -> None:
    storage = moto_storage(moto_endpoint, bucket, part_checksums=False)
    key = keys.source_key(1, 2, "mov")
    upload_id = storage.create_multipart(key, "video/quicktime")
    (upload,) = storage.client.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert upload.get("ChecksumAlgorithm") is None
    signed = storage.sign_part(key, upload_id, 1, 60, crc32_checksum(b"abc"))
    assert signed.headers == {}
    assert "x-amz-checksum" not in signed.url.lower()
    response = requests.put(signed.url, data=b"abc", timeout=10)
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
    config = {
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": bucket,
        "S3_REGION": REGION,
        "S3_ENDPOINT_URL": moto_endpoint,
        "S3_ACCESS_KEY_ID": ACCESS_KEY,
        "S3_SECRET_ACCESS_KEY": SECRET_KEY,
    }
    storage = build_storage(config)
    assert isinstance(storage, S3Storage)
    assert storage.base_url == f"{moto_endpoint}/{bucket}/"  # "auto" is path style on an IP
    assert storage.part_checksums
    storage.ensure_ready()
    assert not build_storage({**config, "S3_PART_CHECKSUMS": False}).part_checksums


def test_credentials_are_refreshed_into_the_presigner(s3_storage: S3Storage) -> None:
    first = s3_storage.presigner()
    assert s3_storage.presigner() is first
    assert first.credentials.access_key == ACCESS_KEY
    assert "moto-secret-key" not in repr(first.credentials)
