"""How fast a film travels through the app's upload protocol, and how much of it the app sees.

A 1 GiB file goes to a local S3 endpoint (moto's server on loopback) three times each way, in
alternating order, in the same run:

* through the app's protocol, as the browser does it: open a session; then, 8 parts at a
  time, read a part, compute its CRC32, have the app sign it (the parts asked for while a
  signing request is on its way go together in the next) and PUT it with a plain HTTP
  client straight to the presigned URL; complete;
* with boto3's own ``upload_file``, same part size and concurrency (boto3 checksums each
  part with CRC32 too).

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
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from queue import Empty, SimpleQueue
from typing import Any

import boto3
import requests
from boto3.s3.transfer import TransferConfig

from storefront.adapters.storage import crc32_checksum, part_size_for

DATA = Path(__file__).resolve().parent / ".data"
SIZE = 1024**3
REPETITIONS = 3
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
    from storefront.services.accounts.studios import create_studio
    from storefront.services.accounts.users import create_user

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


class Signer:
    """Signs parts as the browser's PartSigner does: one request at a time, and the parts
    asked for while it is on its way go together in the next (up to SIGN_BATCH)."""

    SIGN_BATCH = 20

    def __init__(self, client: Any, url: str) -> None:
        self.client, self.url = client, url
        self.wanted: SimpleQueue = SimpleQueue()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def sign(self, number: int, checksum: str) -> dict:
        future: Future = Future()
        self.wanted.put((number, checksum, future))
        return future.result()

    def close(self) -> None:
        self.wanted.put(None)
        self.thread.join()

    def _run(self) -> None:
        while (first := self.wanted.get()) is not None:
            batch = [first]
            while len(batch) < self.SIGN_BATCH:
                try:
                    item = self.wanted.get_nowait()
                except Empty:
                    break
                if item is None:
                    self.wanted.put(None)
                    break
                batch.append(item)
            parts = [{"number": number, "crc32": checksum} for number, checksum, _ in batch]
            try:
                signed = self.client.post(self.url, json={"parts": parts}).get_json()["parts"]
                for number, _, future in batch:
                    future.set_result(signed[str(number)])
            except Exception as exc:  # noqa: BLE001 - handed to the waiting sender
                for _, _, future in batch:
                    future.set_exception(exc)


def _protocol_upload(client: Any, base: str, path: Path) -> float:
    size = path.stat().st_size
    started = time.perf_counter()
    body = {"kind": "feature", "filename": path.name, "size": size}
    session = client.post(base, json=body).get_json()
    count, part_size, sid = session["part_count"], session["part_size"], session["id"]
    signer = Signer(client, f"{base}/{sid}/sign")
    local = threading.local()

    def send(number: int) -> None:
        with open(path, "rb") as handle:
            handle.seek((number - 1) * part_size)
            data = handle.read(part_size)
        part = signer.sign(number, crc32_checksum(data))
        if not hasattr(local, "http"):  # a browser keeps a connection per parallel request
            local.http = requests.Session()
        response = local.http.put(part["url"], data=data, headers=part["headers"])
        response.raise_for_status()

    try:
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            list(pool.map(send, range(1, count + 1)))
    finally:
        signer.close()
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
                        protocol.append(_protocol_upload(client, base, path))
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
