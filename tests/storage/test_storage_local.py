"""Local backend specifics: keys cannot escape the root, tokens cannot be forged or reused."""

from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path

import pytest
import requests

from storefront.adapters.storage import (
    ChecksumMismatch,
    InvalidKey,
    InvalidPart,
    InvalidToken,
    LocalStorage,
    UploadNotFound,
    crc32_checksum,
    keys,
)
from storefront.adapters.storage.tokens import TokenClaims, TokenSigner

KEY = keys.source_key(3, 5, "mp4")


def make(tmp_path: Path, **kwargs: object) -> LocalStorage:
    return LocalStorage(
        tmp_path / "media",
        secret_key="s3cret",
        url_for_token=lambda kind, token: f"/media/{kind}/{token}",
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    "bad",
    [
        "../escape",
        "titles/../../escape",
        "/etc/passwd",
        "titles\\..\\..\\escape",
        "titles/a\x00b",
        ".uploads/0123/00001",
        "titles/.hidden",
        "titles/..",
        "",
    ],
)
def test_keys_never_escape_the_root(tmp_path: Path, bad: str) -> None:
    storage = make(tmp_path)
    for call in (
        lambda: storage.put(bad, b"x", "text/plain"),
        lambda: storage.get(bad),
        lambda: storage.delete(bad),
        lambda: storage.signed_get_url(bad, 60),
        lambda: storage.create_multipart(bad, "text/plain"),
    ):
        with pytest.raises(InvalidKey):
            call()
    assert not (tmp_path / "escape").exists()


def test_symlinks_out_of_the_root_are_refused(tmp_path: Path) -> None:
    storage = make(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    storage.root.mkdir(parents=True)
    (storage.root / "titles").symlink_to(outside)
    with pytest.raises(InvalidKey):
        storage.put("titles/x.txt", b"x", "text/plain")
    assert list(outside.iterdir()) == []


def test_upload_ids_cannot_traverse(tmp_path: Path) -> None:
    storage = make(tmp_path)
    storage.create_multipart(KEY, "video/mp4")
    for bad in ("../..", "..", "0" * 31 + "/", "A" * 32):
        with pytest.raises(UploadNotFound):
            storage.list_parts(KEY, bad)


def test_upload_layout_and_other_keys_cannot_use_an_upload(tmp_path: Path) -> None:
    storage = make(tmp_path)
    upload_id = storage.create_multipart(KEY, "video/mp4")
    folder = storage.uploads / upload_id
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["key"] == KEY and manifest["content_type"] == "video/mp4"
    etag = storage.write_part(KEY, upload_id, 2, io.BytesIO(b"second"))
    assert sorted(p.name for p in folder.iterdir()) == ["00002", "00002.etag", "manifest.json"]
    assert (folder / "00002.etag").read_text() == etag
    with pytest.raises(UploadNotFound):
        storage.write_part(keys.source_key(9, 9, "mp4"), upload_id, 1, io.BytesIO(b"x"))


def test_oversized_parts_are_refused_and_leave_nothing(tmp_path: Path) -> None:
    storage = make(tmp_path, max_part_size=1024)
    upload_id = storage.create_multipart(KEY, "video/mp4")
    with pytest.raises(InvalidPart):
        storage.write_part(KEY, upload_id, 1, io.BytesIO(b"x" * 1025))
    assert storage.list_parts(KEY, upload_id) == []
    assert sorted(os.listdir(storage.uploads / upload_id)) == ["manifest.json"]


def test_a_part_that_does_not_match_its_checksum_is_refused(tmp_path: Path) -> None:
    storage = make(tmp_path)
    upload_id = storage.create_multipart(KEY, "video/mp4")
    good = storage.write_part(KEY, upload_id, 1, io.BytesIO(b"frames"), crc32_checksum(b"frames"))
    with pytest.raises(ChecksumMismatch):
        storage.write_part(KEY, upload_id, 1, io.BytesIO(b"framez"), crc32_checksum(b"frames"))
    # The copy that arrived intact stays; the damaged one left nothing behind.
    assert [(p.number, p.size, p.etag) for p in storage.list_parts(KEY, upload_id)] == [
        (1, 6, good)
    ]
    assert sorted(os.listdir(storage.uploads / upload_id)) == [
        "00001",
        "00001.etag",
        "manifest.json",
    ]


def test_damaged_part_over_http_gets_400_and_a_resend_succeeds(
    local_storage: LocalStorage,
) -> None:
    upload_id = local_storage.create_multipart(KEY, "video/mp4")
    signed = local_storage.sign_part(KEY, upload_id, 1, 60, crc32_checksum(b"intact bytes"))
    assert requests.put(signed.url, data=b"intact bytez", timeout=10).status_code == 400
    assert local_storage.list_parts(KEY, upload_id) == []
    resent = requests.put(signed.url, data=b"intact bytes", timeout=10)
    assert resent.status_code == 200
    assert [p.size for p in local_storage.list_parts(KEY, upload_id)] == [12]


def test_complete_streams_parts_in_order(tmp_path: Path) -> None:
    storage = make(tmp_path, min_part_size=4)
    upload_id = storage.create_multipart(KEY, "video/mp4")
    etags = {
        n: storage.write_part(KEY, upload_id, n, io.BytesIO(f"part{n}".encode())) for n in (3, 1, 2)
    }
    with pytest.raises(InvalidPart, match="ascending"):
        storage.complete_multipart(KEY, upload_id, [(2, etags[2]), (1, etags[1])])
    info = storage.complete_multipart(KEY, upload_id, [(n, etags[n]) for n in (1, 2, 3)])
    assert storage.get(KEY) == b"part1part2part3"
    assert info.size == 15
    assert not (storage.uploads / upload_id).exists()


def test_writes_are_atomic(tmp_path: Path) -> None:
    storage = make(tmp_path)

    class Broken(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            if self.tell() > 0:
                raise OSError("client went away")
            return super().read(4)

    storage.put(KEY, b"old", "video/mp4")
    with pytest.raises(OSError, match="client went away"):
        storage.put(KEY, Broken(b"new content"), "video/mp4")
    assert storage.get(KEY) == b"old"
    assert os.listdir(storage.path_for(KEY).parent) == ["5.mp4"]


def test_tokens_round_trip(tmp_path: Path) -> None:
    storage = make(tmp_path)
    upload_id = storage.create_multipart(KEY, "video/mp4")
    signed = storage.sign_part(KEY, upload_id, 7, 60, crc32_checksum(b"seventh"))
    url = signed.url
    token = url.rsplit("/", 1)[1]
    assert url.startswith("/media/part/")
    assert signed.headers == {}  # the checksum travels inside the token
    assert all(ch.isalnum() or ch in "-_." for ch in token)
    claims = storage.verify_token(token, "part")
    assert (claims.key, claims.upload_id, claims.part_number) == (KEY, upload_id, 7)
    assert claims.checksum == crc32_checksum(b"seventh")
    assert claims.expires - time.time() == pytest.approx(60, abs=2)

    get = storage.signed_get_url(KEY, 60, filename="Film.mp4", content_type="video/mp4")
    claims = storage.verify_token(get.rsplit("/", 1)[1], "object")
    assert (claims.key, claims.filename, claims.content_type) == (KEY, "Film.mp4", "video/mp4")


def test_expired_tampered_and_misused_tokens_are_rejected() -> None:
    signer = TokenSigner("s3cret")
    token = signer.sign(TokenClaims("part", KEY, int(time.time()) + 60, "a" * 32, 1))
    payload, signature = token.split(".")
    assert signer.verify(token, "part").part_number == 1

    with pytest.raises(InvalidToken, match="expired"):
        signer.verify(token, "part", now=time.time() + 61)
    with pytest.raises(InvalidToken):
        signer.verify(token, "object")  # a part token is not a download link
    with pytest.raises(InvalidToken):
        TokenSigner("other secret").verify(token, "part")
    forged = TokenSigner("s3cret").sign(
        TokenClaims("part", KEY, int(time.time()) + 60, "a" * 32, 2)
    )
    for bad in (
        f"{forged.split('.')[0]}.{signature}",  # claims swapped under an old signature
        f"{payload}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",
        f"{payload[:-1]}{'A' if payload[-1] != 'A' else 'B'}.{signature}",
        payload,
        "",
        ".",
        "é.é",
        "x" * 5000,
    ):
        with pytest.raises(InvalidToken):
            signer.verify(bad, "part")


def test_batch_signing_matches_single(tmp_path: Path) -> None:
    """Its speed is measured in bench/bench_signing.py, not here."""
    storage = make(tmp_path)
    prefix = keys.rendition_prefix(3, 5)
    segment_keys = [keys.segment_key(prefix, "1080p", i) for i in range(1200)]
    urls = storage.signed_get_urls(segment_keys, 3600)
    expires = int(time.time()) + 3600
    claims = [storage.verify_token(url.rsplit("/", 1)[1], "object") for url in urls]
    assert [c.key for c in claims] == segment_keys
    assert all(abs(c.expires - expires) <= 2 for c in claims)
    signer = TokenSigner("s3cret")
    assert signer.sign_objects(["k é"], 99) == [signer.sign(TokenClaims("object", "k é", 99))]


def test_wrong_token_kind_over_http(local_storage: LocalStorage) -> None:
    local_storage.put(KEY, b"film", "video/mp4")
    upload_id = local_storage.create_multipart(KEY, "video/mp4")
    part_url = local_storage.sign_part(KEY, upload_id, 1, 60, crc32_checksum(b"x")).url
    object_url = local_storage.signed_get_url(KEY, 60)
    swapped = object_url.replace("/objects/", "/parts/")
    assert requests.put(swapped, data=b"x", timeout=10).status_code == 403
    assert requests.get(part_url.replace("/parts/", "/objects/"), timeout=10).status_code == 403
    assert requests.get(object_url, timeout=10).content == b"film"
