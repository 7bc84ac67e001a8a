"""Fixtures for the studio's media area: the app on local disk or on moto's S3 over HTTP.

Uploads are tested the way browsers do them: the app signs part URLs and a plain HTTP
client PUTs the bytes to them, to the bucket (S3) or to a live app serving the local
backend's signed part route.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urljoin

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from storefront.adapters.storage import crc32_checksum
from storefront.extensions import db
from storefront.models import Studio, Title, TitleStatus
from tests.storage.conftest import bucket, moto_endpoint, moto_settings  # noqa: F401

MiB = 1024 * 1024
PART = 5 * MiB  # the smallest part S3 accepts, to keep test files small


@pytest.fixture(params=["local", "s3"])
def backend(  # a module that needs it uses `pytestmark = pytest.mark.usefixtures("backend")`
    request: pytest.FixtureRequest, settings: dict, tmp_path
) -> str:
    """Run the test once with local storage and once with S3 (moto over HTTP)."""
    settings["UPLOAD_PART_BYTES"] = PART
    if request.param == "s3":
        settings.update(
            moto_settings(
                request.getfixturevalue("moto_endpoint"), request.getfixturevalue("bucket")
            )
        )
    else:
        settings.update(STORAGE_BACKEND="local", STORAGE_LOCAL_ROOT=str(tmp_path / "media"))
    return request.param


@pytest.fixture
def live_app(backend: str, app: Flask) -> Iterator[str]:
    """The app on a loopback port, so signed local part URLs are reachable over HTTP."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_URL"] = url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def storage(app: Flask):
    return app.extensions["storage"]


@pytest.fixture
def draft(studio: Studio, make_title: Callable[..., Title]) -> Title:
    return make_title("Northern Lights", studio=studio, status=TitleStatus.DRAFT)


@dataclass
class FilmFile:
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    def part(self, number: int, part_size: int) -> bytes:
        return self.data[(number - 1) * part_size : number * part_size]

    @property
    def md5(self) -> str:
        return hashlib.md5(self.data, usedforsecurity=False).hexdigest()


@pytest.fixture(scope="session")
def film() -> FilmFile:
    """12 MiB of noise: three parts of 5, 5 and 2 MiB."""
    return FilmFile(os.urandom(12 * MiB))


class UploadApi:
    """The browser uploader's conversation with the app, spoken by a test."""

    def __init__(self, client: FlaskClient, title: Title, live_url: str) -> None:
        self.client = client
        self.base = f"/studio/{title.studio.slug}/titles/{title.id}/uploads"
        self.live_url = live_url  # local part links are relative to the page's origin
        self.http = requests.Session()

    def open(self, film: FilmFile, kind: str = "feature", **extra: object):
        body = {
            "kind": kind,
            "filename": "film.mov",
            "size": film.size,
            "content_type": "video/quicktime",
        }
        body.update(extra)
        return self.client.post(self.base, json=body)

    def show(self, session_id: str):
        return self.client.get(f"{self.base}/{session_id}")

    def sign(self, session_id: str, parts: object):
        return self.client.post(f"{self.base}/{session_id}/sign", json={"parts": parts})

    def send(self, session_id: str, number: int, data: bytes, checksum: str | None = None):
        """Sign part ``number`` with ``checksum`` (by default the data's own) and PUT ``data``."""
        wanted = {"number": number, "crc32": checksum or crc32_checksum(data)}
        signed = self.sign(session_id, [wanted])
        assert signed.status_code == 200, signed.text
        part = signed.json["parts"][str(number)]
        url = urljoin(self.live_url, part["url"])
        return self.http.put(url, data=io.BytesIO(data), headers=part["headers"])

    def put(self, session_id: str, number: int, data: bytes) -> requests.Response:
        response = self.send(session_id, number, data)
        assert response.status_code == 200, response.text
        return response

    def complete(self, session_id: str):
        return self.client.post(f"{self.base}/{session_id}/complete")

    def cancel(self, session_id: str):
        return self.client.delete(f"{self.base}/{session_id}")

    def upload(self, film: FilmFile, kind: str = "feature") -> dict:
        opened = self.open(film, kind)
        assert opened.status_code == 201, opened.text
        session = opened.json
        for number in range(1, session["part_count"] + 1):
            self.put(session["id"], number, film.part(number, session["part_size"]))
        done = self.complete(session["id"])
        assert done.status_code == 200, done.text
        return done.json


@pytest.fixture
def uploads(live_app: str, filmmaker_client: FlaskClient, draft: Title) -> UploadApi:
    return UploadApi(filmmaker_client, draft, live_app)


@pytest.fixture
def queued_jobs(settings: dict) -> None:
    """Queue jobs instead of running them, to see what an upload asks the pipeline to do."""
    settings["JOBS_IMMEDIATE"] = False


def queued(app: Flask, task_name: str) -> list[tuple]:
    """Arguments of the `task_name` jobs waiting in the queue."""
    return [task.args for task in app.extensions["huey"].pending() if task.name == task_name]


def reload(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)
