"""Small requests cannot occupy the server: body size and field limits, NUL characters and
nested JSON get a 400 or 413, never a 500 or seconds of parsing."""

from __future__ import annotations

import io
import json

import pytest

from storefront.extensions import db
from storefront.models import Studio, Title, User

MiB = 1024 * 1024


class CountingStream(io.BytesIO):
    """A request body that remembers how much of it the server read."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.consumed = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.consumed += len(chunk)
        return chunk

    def readline(self, size: int | None = -1) -> bytes:
        line = super().readline(size)
        self.consumed += len(line)
        return line


def post_raw(client, path: str, body: bytes, content_type: str, **headers: str):
    stream = CountingStream(body)
    response = client.post(
        path,
        input_stream=stream,
        content_length=len(body),
        content_type=content_type,
        headers=headers,
    )
    return response, stream


URLENCODED = "application/x-www-form-urlencoded"


def test_a_12_mb_form_of_empty_fields_is_refused_unread(client):
    body = b"&" * (12 * MiB)
    response, stream = post_raw(client, "/login", body, URLENCODED)
    assert response.status_code == 413
    assert stream.consumed == 0


def test_a_body_sent_without_its_length_is_cut_at_the_limit(app, client):
    body = b"a=&" * (4 * MiB)
    stream = CountingStream(body)
    response = client.post(
        "/login",
        input_stream=stream,
        content_type=URLENCODED,
        headers={"Transfer-Encoding": "chunked"},
    )
    assert response.status_code in (400, 413)
    assert stream.consumed <= app.config["MAX_CONTENT_LENGTH"] + 64 * 1024


@pytest.mark.parametrize(
    "body",
    [
        b"a=&" * 6000,  # fewer bytes than any limit, more fields than any form has
        b"a=" + b"x" * (700 * 1024),  # under the body limit, over the form text limit
    ],
)
def test_url_encoded_forms_are_limited_in_fields_and_text(client, body):
    response, _stream = post_raw(client, "/login", body, URLENCODED)
    assert response.status_code == 413


def test_multipart_forms_are_limited_in_fields(client):
    parts = b"".join(
        b'--b\r\nContent-Disposition: form-data; name="f%d"\r\n\r\nx\r\n' % i for i in range(6000)
    )
    response, _stream = post_raw(
        client, "/login", parts + b"--b--\r\n", "multipart/form-data; boundary=b"
    )
    assert response.status_code == 413


def test_a_large_json_body_is_refused(filmmaker_client, studio, make_title):
    title = make_title(studio=studio)
    body = json.dumps({"kind": "feature", "filename": "x" * (2 * MiB)}).encode()
    response, stream = post_raw(
        filmmaker_client,
        f"/studio/{studio.slug}/titles/{title.id}/uploads",
        body,
        "application/json",
    )
    assert response.status_code == 413 and stream.consumed == 0


@pytest.mark.parametrize(
    "path", ["/films?q=a%00b", "/films?genre=%00", "/?language=fr%00", "/films/a%00b"]
)
def test_nul_in_catalogue_filters_and_paths_is_a_400(client, path):
    assert client.get(path).status_code == 400


def test_nul_in_a_title_name_is_refused_and_nothing_saved(filmmaker_client, studio):
    response = filmmaker_client.post(
        f"/studio/{studio.slug}/titles/new",
        data={"name": "Night\x00Train", "rental_start_days": 30, "rental_watch_hours": 48},
    )
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count(Title.id))) == 0


def test_nul_in_a_studio_bio_or_display_name_is_refused(filmmaker_client, studio, filmmaker):
    response = filmmaker_client.post(
        f"/studio/{studio.slug}/edit",
        data={"name": "Fjord", "country": "NO", "contact_email": "a@example.org", "bio": "\x00"},
    )
    assert response.status_code == 400
    prefs = filmmaker_client.post(
        "/account/",
        data={
            "action": "preferences",
            "prefs-display_name": "Fen\x00na",
            "prefs-locale": "",
            "prefs-timezone": "UTC",
        },
    )
    assert prefs.status_code == 400
    db.session.expire_all()
    assert "\x00" not in db.session.get(Studio, studio.id).bio
    assert "\x00" not in db.session.get(User, filmmaker.id).display_name


def deep_json(depth: int) -> bytes:
    return b'{"position": ' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize("depth", [100, 100_000])
def test_deeply_nested_json_gets_a_400(filmmaker_client, studio, make_title, depth):
    title = make_title(studio=studio)
    upload, _ = post_raw(
        filmmaker_client,
        f"/studio/{studio.slug}/titles/{title.id}/uploads",
        deep_json(depth),
        "application/json",
    )
    heartbeat, _ = post_raw(
        filmmaker_client, "/watch/session/nope/heartbeat", deep_json(depth), "application/json"
    )
    assert upload.status_code == 400
    assert heartbeat.status_code == 400


def test_nul_inside_json_is_refused(filmmaker_client, studio, make_title):
    title = make_title(studio=studio)
    body = json.dumps(
        {"kind": "feature", "filename": "a\x00.mp4", "size": 10, "content_type": "video/mp4"}
    ).encode()
    response, _ = post_raw(
        filmmaker_client,
        f"/studio/{studio.slug}/titles/{title.id}/uploads",
        body,
        "application/json",
    )
    assert response.status_code == 400


def test_routes_that_take_files_still_take_them(app):
    from storefront.web.request_guards import body_limit

    add_image = app.view_functions["studio_media.add_image"]
    assert body_limit(add_image) > app.config["IMAGE_MAX_BYTES"]
    assert body_limit(app.view_functions["auth.login"]) == app.config["MAX_CONTENT_LENGTH"]


@pytest.mark.parametrize(
    "path",
    [
        "/studio/{studio}/titles/{big}/audience",
        "/studio/{studio}/titles/{big}/audience.csv",
        "/bundles/{big}",
        "/media/images/{big}/w480.jpg",
        "/media/festival-artwork/{big}/w640.jpg",
    ],
)
def test_an_id_beyond_what_a_row_can_hold_is_not_found(filmmaker_client, studio, path):
    # Larger than any integer column: the database would refuse it with an error.
    url = path.format(studio=studio.slug, big="99999999999999999999")
    assert filmmaker_client.get(url).status_code == 404
