"""Key helpers, part sizing and backend selection."""

from __future__ import annotations

from pathlib import Path

import pytest

from storefront.adapters.storage import (
    MAX_PARTS,
    LocalStorage,
    StorageError,
    build_storage,
    keys,
    part_size_for,
)
from storefront.adapters.storage.base import MiB, check_key, content_disposition

GB = 1000**3


def test_keys_live_under_the_title() -> None:
    assert keys.source_key(7, "a1", ".MOV") == "titles/7/source/a1.mov"
    assert keys.rendition_prefix(7, 42) == "titles/7/renditions/42/"
    assert keys.poster_key(7, "w780") == "titles/7/posters/w780.jpg"
    assert keys.subtitle_key(7, 3) == "titles/7/subtitles/3.vtt"
    assert keys.trailer_prefix(7, 1) == "titles/7/trailers/1/"
    assert (
        keys.segment_key("titles/7/trailers/1/", "720p", 12)
        == "titles/7/trailers/1/720p/seg_00012.ts"
    )
    for key in (keys.source_key(7, 1, "mp4"), keys.poster_key(7, "w342")):
        assert key.startswith(keys.title_prefix(7)) and check_key(key) == key


@pytest.mark.parametrize(
    "call",
    [
        lambda: keys.source_key("../1", 1, "mp4"),
        lambda: keys.source_key(1, "a/b", "mp4"),
        lambda: keys.source_key(1, 1, "mp4/../x"),
        lambda: keys.poster_key(1, "../w"),
        lambda: keys.subtitle_key(1, ""),
        lambda: keys.segment_key("titles/1/renditions/2", "720p", 1),
    ],
)
def test_key_helpers_reject_path_tricks(call: object) -> None:
    with pytest.raises(ValueError):
        call()  # type: ignore[operator]


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        (0, 8 * MiB),
        (700 * MiB, 8 * MiB),
        (50 * GB, 8 * MiB),
        (100 * GB, 10 * MiB),
        (200 * 1024**3, 21 * MiB),
        (5 * 1024**4, 525 * MiB),
    ],
)
def test_part_size_for(total: int, expected: int) -> None:
    size = part_size_for(total)
    assert size == expected
    assert size % MiB == 0
    assert -(-total // size) <= MAX_PARTS


def test_part_size_for_limits() -> None:
    assert part_size_for(1000 * MiB, max_parts=100) == 10 * MiB
    assert part_size_for(10 * MiB, min_part=1) == 5 * MiB  # never below S3's minimum
    assert part_size_for(1, min_part=int(8.5 * MiB)) == 9 * MiB
    with pytest.raises(ValueError):
        part_size_for(-1)
    with pytest.raises(ValueError):
        part_size_for(60 * 1024**4)  # beyond 10,000 parts of 5 GiB


def test_content_disposition() -> None:
    assert content_disposition("film.mp4") == 'attachment; filename="film.mp4"'
    value = content_disposition('Été "2" /x.mp4')
    assert value.startswith('attachment; filename="_t_ 2 x.mp4"')
    assert "filename*=UTF-8''%C3%89t%C3%A9%202%20x.mp4" in value


def test_build_storage_local(tmp_path: Path) -> None:
    storage = build_storage(
        {"SECRET_KEY": "k", "INSTANCE_PATH": str(tmp_path), "PUBLIC_URL": "https://films.example/"}
    )
    assert isinstance(storage, LocalStorage)
    assert storage.root == (tmp_path / "media").resolve()
    storage.put("titles/1/a.txt", b"a", "text/plain")
    url = storage.signed_get_url("titles/1/a.txt", 60)
    assert url.startswith("https://films.example/media/objects/")
    with pytest.raises(StorageError):
        build_storage({"STORAGE_BACKEND": "local", "INSTANCE_PATH": str(tmp_path)})
    with pytest.raises(StorageError):
        build_storage({"STORAGE_BACKEND": "ftp"})
