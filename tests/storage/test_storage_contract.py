"""The storage contract, run against both backends over real HTTP."""

from __future__ import annotations

import hashlib
import io
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from storefront.adapters.storage import (
    MIN_PART_SIZE,
    InvalidKey,
    InvalidPart,
    LocalStorage,
    ObjectNotFound,
    Storage,
    StorageError,
    UploadNotFound,
    crc32_checksum,
    keys,
)
from storefront.adapters.storage.s3 import S3Storage
from tests.rclone_s3 import on_rclone

KEY = keys.source_key(7, 42, "mov")
PARTS = [os.urandom(MIN_PART_SIZE), os.urandom(MIN_PART_SIZE), os.urandom(123_457)]
FILM = b"".join(PARTS)


def md5(data: bytes) -> Any:
    """ETags are MD5 digests (integrity, not security)."""
    return hashlib.md5(data, usedforsecurity=False)


def upload_parts(storage: Storage, key: str, upload_id: str, parts: list[bytes]) -> list:
    """PUT each part to its signed URL the way a browser does; return (number, etag)."""
    done = []
    for number, data in enumerate(parts, start=1):
        signed = storage.sign_part(key, upload_id, number, 600, crc32_checksum(data))
        response = requests.put(signed.url, data=data, headers=signed.headers, timeout=30)
        assert response.status_code == 200, response.text
        done.append((number, response.headers["ETag"]))
    return done


def test_backends_satisfy_the_protocol(storage: Storage) -> None:
    assert isinstance(storage, Storage)


def test_multipart_upload_then_ranged_playback(storage: Storage) -> None:
    upload_id = storage.create_multipart(KEY, "video/quicktime")
    done = upload_parts(storage, KEY, upload_id, PARTS)

    listed = storage.list_parts(KEY, upload_id)
    assert [(p.number, p.size) for p in listed] == [
        (1, MIN_PART_SIZE),
        (2, MIN_PART_SIZE),
        (3, 123_457),
    ]
    assert [p.etag for p in listed] == [md5(d).hexdigest() for d in PARTS]
    assert [etag.strip('"') for _, etag in done] == [p.etag for p in listed]

    info = storage.complete_multipart(KEY, upload_id, done)
    assert info.size == len(FILM)
    digests = b"".join(md5(d).digest() for d in PARTS)
    if on_rclone(storage):  # rclone's ETag is the whole object's MD5, not S3's multipart form
        assert info.etag == md5(FILM).hexdigest()
    else:
        assert info.etag == f"{md5(digests).hexdigest()}-3"  # S3's multipart ETag
    assert storage.size(KEY) == len(FILM)
    assert storage.exists(KEY)
    assert storage.get(KEY) == FILM
    assert storage.list_multipart_uploads() == []

    url = storage.signed_get_url(KEY, 300)
    start, end = MIN_PART_SIZE - 10, MIN_PART_SIZE + 9  # straddles parts 1 and 2
    ranged = requests.get(url, headers={"Range": f"bytes={start}-{end}"}, timeout=30)
    # rclone sends the requested bytes with status 200 where S3 says 206.
    partial = 200 if on_rclone(storage) else 206
    assert ranged.status_code == partial
    assert ranged.content == FILM[start : end + 1]
    tail = requests.get(url, headers={"Range": "bytes=-100"}, timeout=30)
    assert tail.status_code == partial and tail.content == FILM[-100:]

    storage.delete(KEY)
    assert not storage.exists(KEY)
    assert requests.get(url, timeout=30).status_code == 404


def test_signed_download_sets_name_and_type(storage: Storage) -> None:
    key = keys.subtitle_key(7, 3)
    storage.put(key, b"WEBVTT\n\n", "text/vtt")
    url = storage.signed_get_url(key, 60, filename="Mon film – fr.vtt", content_type="text/vtt")
    response = requests.get(url, timeout=30)
    assert response.status_code == 200 and response.content == b"WEBVTT\n\n"
    assert response.headers["Content-Type"].startswith("text/vtt")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "Mon film" in disposition


def test_awkward_keys_round_trip_through_signed_urls(storage: Storage) -> None:
    names = ["a b+c~ü%.ts", "日本語 (1).vtt", "x&y=z;@!$'*,.m3u8"]
    object_keys = [f"titles/7/odd/{name}" for name in names]
    for index, key in enumerate(object_keys):
        storage.put(key, f"payload {index}".encode(), "application/octet-stream")
    urls = storage.signed_get_urls(object_keys, 60)
    assert [requests.get(url, timeout=30).content for url in urls] == [
        b"payload 0",
        b"payload 1",
        b"payload 2",
    ]


def test_abort_leaves_no_parts(storage: Storage) -> None:
    upload_id = storage.create_multipart(KEY, "video/quicktime")
    upload_parts(storage, KEY, upload_id, PARTS[2:])
    assert len(storage.list_parts(KEY, upload_id)) == 1

    storage.abort_multipart(KEY, upload_id)

    assert storage.list_multipart_uploads() == []
    with pytest.raises(UploadNotFound):
        storage.list_parts(KEY, upload_id)
    storage.abort_multipart(KEY, upload_id)  # idempotent, for the cleanup job
    if isinstance(storage, LocalStorage):
        assert list(storage.uploads.iterdir()) == []


def test_completing_with_a_missing_part_fails_clearly(storage: Storage) -> None:
    upload_id = storage.create_multipart(KEY, "video/quicktime")
    done = upload_parts(storage, KEY, upload_id, PARTS[:2])
    with pytest.raises(InvalidPart) as missing:
        storage.complete_multipart(KEY, upload_id, [*done, (3, "0" * 32)])
    assert "part" in str(missing.value).lower()
    with pytest.raises(InvalidPart):
        storage.complete_multipart(KEY, upload_id, [(1, "f" * 32), done[1]])
    assert not storage.exists(KEY)
    # The upload is still usable afterwards.
    assert storage.complete_multipart(KEY, upload_id, done).size == 2 * MIN_PART_SIZE


def test_small_middle_parts_are_refused(storage: Storage) -> None:
    if on_rclone(storage):
        pytest.skip("rclone does not enforce S3's 5 MiB minimum part size (moto does)")
    upload_id = storage.create_multipart(KEY, "video/quicktime")
    done = upload_parts(storage, KEY, upload_id, [b"tiny", b"last"])
    with pytest.raises(InvalidPart):
        storage.complete_multipart(KEY, upload_id, done)


def test_unknown_uploads_are_reported(storage: Storage) -> None:
    upload_id = storage.create_multipart(KEY, "video/quicktime")
    storage.abort_multipart(KEY, upload_id)
    with pytest.raises(UploadNotFound):
        storage.list_parts(KEY, upload_id)
    with pytest.raises(UploadNotFound):
        storage.list_parts(KEY, "0" * 32)
    if isinstance(storage, LocalStorage):
        # S3 answers NoSuchUpload here too; moto 5.2.5 fails with an internal error instead.
        with pytest.raises(UploadNotFound):
            storage.complete_multipart(KEY, upload_id, [(1, "0" * 32)])


def test_list_multipart_uploads_reports_start_times(storage: Storage) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    first = storage.create_multipart(KEY, "video/quicktime")
    other_key = keys.source_key(8, 1, "mp4")
    second = storage.create_multipart(other_key, "video/mp4")

    uploads = storage.list_multipart_uploads()
    assert {(u.key, u.upload_id) for u in uploads} == {(KEY, first), (other_key, second)}
    for upload in uploads:
        assert upload.initiated.utcoffset() == timedelta(0)
        if isinstance(storage, LocalStorage):  # moto always reports 2010-11-10T20:48:33Z
            assert before <= upload.initiated <= datetime.now(UTC) + timedelta(seconds=5)
    key, upload_id, initiated = storage.list_multipart_uploads(prefix="titles/8/")[0]
    assert (key, upload_id) == (other_key, second)
    assert isinstance(initiated, datetime)


def test_object_operations(storage: Storage, tmp_path: Path) -> None:
    key = keys.poster_key(7, "w780")
    info = storage.put(key, b"jpeg bytes", "image/jpeg")
    assert info == (10, md5(b"jpeg bytes").hexdigest())
    assert storage.get(key) == b"jpeg bytes"
    with storage.open(key) as stream:
        assert stream.read(4) == b"jpeg"
        assert stream.read() == b" bytes"

    streamed = keys.poster_key(7, "w342")
    assert storage.put(streamed, io.BytesIO(b"streamed"), "image/jpeg").size == 8
    assert storage.get(streamed) == b"streamed"

    storage.download_to(key, tmp_path / "down" / "poster.jpg")
    assert (tmp_path / "down" / "poster.jpg").read_bytes() == b"jpeg bytes"

    storage.delete(key)
    storage.delete(key)  # deleting twice is fine
    for call in (storage.get, storage.size, storage.open):
        with pytest.raises(ObjectNotFound):
            call(key)
    with pytest.raises(ObjectNotFound):
        storage.download_to(key, tmp_path / "missing.jpg")
    assert not (tmp_path / "missing.jpg").exists()


def test_upload_from_large_file_uses_parts(storage: Storage, tmp_path: Path) -> None:
    source = tmp_path / "film.mov"
    data = os.urandom(9 * 1024 * 1024)  # above the 8 MiB part size: two parts on S3
    source.write_bytes(data)
    storage.upload_from(source, KEY, "video/quicktime")
    assert storage.size(KEY) == len(data)
    if isinstance(storage, S3Storage) and not on_rclone(storage):  # rclone: whole-file MD5
        head = storage.client.head_object(Bucket=storage.bucket, Key=KEY)
        assert head["ETag"].strip('"').endswith("-2")  # sent as two 8 MiB-sized parts
    received: list[int] = []
    storage.download_to(KEY, tmp_path / "copy.mov", received.append)
    assert (tmp_path / "copy.mov").read_bytes() == data
    # The pipeline shows these as the source arrives: growing, ending at the whole file.
    assert len(received) > 1 and received == sorted(received) and received[-1] == len(data)


def test_delete_prefix_removes_only_that_prefix(storage: Storage) -> None:
    if on_rclone(storage):
        pytest.skip("rclone 1.75 stops answering after a multi-object delete; moto covers it")
    rendition = keys.rendition_prefix(7, 42)
    for index in range(3):
        storage.put(keys.segment_key(rendition, "720p", index), b"ts", "video/mp2t")
    storage.put(f"{rendition}master.m3u8", b"#EXTM3U", "application/vnd.apple.mpegurl")
    kept = keys.rendition_prefix(7, 43) + "master.m3u8"
    storage.put(kept, b"#EXTM3U", "application/vnd.apple.mpegurl")

    assert storage.delete_prefix(rendition) == 4
    assert not storage.exists(keys.segment_key(rendition, "720p", 0))
    assert storage.exists(kept)
    assert storage.delete_prefix(rendition) == 0
    with pytest.raises(InvalidKey):
        storage.delete_prefix("")


@pytest.mark.parametrize(
    "bad", ["", "/etc/passwd", "../outside", "a/../../b", "a\\b", "a\x00b", "a//b", "a/./b"]
)
def test_unsafe_keys_are_rejected(storage: Storage, bad: str) -> None:
    with pytest.raises(InvalidKey):
        storage.put(bad, b"x", "text/plain")
    with pytest.raises(InvalidKey):
        storage.create_multipart(bad, "text/plain")


def test_ensure_ready_and_cors(storage: Storage) -> None:
    storage.ensure_ready()
    if on_rclone(storage):  # rclone has no bucket CORS configuration: moto covers it
        return
    storage.apply_cors(["https://films.example/"])
    with pytest.raises(StorageError):
        storage.apply_cors([])
