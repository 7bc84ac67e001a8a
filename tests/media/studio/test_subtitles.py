"""Subtitles and captions: SRT becomes WebVTT, broken files are refused with a line number."""

from __future__ import annotations

import io

import pytest

from storefront.extensions import db
from storefront.models import AssetKind, AssetStatus, MediaAsset, SubtitleKind, SubtitleTrack
from storefront.services.media.subtitle_formats import SubtitleFormatError, to_webvtt

SRT = """1
00:00:01,000 --> 00:00:03,500
<i>Hello</i> & <font color="red">welcome</font>

2
00:00:04,000 --> 00:00:06,250
{\\an8}Second line
with two rows

"""


def upload(
    client, title, text: str | bytes, language="nb", kind="subtitles", label="", name="a.srt"
):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(
        f"/studio/{title.studio.slug}/titles/{title.id}/subtitles",
        data={"language": language, "kind": kind, "label": label, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_srt_is_converted_to_webvtt():
    assert to_webvtt(SRT.replace("\n", "\r\n").encode("utf-8-sig")) == (
        "WEBVTT\n\n"
        "00:00:01.000 --> 00:00:03.500\n"
        "<i>Hello</i> &amp; welcome\n\n"
        "00:00:04.000 --> 00:00:06.250\n"
        "Second line\nwith two rows\n"
    )


def test_webvtt_is_checked_and_kept():
    vtt = (
        "WEBVTT - film\n\nSTYLE\n::cue { color: yellow }\n\nNOTE a comment\n\n"
        "intro\n01:02.500 --> 01:04.000 line:0 align:start\n<v Anna>Hi\n"
    )
    assert to_webvtt(vtt.encode()) == (
        "WEBVTT\n\nSTYLE\n::cue { color: yellow }\n\n"
        "intro\n00:01:02.500 --> 00:01:04.000 line:0 align:start\n<v Anna>Hi\n"
    )


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        (
            "1\n00:00:01,000 --> 00:00:02,000\nHi\n\n2\n00:00:03 --> 00:00:04,000\nYo\n",
            6,
            "expected a time range",
        ),
        ("1\n00:00:01,000 --> 00:00:02,000\nHi\n\nhello\n", 5, "expected a cue number"),
        ("1\n00:00:05,000 --> 00:00:02,000\nHi\n", 2, "ends before it starts"),
        (
            "1\n00:00:01,000 --> 00:00:02,000\nHi\n2\n00:00:03,000 --> 00:00:04,000\nYo\n",
            5,
            "blank line is missing",
        ),
        (
            "WEBVTT\n\n00:01.000 --> 00:02.000\nok\n\n00:03,000 --> 00:04.000\nbad\n",
            6,
            "expected a time range",
        ),
        ("WEBVTT\n\nno timing here\nat all\n", 4, "expected a time range"),
        ("WEBVT\n\n00:01.000 --> 00:02.000\nx\n", 1, 'must start with "WEBVTT"'),
        ("\n\n", 1, "no subtitles"),
    ],
)
def test_malformed_files_name_the_line(text, line, problem):
    filename = "broken.vtt" if text.startswith("WEB") else "broken.srt"
    with pytest.raises(SubtitleFormatError) as caught:
        to_webvtt(text.encode("utf-8"), filename)
    assert caught.value.line == line
    assert f"Line {line}:" in str(caught.value) and problem in str(caught.value)


def test_non_utf8_text_names_the_line():
    data = "1\n00:00:01,000 --> 00:00:02,000\nCafé\n".encode("latin-1")
    with pytest.raises(SubtitleFormatError) as caught:
        to_webvtt(data)
    assert caught.value.line == 3 and "UTF-8" in str(caught.value)


def test_tracks_in_several_languages_are_stored_as_webvtt(filmmaker_client, draft, storage):
    assert upload(filmmaker_client, draft, SRT, language="nb").status_code == 302
    captions = SRT.replace("Hello", "[wind howls] Hello")
    assert (
        upload(filmmaker_client, draft, captions, language="en", kind="captions").status_code == 302
    )
    vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\nBonjour\n"
    assert (
        upload(
            filmmaker_client, draft, vtt, language="fr", label="Français", name="f.vtt"
        ).status_code
        == 302
    )

    tracks = {t.language: t for t in db.session.scalars(db.select(SubtitleTrack))}
    assert {(t.language, t.kind, t.label) for t in tracks.values()} == {
        ("nb", SubtitleKind.SUBTITLES, "Norsk bokmål"),
        ("en", SubtitleKind.CAPTIONS, "English [CC]"),
        ("fr", SubtitleKind.SUBTITLES, "Français"),
    }
    assert tracks["nb"].storage_key == f"titles/{draft.id}/subtitles/{tracks['nb'].id}.vtt"
    assert storage.get(tracks["en"].storage_key).decode().startswith("WEBVTT\n\n00:00:01.000")
    page = filmmaker_client.get(f"/studio/{draft.studio.slug}/titles/{draft.id}/media")
    assert "English [CC]" in page.text and "Norsk bokmål" in page.text


def test_uploading_the_same_language_and_kind_replaces_it(filmmaker_client, draft, storage):
    upload(filmmaker_client, draft, SRT)
    upload(filmmaker_client, draft, SRT.replace("Hello", "Hei"), label="Norsk")
    track = db.session.scalar(db.select(SubtitleTrack))
    assert db.session.scalar(db.select(db.func.count(SubtitleTrack.id))) == 1
    assert track.label == "Norsk" and "Hei" in storage.get(track.storage_key).decode()


def test_a_malformed_upload_is_refused_with_its_line_and_nothing_stored(
    filmmaker_client, draft, storage
):
    broken = SRT.replace("00:00:04,000 --> 00:00:06,250", "00:00:04,000 -> 00:00:06,250")
    response = upload(filmmaker_client, draft, broken)
    assert response.status_code == 400
    assert "Line 6: expected a time range like 00:01:02,500 --&gt; 00:01:04,000." in response.text
    assert db.session.scalar(db.select(db.func.count(SubtitleTrack.id))) == 0
    assert storage.delete_prefix(f"titles/{draft.id}/") == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [({"language": "xx"}, "Not a valid choice"), ({"kind": "karaoke"}, "Not a valid choice")],
)
def test_bad_form_values_are_refused(filmmaker_client, draft, change, message):
    response = upload(filmmaker_client, draft, SRT, **change)
    assert response.status_code == 400 and message in response.text


def test_deleting_a_track_deletes_its_file(filmmaker_client, draft, storage):
    upload(filmmaker_client, draft, SRT)
    track = db.session.scalar(db.select(SubtitleTrack))
    key = track.storage_key
    response = filmmaker_client.post(
        f"/studio/{draft.studio.slug}/titles/{draft.id}/subtitles/{track.id}/delete"
    )
    assert response.status_code == 302 and not storage.exists(key)
    assert db.session.scalar(db.select(db.func.count(SubtitleTrack.id))) == 0


def test_a_label_with_a_carriage_return_is_stored_as_one_line(filmmaker_client, draft, storage):
    label = "Norsk\r#EXT-X-STREAM-INF:BANDWIDTH=1\rhttp://evil.example/x.m3u8"
    assert upload(filmmaker_client, draft, SRT, label=label).status_code == 302
    track = db.session.scalar(db.select(SubtitleTrack))
    assert "\r" not in track.label and "\n" not in track.label
    assert track.label.startswith("Norsk #EXT-X")


def test_the_saved_track_is_named_in_the_interface_language(filmmaker_client, draft):
    response = upload(filmmaker_client, draft, SRT, language="fr")
    page = filmmaker_client.get(response.headers["Location"]).text
    assert "The French track is saved." in page
    assert "Français track" not in page


def test_a_forced_tracks_default_label_is_in_its_own_language(filmmaker_client, draft, storage):
    """The label is what every viewer's player shows: "Norsk bokmål (tvungen)" whatever
    language the studio's own interface was in when it uploaded the track."""
    filmmaker_client.post("/account/language", data={"locale": "fr", "next": "/"})
    upload(filmmaker_client, draft, SRT, language="en", kind="forced")
    upload(filmmaker_client, draft, SRT, language="nb", kind="forced")
    labels = {t.language: t.label for t in db.session.scalars(db.select(SubtitleTrack))}
    assert labels == {"en": "English (forced)", "nb": "Norsk bokmål (tvungen)"}


def film_of(title, duration_ms: int) -> None:
    """A ready film of ``duration_ms`` for ``title``."""
    db.session.add(
        MediaAsset(
            title_id=title.id,
            kind=AssetKind.FEATURE,
            status=AssetStatus.READY,
            original_filename="film.mov",
            size_bytes=10,
            source_key=f"titles/{title.id}/source/1.mov",
            duration_ms=duration_ms,
        )
    )
    db.session.commit()


# Broadcast deliveries count from the programme's timecode, 01:00:00:00 or 10:00:00:00.
TIMECODED = SRT.replace("00:00:0", "01:00:0")


def test_a_file_whose_every_cue_starts_after_the_film_ends_is_refused(
    filmmaker_client, draft, storage
):
    """Such a file was saved as if fine, and no subtitle of it ever showed."""
    film_of(draft, 30 * 60_000)
    response = upload(filmmaker_client, draft, TIMECODED)
    assert response.status_code == 400
    assert "Every subtitle in this file starts after the film ends" in response.text
    assert "01:00:01" in response.text and "00:00:00" in response.text
    assert db.session.scalar(db.select(db.func.count(SubtitleTrack.id))) == 0
    assert storage.delete_prefix(f"titles/{draft.id}/") == 0


def test_timecoded_files_are_kept_for_a_film_long_enough_or_not_yet_uploaded(
    filmmaker_client, draft
):
    assert upload(filmmaker_client, draft, TIMECODED, language="nb").status_code == 302
    film_of(draft, 2 * 3_600_000)
    assert upload(filmmaker_client, draft, TIMECODED, language="sv").status_code == 302
