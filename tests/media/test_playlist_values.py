"""Values written into playlists cannot add lines: a CR in a subtitle label stays inside it."""

from __future__ import annotations

import re

import pytest

from storefront.models import MediaAsset, Rendition, SubtitleKind, SubtitleTrack
from storefront.services.media import playlists

EVIL = 'Norsk\r#EXT-X-STREAM-INF:BANDWIDTH=1\rhttp://evil.example/x.m3u8\n"'


def lines_as_players_read_them(text: str) -> list[str]:
    return [line for line in re.split(r"\r\n|\r|\n", text) if line]


def test_a_crafted_subtitle_label_adds_no_variant():
    asset = MediaAsset(id=1, hls_master_key=None)
    rendition = Rendition(id=7, bandwidth=800_000, width=640, height=360, playlist_key="k")
    track = SubtitleTrack(id=3, language="no", label=EVIL, kind=SubtitleKind.CAPTIONS)
    text = playlists.master_playlist(
        None,  # type: ignore[arg-type] - no stored master to read
        asset,
        [rendition],
        [track],
        lambda r: f"/watch/play/t/r/{r.id}.m3u8",
        lambda t: f"/watch/play/t/s/{t.id}.m3u8",
    )
    lines = lines_as_players_read_them(text)
    uris = [line for line in lines if not line.startswith("#")]
    assert uris == ["/watch/play/t/r/7.m3u8"]
    assert sum(line.startswith("#EXT-X-STREAM-INF") for line in lines) == 1
    [media] = [line for line in lines if line.startswith("#EXT-X-MEDIA")]
    name = re.search(r'NAME="([^"]*)"', media).group(1)
    assert "evil.example" in name  # kept as text inside the quoted name, not as a line


def test_links_with_control_characters_are_never_written():
    with pytest.raises(ValueError):
        playlists.subtitle_playlist("https://cdn.example/a.vtt\r\nhttp://evil.example", 10)
