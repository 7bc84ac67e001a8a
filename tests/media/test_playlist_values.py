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


def test_audio_renditions_and_subtitle_kinds_in_the_master():
    from storefront.models import AudioKind, AudioTrack

    asset = MediaAsset(id=1, hls_master_key=None)
    rendition = Rendition(id=7, bandwidth=800_000, width=640, height=360, playlist_key="k")
    subtitles = [
        SubtitleTrack(id=1, language="en", label="English", kind=SubtitleKind.SUBTITLES),
        SubtitleTrack(id=2, language="en", label="English [CC]", kind=SubtitleKind.CAPTIONS),
        SubtitleTrack(id=3, language="en", label="English (forced)", kind=SubtitleKind.FORCED),
    ]
    main = AudioTrack(id=10, language="no", kind=AudioKind.MAIN, muxed=True)
    dub = AudioTrack(id=11, language="fr", kind=AudioKind.DUBBED, muxed=False)
    described = AudioTrack(id=12, language="no", kind=AudioKind.DESCRIPTION, muxed=False)
    audio = [
        playlists.AudioRendition(main, "Norsk", None),
        playlists.AudioRendition(dub, 'Fran"çais\r#EXT-X-ENDLIST', "/a/11.m3u8"),
        playlists.AudioRendition(described, "Synstolking", "/a/12.m3u8"),
    ]
    text = playlists.master_playlist(
        None,  # type: ignore[arg-type]
        asset,
        [rendition],
        subtitles,
        lambda r: f"/r/{r.id}.m3u8",
        lambda t: f"/s/{t.id}.m3u8",
        audio,
    )
    lines = lines_as_players_read_them(text)
    sounds = [line for line in lines if line.startswith("#EXT-X-MEDIA:TYPE=AUDIO")]
    assert sounds == [
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="Norsk",LANGUAGE="no",DEFAULT=YES,'
        "AUTOSELECT=YES",
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="Fran\'çais #EXT-X-ENDLIST",LANGUAGE="fr",'
        'DEFAULT=NO,AUTOSELECT=YES,URI="/a/11.m3u8"',
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="Synstolking",LANGUAGE="no",DEFAULT=NO,'
        'AUTOSELECT=YES,CHARACTERISTICS="public.accessibility.describes-video",URI="/a/12.m3u8"',
    ]
    subs = [line for line in lines if line.startswith("#EXT-X-MEDIA:TYPE=SUBTITLES")]
    assert ["FORCED=YES" in line for line in subs] == [False, False, True]
    assert "describes-music-and-sound" in subs[1]
    [inf] = [line for line in lines if line.startswith("#EXT-X-STREAM-INF")]
    assert inf.endswith(',AUDIO="aud",SUBTITLES="subs"')


def test_a_film_with_one_audio_track_has_no_audio_group():
    from storefront.models import AudioKind, AudioTrack

    asset = MediaAsset(id=1, hls_master_key=None)
    rendition = Rendition(id=7, bandwidth=800_000, width=640, height=360, playlist_key="k")
    only = AudioTrack(id=10, language="no", kind=AudioKind.MAIN, muxed=True)
    text = playlists.master_playlist(
        None,  # type: ignore[arg-type]
        asset,
        [rendition],
        [],
        lambda r: f"/r/{r.id}.m3u8",
        lambda t: f"/s/{t.id}.m3u8",
        [playlists.AudioRendition(only, "Norsk", None)],
    )
    assert "TYPE=AUDIO" not in text and "AUDIO=" not in text
