"""What a filmmaker gets in the browser: the real uploader against the browser's own ceiling.

The store runs in gunicorn (its own process, on SQLite, jobs queued and not run), moto's S3
server in another (restarted before each timed upload, see bench_upload.py), and Debian's
Chromium is driven by Playwright on the studio's media page. A file of
BENCH_UPLOAD_BROWSER_BYTES (256 MiB by default) of random bytes goes to the bucket three ways,
three times each, in rotating order:

* **uploader**: the file is set on the film's file input and Upload clicked; timed in the page
  from the click to the uploader's ``upload:complete`` event (open the session, read and
  CRC32 each part, have the app sign it, PUT it, complete);
* **plain**: the same page PUTs the same parts (``Blob.slice`` of the same file, picked in a
  file input of its own) with ``fetch``, with the uploader's part size and concurrency, to part
  URLs presigned by boto3 for a multipart upload it created on the same endpoint (with CRC32
  part checksums, as the app creates them, so that storage's work is the same): no checksum
  computed or sent, no signing round trip. Its time is the PUTs' (first PUT to last answer)
  plus boto3's own requests creating and completing the upload: like the uploader's, it ends
  when the bucket holds the file (storage joining the parts takes moto about a second for
  256 MiB; the presigning, done in between, is not counted). The browser's ceiling;
* **boto3**: ``upload_file`` of the same file, same part size and concurrency, for context.

``upload_browser_ratio`` = plain median time / uploader median time (goal >= 0.9), with the
three throughputs in MiB/s beside it; ``upload_browser_puts_ratio`` compares the PUTs alone
(plain's PUTs / the uploader's time less its completion request). Run from the repository root:
``python -m bench upload_browser``.
"""

from __future__ import annotations

import gc
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
from boto3.s3.transfer import TransferConfig

from .bench_upload import ACCESS_KEY, REGION, SECRET_KEY, MotoServer, _app, _warm

ROOT = Path(__file__).resolve().parent.parent
MiB = 1024 * 1024
SIZE = 256 * MiB
REPETITIONS = 3
UPLOAD_TIMEOUT_S = 600
EMAIL, PASSWORD = "bench@example.org", "bench password 123"  # as bench_upload._app creates
FEATURE = '[data-uploader][data-kind="feature"]'

# Click Upload on the film's uploader; window.benchUpload becomes the milliseconds from the
# click to the uploader's completion event.
START_UPLOADER = """(selector) => {
  window.benchUpload = undefined;
  const root = document.querySelector(selector);
  document.addEventListener('upload:complete', () => {
    window.benchUpload = performance.now() - started;
  }, { once: true });
  const started = performance.now();
  root.querySelector('[data-start]').click();
}"""

# PUT every part of the file picked in #bench-file to its URL, `parallel` at a time, as
# plainly as the browser can; window.benchPlain becomes the milliseconds taken (or an error).
START_PLAIN = """({ urls, partSize, parallel }) => {
  window.benchPlain = undefined;
  const file = document.querySelector('#bench-file').files[0];
  let next = 0;
  const worker = async () => {
    while (next < urls.length) {
      const index = next++;
      const start = index * partSize;
      const body = file.slice(start, Math.min(file.size, start + partSize));
      const answer = await fetch(urls[index], { method: 'PUT', body });
      if (!answer.ok) throw new Error(`part ${index + 1}: HTTP ${answer.status}`);
    }
  };
  const started = performance.now();
  Promise.all(Array.from({ length: parallel }, worker)).then(
    () => { window.benchPlain = performance.now() - started; },
    (error) => { window.benchPlain = String(error); },
  );
}"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _chromium() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        raise RuntimeError("Chromium not installed (apt-get install chromium)")
    return path


def _random_file(folder: Path, size: int) -> Path:
    path = folder / "film.mov"
    with open(path, "wb") as handle:
        left = size
        while left:
            chunk = os.urandom(min(left, 16 * MiB))
            handle.write(chunk)
            left -= len(chunk)
    return path


def _s3(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


def _fresh_storage(moto: MotoServer, bucket: str, origin: str) -> None:
    """A new moto process with the bucket and the CORS rules `flask storage init` writes."""
    from storefront.adapters.storage.s3 import S3Storage

    moto.start(bucket)
    S3Storage(
        bucket,
        region=REGION,
        endpoint_url=moto.endpoint,
        addressing_style="path",
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
    ).apply_cors([origin])


def _titles(app: Any, count: int) -> list[str]:
    """Media-tab paths of `count` fresh draft titles of the bench studio (one per upload)."""
    from storefront.extensions import db
    from storefront.models import Studio, Title, TitleStatus

    with app.app_context():
        studio = db.session.scalar(db.select(Studio))
        titles = [
            Title(
                studio_id=studio.id, slug=f"bench-{n}", name=f"Bench {n}", status=TitleStatus.DRAFT
            )
            for n in range(count)
        ]
        db.session.add_all(titles)
        db.session.commit()
        paths = [f"/studio/{studio.slug}/titles/{t.id}/media" for t in titles]
        db.session.remove()
        db.engine.dispose()
    return paths


def _gunicorn(env: dict[str, str], port: int) -> subprocess.Popen:
    args = [sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--workers", "1",
            "--threads", "8", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
            "wsgi:app"]  # fmt: skip
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 90  # a loaded machine imports the app slowly
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited at start")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/login")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    _stop(process)
    raise RuntimeError("gunicorn did not start")


def _stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_in_page(page: Any, variable: str) -> float:
    page.wait_for_function(
        f"window.{variable} !== undefined", polling=250, timeout=UPLOAD_TIMEOUT_S * 1000
    )
    value = page.evaluate(f"window.{variable}")
    if not isinstance(value, int | float):
        raise RuntimeError(f"{variable}: {value}")
    return value / 1000


def _uploader(page: Any, media_path: str, film: Path) -> tuple[float, float, int, int]:
    """Seconds the real uploader takes, of which its completion request; the part size and
    concurrency it used."""
    page.goto(media_path)
    root = page.locator(FEATURE)
    root.locator("[data-file]").set_input_files(film)
    sessions: list[dict] = []
    completions: list[float] = []
    opening = root.get_attribute("data-open-url")

    def opened(response: Any) -> None:
        if response.request.method == "POST" and response.url.endswith(opening):
            sessions.append(response.json())

    def finished(request: Any) -> None:
        if request.method == "POST" and request.url.endswith("/complete"):
            completions.append(request.timing["responseEnd"] / 1000)

    page.on("response", opened)
    page.on("requestfinished", finished)
    try:
        page.evaluate(START_UPLOADER, FEATURE)
        try:
            seconds = _wait_in_page(page, "benchUpload")
        except Exception as exc:
            said = root.locator("[data-live]").text_content()
            raise RuntimeError(f"the uploader did not finish: {said!r}") from exc
        for _ in range(50):  # the event may reach us a moment after the page's own clock
            if completions:
                break
            page.wait_for_timeout(100)
    finally:
        page.remove_listener("response", opened)
        page.remove_listener("requestfinished", finished)
    parallel = int(root.get_attribute("data-parallel") or 4)
    return seconds, sum(completions), sessions[0]["part_size"], parallel


def _plain(
    page: Any, s3: Any, bucket: str, film: Path, part_size: int, parallel: int
) -> tuple[float, float]:
    """Seconds the same page takes to PUT the same parts to boto3's presigned part URLs, with
    boto3's requests creating and completing the upload; of which the completion."""
    size = film.stat().st_size
    key = f"plain-{uuid.uuid4().hex}"
    started = time.perf_counter()
    # Created as the app creates its uploads (CRC32 part checksums): storage then joins the
    # parts with the same work as for the uploader's. Without it moto computes a whole-file
    # CRC64NVME at completion, about 0.7 s more for 256 MiB, in plain's time only.
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key, ChecksumAlgorithm="CRC32")[
        "UploadId"
    ]
    creating = time.perf_counter() - started
    count = -(-size // part_size)
    urls = [
        s3.generate_presigned_url(
            "upload_part",
            Params={"Bucket": bucket, "Key": key, "UploadId": upload_id, "PartNumber": n},
            ExpiresIn=3600,
        )
        for n in range(1, count + 1)
    ]
    page.evaluate(
        """() => {
          if (document.querySelector('#bench-file')) return;
          const input = Object.assign(document.createElement('input'),
                                      { type: 'file', id: 'bench-file' });
          document.body.append(input);
        }"""
    )
    page.set_input_files("#bench-file", film)
    page.evaluate(START_PLAIN, {"urls": urls, "partSize": part_size, "parallel": parallel})
    seconds = _wait_in_page(page, "benchPlain")
    parts = s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id, MaxParts=10_000)["Parts"]
    if len(parts) != count or sum(p["Size"] for p in parts) != size:
        raise RuntimeError(f"plain PUTs: storage holds {len(parts)} of {count} parts")
    started = time.perf_counter()
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key=key,
        UploadId=upload_id,
        MultipartUpload={
            "Parts": [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in parts]
        },
    )
    completing = time.perf_counter() - started
    return creating + seconds + completing, completing


def _stored_sizes(s3: Any, bucket: str) -> list[int]:
    return [o["Size"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def run(size: int | None = None, repetitions: int = REPETITIONS) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS

    size = size or int(os.environ.get("BENCH_UPLOAD_BROWSER_BYTES", SIZE))
    if not (ROOT / "static" / "vendor" / "crc32.js").exists():
        raise RuntimeError("static/vendor is missing: run `make setup` first")
    chromium = _chromium()
    moto = MotoServer()
    bucket = f"bench-{uuid.uuid4().hex[:12]}"
    port = _free_port()
    origin = f"http://127.0.0.1:{port}"
    times: dict[str, list[float]] = {"uploader": [], "plain": [], "boto3": []}
    contenders = list(times)
    completions: list[float] = []  # the uploader's completion requests
    plain_completions: list[float] = []  # boto3's, for the plain PUTs
    gunicorn = None
    with tempfile.TemporaryDirectory(prefix="bench-upload-browser-") as scratch:
        workdir = Path(scratch)
        try:
            film = _random_file(workdir, size)
            _fresh_storage(moto, bucket, origin)
            app = _app(moto.endpoint, bucket, workdir)  # migrates; a studio user and a title
            media_paths = _titles(app, repetitions + 1)  # one untimed upload first
            env = os.environ | {
                "STOREFRONT_ENV": "development",
                "SECRET_KEY": "bench-secret-key-bench-secret-key-0123",
                "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
                "INSTANCE_PATH": str(workdir / "instance"),
                "PUBLIC_URL": origin,
                "PYTHONPATH": str(ROOT),
                "REDIS_URL": "",
                "RATELIMIT_STORAGE_URI": "memory://",
                "JOBS_BACKEND": "sqlite",
                "JOBS_SQLITE_PATH": str(workdir / "jobs.db"),
                "JOBS_IMMEDIATE": "false",
                "STORAGE_BACKEND": "s3",
                "S3_BUCKET": bucket,
                "S3_ENDPOINT_URL": moto.endpoint,
                "S3_REGION": REGION,
                "S3_ADDRESSING_STYLE": "path",
                "S3_ACCESS_KEY_ID": ACCESS_KEY,
                "S3_SECRET_ACCESS_KEY": SECRET_KEY,
            }
            gunicorn = _gunicorn(env, port)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                try:
                    context = browser.new_context(base_url=origin, bypass_csp=True)
                    context.set_default_timeout(60_000)
                    page = context.new_page()
                    page.goto("/login")
                    page.get_by_label("Email").fill(EMAIL)
                    page.get_by_label("Password").fill(PASSWORD)
                    page.get_by_role("button", name="Log in").click()
                    page.wait_for_url(lambda url: "/login" not in url)
                    # The uploader's part size and concurrency, from a first untimed upload
                    # (which also warms the browser, the app and the file).
                    _fresh_storage(moto, bucket, origin)
                    _warm(film)
                    _, _, part_size, parallel = _uploader(page, media_paths.pop(), film)
                    transfer = TransferConfig(
                        multipart_threshold=part_size,
                        multipart_chunksize=part_size,
                        max_concurrency=parallel,
                    )
                    for repetition in range(repetitions):
                        # Rotate who goes first so none always meets a warmer machine.
                        shift = repetition % len(contenders)
                        for which in contenders[shift:] + contenders[:shift]:
                            _fresh_storage(moto, bucket, origin)
                            s3 = _s3(moto.endpoint)
                            _warm(film)
                            gc.collect()
                            if which == "uploader":
                                seconds, completing, _, _ = _uploader(
                                    page, media_paths[repetition], film
                                )
                                completions.append(completing)
                            elif which == "plain":
                                seconds, completing = _plain(
                                    page, s3, bucket, film, part_size, parallel
                                )
                                plain_completions.append(completing)
                            else:
                                started = time.perf_counter()
                                s3.upload_file(str(film), bucket, "boto3", Config=transfer)
                                seconds = time.perf_counter() - started
                            if _stored_sizes(s3, bucket) != [size]:
                                raise RuntimeError(f"{which}: the bucket does not hold the file")
                            times[which].append(seconds)
                            print(f"   {which}: {seconds:.2f} s", flush=True)
                    context.close()
                finally:
                    browser.close()
        finally:
            _stop(gunicorn)
            moto.stop()
    uploader, plain, native = (statistics.median(times[k]) for k in contenders)
    uploader_puts = statistics.median(
        t - c for t, c in zip(times["uploader"], completions, strict=True)
    )
    plain_puts = statistics.median(
        t - c for t, c in zip(times["plain"], plain_completions, strict=True)
    )

    def mib_s(seconds: float) -> float:
        return round(size / MiB / seconds, 1)

    return {
        "upload_browser_ratio": round(plain / uploader, 3),
        "upload_browser_uploader_mib_s": mib_s(uploader),
        "upload_browser_plain_mib_s": mib_s(plain),
        "upload_browser_boto3_mib_s": mib_s(native),
        "upload_browser_boto3_ratio": round(native / uploader, 3),
        # Of the uploader's time, its one request to complete (storage joins the parts).
        "upload_browser_complete_s": round(statistics.median(completions), 2),
        "upload_browser_plain_complete_s": round(statistics.median(plain_completions), 2),
        "upload_browser_puts_ratio": round(plain_puts / uploader_puts, 3),
        "upload_browser_bytes": float(size),
        "upload_browser_part_bytes": float(part_size),
        "upload_browser_parallel": float(parallel),
        "upload_browser_runs_s": {k: [round(s, 2) for s in v] for k, v in times.items()},
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
