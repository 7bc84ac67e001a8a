"""How fast a film travels through the app's upload protocol, and how much of it the app sees.

A 1 GiB file goes to a local S3 endpoint (moto's server on loopback) twice each way, in
alternating order, in the same run:

* through the app's protocol, as the browser does it: open a session, sign part URLs in
  batches, PUT the parts in parallel with a plain HTTP client straight to the presigned
  URLs, complete;
* with boto3's own ``upload_file``, same part size and concurrency.

moto runs in its own process, as a storage service would, restarted before each upload.

``upload_throughput_ratio`` = boto3's median time / the protocol's median time (goal >= 0.9).
``upload_app_bytes`` counts request-body bytes reaching the app other than the small JSON
control messages (goal 0: with S3 the film never passes through the app);
``upload_app_control_bytes`` counts those JSON bytes.

Run from the repository root: ``python -m bench.bench_upload`` (BENCH_UPLOAD_BYTES overrides
the size for a quick try).
"""

from __future__ import annotations

import gc
import json
import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import requests
from boto3.s3.transfer import TransferConfig

from storefront.adapters.storage import part_size_for

DATA = Path(__file__).resolve().parent / ".data"
SIZE = 1024**3
REPETITIONS = 2
CONCURRENCY = 8
ACCESS_KEY, SECRET_KEY, REGION = "AKIDBENCH", "bench-secret", "us-east-1"
log = logging.getLogger(__name__)
CONTROL_PREFIX = "/studio/"  # the uploader's JSON API lives under the studio pages


class BodyCounter:
    """WSGI middleware counting request-body bytes the app receives."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.control = 0
        self.payload = 0

    def __call__(self, environ: dict, start_response: Any) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        is_control = environ["PATH_INFO"].startswith(CONTROL_PREFIX) and (
            environ.get("CONTENT_TYPE", "").startswith(("application/json", "application/x-www"))
        )
        if is_control:
            self.control += length
        else:
            self.payload += length
        return self.app(environ, start_response)


class MotoServer:
    """moto's S3 server in its own process, as S3 would be: it does not share our GIL.

    moto keeps objects in memory and slows down as it grows, so every timed upload gets a
    fresh server on the same port.
    """

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, bucket: str) -> None:
        self.stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{self.endpoint}/moto-api/", timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError("moto's server did not start") from None
                time.sleep(0.2)
        boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        ).create_bucket(Bucket=bucket)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None


def _film(size: int) -> Path:
    DATA.mkdir(exist_ok=True)
    path = DATA / f"upload-{size}.bin"
    if not path.exists() or path.stat().st_size != size:
        with open(path, "wb") as handle:
            left = size
            while left:
                chunk = os.urandom(min(left, 16 * 1024 * 1024))
                handle.write(chunk)
                left -= len(chunk)
    return path


def _warm(path: Path) -> None:
    """Read the file once so neither contender pays for a cold disk."""
    with open(path, "rb") as handle:
        while handle.read(16 * 1024 * 1024):
            pass


def _app(endpoint: str, bucket: str, workdir: Path) -> Any:
    from flask_migrate import upgrade

    from storefront import create_app
    from storefront.extensions import db
    from storefront.models import Title, TitleStatus
    from storefront.services.accounts import create_user
    from storefront.services.studios import create_studio

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench-secret-key-bench-secret-key-0123",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.db'}",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            # Queue the pipeline's job without running it: only the upload is timed.
            "JOBS_IMMEDIATE": False,
            "JOBS_BACKEND": "sqlite",
            "JOBS_SQLITE_PATH": str(workdir / "jobs.db"),
            "STORAGE_BACKEND": "s3",
            "S3_BUCKET": bucket,
            "S3_ENDPOINT_URL": endpoint,
            "S3_REGION": REGION,
            "S3_ADDRESSING_STYLE": "path",
            "S3_ACCESS_KEY_ID": ACCESS_KEY,
            "S3_SECRET_ACCESS_KEY": SECRET_KEY,
        }
    )
    with app.app_context():
        upgrade()
        user = create_user("bench@example.org", "bench password 123")
        studio = create_studio(user, "Bench Films", "NO", user.email)
        db.session.add(
            Title(studio_id=studio.id, slug="bench", name="Bench", status=TitleStatus.DRAFT)
        )
        db.session.commit()
    return app


def _protocol_upload(client: Any, base: str, path: Path, http: requests.Session) -> float:
    size = path.stat().st_size
    started = time.perf_counter()
    body = {"kind": "feature", "filename": path.name, "size": size}
    session = client.post(base, json=body).get_json()
    count, part_size, sid = session["part_count"], session["part_size"], session["id"]
    urls: dict[str, str] = {}
    for first in range(1, count + 1, 100):
        batch = list(range(first, min(count, first + 99) + 1))
        urls.update(client.post(f"{base}/{sid}/sign", json={"parts": batch}).get_json()["urls"])

    def send(number: int) -> None:
        with open(path, "rb") as handle:
            handle.seek((number - 1) * part_size)
            data = handle.read(part_size)
        response = http.put(urls[str(number)], data=data)
        response.raise_for_status()

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(send, range(1, count + 1)))
    done = client.post(f"{base}/{sid}/complete")
    if done.status_code != 200:
        raise RuntimeError(done.get_data(as_text=True))
    return time.perf_counter() - started


def run(size: int | None = None, repetitions: int = REPETITIONS) -> dict[str, float]:
    size = size or int(os.environ.get("BENCH_UPLOAD_BYTES", SIZE))
    for noisy in ("alembic", "werkzeug"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    path = _film(size)
    server = MotoServer()
    bucket = f"bench-{uuid.uuid4().hex[:12]}"
    chunk = part_size_for(size)
    transfer = TransferConfig(
        multipart_threshold=chunk, multipart_chunksize=chunk, max_concurrency=CONCURRENCY
    )
    protocol: list[float] = []
    native: list[float] = []
    try:
        server.start(bucket)
        with tempfile.TemporaryDirectory() as workdir:
            app = _app(server.endpoint, bucket, Path(workdir))
            counter = BodyCounter(app.wsgi_app)
            app.wsgi_app = counter
            client = app.test_client()
            client.post(
                "/login", data={"email": "bench@example.org", "password": "bench password 123"}
            )
            counter.payload = counter.control = 0  # count the upload only
            with app.app_context():
                from storefront.extensions import db
                from storefront.models import Title

                title = db.session.scalar(db.select(Title))
                base = f"/studio/{title.studio.slug}/titles/{title.id}/uploads"

            for repetition in range(repetitions):
                # Alternate which goes first so neither always meets a warmer machine.
                order = ["protocol", "boto3"] if repetition % 2 == 0 else ["boto3", "protocol"]
                for which in order:
                    server.start(bucket)
                    _warm(path)
                    gc.collect()
                    if which == "protocol":
                        http = requests.Session()
                        http.mount(
                            "http://", requests.adapters.HTTPAdapter(pool_maxsize=CONCURRENCY)
                        )
                        protocol.append(_protocol_upload(client, base, path, http))
                    else:
                        s3 = boto3.client(
                            "s3",
                            endpoint_url=server.endpoint,
                            region_name=REGION,
                            aws_access_key_id=ACCESS_KEY,
                            aws_secret_access_key=SECRET_KEY,
                        )
                        started = time.perf_counter()
                        s3.upload_file(str(path), bucket, "boto3-upload", Config=transfer)
                        native.append(time.perf_counter() - started)
            payload, control = counter.payload, counter.control
    finally:
        server.stop()
    log.info("protocol runs %s s, boto3 runs %s s", protocol, native)
    app_s, boto_s = statistics.median(protocol), statistics.median(native)
    return {
        "upload_throughput_ratio": round(boto_s / app_s, 3),
        "upload_app_bytes": float(payload),
        "upload_app_control_bytes": float(control),
        "upload_protocol_s": round(app_s, 2),
        "upload_boto3_s": round(boto_s, 2),
        "upload_bytes": float(size),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
