"""A dubbed version or audio description as its own file (hundreds of MB, far over the app's
request cap) goes from the browser straight to storage like a film, in parts, and becomes
an alternate audio rendition of the ready film that FFmpeg decodes through the signed
playlists."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest
import requests

from storefront.extensions import db
from storefront.models import AssetKind, AssetStatus, AudioKind, AudioTrack, MediaAsset, TitleStatus
from storefront.tasks.media import process_asset

from ..browser.conftest import LiveServer
from ..conftest import PASSWORD
from ..media.conftest import ffmpeg, three_voices, tone_at  # noqa: F401
from ..media.studio.conftest import FilmFile, UploadApi
from ..watching.conftest import WORLDWIDE, grant
from .conftest import fresh

pytestmark = pytest.mark.slow

MiB = 1024 * 1024


def dub(folder: Path, suffix: str) -> Path:
    """8 s of a German dub: WAV (PCM, larger than a request may be) or M4A (AAC)."""
    path = folder / f"dub.{suffix}"
    codec = ["-c:a", "pcm_s16le"] if suffix == "wav" else ["-c:a", "aac", "-b:a", "96k"]
    ffmpeg(
        *tone_at(550, 8), "-ac", "2", *codec,
        "-metadata:s:a:0", "language=deu", "-metadata:s:a:0", "title=Deutsche Fassung",
        str(path),
    )  # fmt: skip
    return path


def send(api: UploadApi, path: Path):
    """What the browser's uploader does: open, PUT every part to storage, complete."""
    data = FilmFile(path.read_bytes())
    kind = "audio/wav" if path.suffix == ".wav" else "audio/mp4"
    opened = api.open(data, "audio", filename=path.name, content_type=kind)
    assert opened.status_code == 201, opened.text
    session = opened.json
    for number in range(1, session["part_count"] + 1):
        api.put(session["id"], number, data.part(number, session["part_size"]))
    return api.complete(session["id"])


def decodes(server: LiveServer, http: requests.Session, uri: str) -> float:
    """Seconds of audio FFmpeg decodes through the signed playlist at ``uri``."""
    cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
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
    hours, minutes, seconds = re.findall(r"time=(\d+):(\d+):([\d.]+)", result.stderr)[-1]
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


@pytest.mark.parametrize(("storage_backend", "suffix"), [("local", "wav"), ("s3", "m4a")])
def test_a_separate_audio_file_goes_to_storage_and_plays_as_an_audio_rendition(
    storage_backend,
    suffix,
    app,
    storage,
    upload,
    make_title,
    studio,
    filmmaker_client,
    viewer,
    three_voices,  # noqa: F811
    tmp_path,
):
    film = make_title("Three Voices", studio=studio, status=TitleStatus.DRAFT, offers=WORLDWIDE)
    feature = upload(film, three_voices)
    process_asset(feature.id)
    path = dub(tmp_path, suffix)
    if suffix == "wav":
        assert path.stat().st_size > app.config["MAX_CONTENT_LENGTH"]

    with LiveServer(app) as server:
        app.config["PUBLIC_URL"] = server.url  # local part links point at the app
        done = send(UploadApi(filmmaker_client, film, server.url), path)
        assert done.status_code == 200, done.text
        audio_file = db.session.get(MediaAsset, done.json["asset"]["id"])
        assert audio_file.kind == AssetKind.AUDIO
        assert storage.get(audio_file.source_key) == path.read_bytes()
        assert process_asset(audio_file.id) in ("ready", "skipped")
        assert fresh(MediaAsset, audio_file.id).status == AssetStatus.READY

        rows = db.session.scalars(
            db.select(AudioTrack).filter_by(asset_id=feature.id).order_by(AudioTrack.position)
        ).all()
        added = rows[-1]
        assert len(rows) == 4 and added.stream_index == -audio_file.id and not added.muxed
        assert storage.exists(added.playlist_key)
        if suffix == "wav":  # WAV carries no language: the studio says what the track is
            assert (added.language, added.kind) == ("", AudioKind.DUBBED)
            form = {f"audio-{added.id}-{k}": v for k, v in (("language", "de"), ("kind", "dubbed"))}
            path = f"/studio/{studio.slug}/titles/{film.id}/audio/{added.id}"
            assert filmmaker_client.post(path, data=form).status_code == 302
        else:
            assert (added.language, added.kind) == ("de", AudioKind.DUBBED)

        film = fresh(type(film), film.id)
        film.status = TitleStatus.PUBLISHED
        db.session.commit()
        grant(viewer, film)
        http = requests.Session()
        http.post(f"{server.url}/login", data={"email": viewer.email, "password": PASSWORD})
        info = http.post(f"{server.url}/watch/{film.slug}/start", json={}).json()
        master = http.get(f"{server.url}{info['master_url']}").text
        media = [line for line in master.splitlines() if line.startswith("#EXT-X-MEDIA:TYPE=AUDIO")]
        assert len(media) == 4 and 'LANGUAGE="de"' in media[3]
        uri = re.search(r'URI="([^"]+)"', media[3]).group(1)
        assert decodes(server, http, uri) >= 7.5


def test_an_audio_file_waits_for_a_ready_film_and_a_non_audio_file_is_refused(
    app,
    storage,
    upload,
    make_title,
    studio,
    filmmaker_client,
    three_voices,  # noqa: F811
    tmp_path,
):
    film = make_title("Not yet", studio=studio, status=TitleStatus.DRAFT)
    path = dub(tmp_path, "m4a")
    with LiveServer(app) as server:
        app.config["PUBLIC_URL"] = server.url
        api = UploadApi(filmmaker_client, film, server.url)
        refused = api.open(FilmFile(path.read_bytes()), "audio", filename="dub.m4a")
        assert refused.status_code == 400
        assert "Upload the film first" in refused.json["error"]["message"]
        assert db.session.scalar(db.select(db.func.count(MediaAsset.id))) == 0

        process_asset(upload(film, three_voices).id)
        noise = tmp_path / "noise.wav"
        noise.write_bytes(b"RIFF" + bytes(range(256)) * 100)
        done = send(api, noise)
        assert done.status_code == 200, done.text
        asset_id = done.json["asset"]["id"]
        process_asset(asset_id)
        failed = fresh(MediaAsset, asset_id)
        assert failed.status == AssetStatus.FAILED and failed.error_code == "not_audio"
        assert db.session.scalar(db.select(db.func.count(AudioTrack.id))) == 3
