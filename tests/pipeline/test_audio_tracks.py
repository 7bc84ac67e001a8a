"""Every audio track of an upload reaches viewers: the first stays in the video, the others
(a dubbed version, audio description) become alternate HLS audio renditions that the master
playlist offers, and FFmpeg decodes each one through the signed playlists."""

from __future__ import annotations

import re
import subprocess

import imageio_ffmpeg
import pytest
import requests

from storefront.extensions import db
from storefront.models import AssetStatus, AudioKind, AudioTrack, MediaAsset, TitleStatus
from storefront.tasks.media import process_asset

from ..browser.conftest import LiveServer
from ..conftest import PASSWORD
from ..media.conftest import three_voices  # noqa: F401
from ..watching.conftest import WORLDWIDE, grant
from .conftest import fresh

pytestmark = pytest.mark.slow


def audio_rows(asset_id: int) -> list[AudioTrack]:
    return list(
        db.session.scalars(
            db.select(AudioTrack).filter_by(asset_id=asset_id).order_by(AudioTrack.position)
        )
    )


@pytest.mark.parametrize("storage_backend", ["local", "s3"])
def test_every_audio_track_becomes_a_rendition_ffmpeg_decodes(
    storage_backend,
    app,
    storage,
    upload,
    make_title,
    viewer,
    three_voices,  # noqa: F811
):
    film = make_title("Three Voices", status=TitleStatus.DRAFT, offers=WORLDWIDE)
    asset = upload(film, three_voices)
    assert process_asset(asset.id) in ("ready", "skipped")
    asset = fresh(MediaAsset, asset.id)
    assert asset.status == AssetStatus.READY

    rows = audio_rows(asset.id)
    assert [(r.language, r.kind, r.muxed) for r in rows] == [
        ("en", AudioKind.MAIN, True),
        ("fr", AudioKind.DUBBED, False),
        ("en", AudioKind.DESCRIPTION, False),
    ]
    assert rows[0].playlist_key is None
    assert all(storage.exists(r.playlist_key) for r in rows[1:])

    film = fresh(type(film), film.id)
    film.status = TitleStatus.PUBLISHED
    db.session.commit()
    grant(viewer, film)
    with LiveServer(app) as server:
        http = requests.Session()
        http.post(f"{server.url}/login", data={"email": viewer.email, "password": PASSWORD})
        info = http.post(f"{server.url}/watch/{film.slug}/start", json={}).json()
        master = http.get(f"{server.url}{info['master_url']}").text
        media = [line for line in master.splitlines() if line.startswith("#EXT-X-MEDIA:TYPE=AUDIO")]
        assert len(media) == 3
        assert "URI=" not in media[0] and "DEFAULT=YES" in media[0]
        assert 'LANGUAGE="fr"' in media[1] and 'NAME="Version française"' in media[1]
        assert 'CHARACTERISTICS="public.accessibility.describes-video"' in media[2]
        assert all(',AUDIO="aud"' in line for line in master.splitlines() if "STREAM-INF" in line)

        cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
        for line in media[1:]:
            uri = re.search(r'URI="([^"]+)"', line).group(1)
            result = subprocess.run(
                [
                    imageio_ffmpeg.get_ffmpeg_exe(),
                    "-hide_banner",
                    "-nostdin",
                    "-headers",
                    f"Cookie: {cookie}\r\n",
                    "-allowed_segment_extensions",
                    "ALL",
                    "-extension_picky",
                    "0",
                    "-i",
                    f"{server.url}{uri}",
                    "-map",
                    "0:a:0",
                    "-f",
                    "null",
                    "-",
                ],  # fmt: skip
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert result.returncode == 0, result.stderr[-2000:]
            times = re.findall(r"time=(\d+):(\d+):([\d.]+)", result.stderr)
            hours, minutes, seconds = times[-1]
            assert int(hours) * 3600 + int(minutes) * 60 + float(seconds) >= 3.8, times
            assert "Server returned" not in result.stderr

        # Another viewer's token cannot open the tracks; a track of another film is not there.
        assert requests.get(f"{server.url}{uri}").status_code == 403
        other = re.sub(r"/a/\d+\.m3u8", "/a/999999.m3u8", uri)
        assert http.get(f"{server.url}{other}").status_code == 404


def test_the_studio_labels_each_track_and_the_player_names_it_so(
    app,
    storage,
    upload,
    make_title,
    filmmaker_client,
    studio,
    three_voices,  # noqa: F811
):
    film = make_title("Three Voices", studio=studio, status=TitleStatus.DRAFT, offers=WORLDWIDE)
    asset = upload(film, three_voices)
    process_asset(asset.id)
    rows = audio_rows(asset.id)
    page = filmmaker_client.get(f"/studio/{studio.slug}/titles/{film.id}/media").text
    assert page.count('class="audio-track"') == 3

    form = {
        f"audio-{rows[1].id}-language": "de",
        f"audio-{rows[1].id}-kind": "dubbed",
        f"audio-{rows[1].id}-label": "Deutsche Fassung",
    }
    path = f"/studio/{studio.slug}/titles/{film.id}/audio/{rows[1].id}"
    assert filmmaker_client.post(path, data=form).status_code == 302
    track = fresh(AudioTrack, rows[1].id)
    assert (track.language, track.kind, track.label) == ("de", AudioKind.DUBBED, "Deutsche Fassung")

    bad = {**form, f"audio-{rows[1].id}-kind": "karaoke"}
    filmmaker_client.post(path, data=bad)
    assert fresh(AudioTrack, rows[1].id).kind == AudioKind.DUBBED

    # A new upload of the film keeps the studio's labels, track by track.
    again = upload(film, three_voices)
    process_asset(again.id)
    relabelled = audio_rows(again.id)
    assert (relabelled[1].language, relabelled[1].label) == ("de", "Deutsche Fassung")
