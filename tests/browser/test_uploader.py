"""The real uploader in Chromium: parts fail or arrive damaged, the page is reloaded
mid-upload, and the film still arrives whole without finished parts being sent twice; with
S3 the parts go from the browser straight to the bucket (moto), checksummed."""

from __future__ import annotations

import base64
import io
import json
import os
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from storefront.adapters.storage import crc32_checksum
from storefront.extensions import db
from storefront.models import AssetStatus, MediaAsset, TitleStatus, UploadSession
from tests.storage.conftest import bucket, moto_endpoint, moto_settings  # noqa: F401

from ..conftest import PASSWORD
from .conftest import screenshot

MiB = 1024 * 1024


class PartGate:
    """WSGI middleware: lets the first `allowed` part uploads through, then fails the rest
    (as a dropped connection would) until opened; counts what reached storage."""

    def __init__(self, app, allowed: int) -> None:
        self.app = app
        self.allowed = allowed
        self.is_open = False
        self.passed = 0
        self.refused = 0
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] == "PUT" and environ["PATH_INFO"].startswith("/media/parts/"):
            with self.lock:
                let_through = self.is_open or self.passed < self.allowed
                if let_through:
                    self.passed += 1
                else:
                    self.refused += 1
            if not let_through:
                length = int(environ.get("CONTENT_LENGTH") or 0)
                environ["wsgi.input"].read(length)
                start_response("503 Service Unavailable", [("Content-Length", "0")])
                return [b""]
        return self.app(environ, start_response)


class Corrupter:
    """WSGI middleware: flips one byte in the first upload of each part, as a faulty link
    or proxy would; the checksum the browser computed must catch it."""

    def __init__(self, app) -> None:
        self.app = app
        self.seen: set[int] = set()
        self.damaged = 0
        self.puts = 0
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        path = environ["PATH_INFO"]
        if environ["REQUEST_METHOD"] == "PUT" and path.startswith("/media/parts/"):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = bytearray(environ["wsgi.input"].read(length))
            # Re-signed URLs differ; the part number inside the token does not.
            payload = path.rsplit("/", 1)[1].split(".")[0]
            part = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))[4]
            with self.lock:
                self.puts += 1
                first_time = part not in self.seen
                self.seen.add(part)
                if first_time and body:
                    body[len(body) // 2] ^= 0xFF
                    self.damaged += 1
            environ["wsgi.input"] = io.BytesIO(bytes(body))
        return self.app(environ, start_response)


@pytest.fixture
def small_parts(settings: dict) -> None:
    settings["UPLOAD_PART_BYTES"] = 5 * MiB
    settings["WTF_CSRF_ENABLED"] = True  # the uploader must send its token like in production
    settings["JOBS_IMMEDIATE"] = False  # the pipeline's job is queued, not run, here


def wait_for(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.1)


def open_media_tab(page, filmmaker, studio, title) -> None:
    """Log in as the filmmaker and open the title's media tab, where the uploaders are."""
    page.goto("/login")
    page.get_by_label("Email").fill(filmmaker.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/studio/{studio.slug}/titles/{title.id}/media")


def start_feature_upload(page, filmmaker, studio, title, film: Path):  # type: ignore[no-untyped-def]
    """As the filmmaker, choose ``film`` in the title's feature uploader and press Upload;
    the uploader's section, to watch."""
    open_media_tab(page, filmmaker, studio, title)
    feature = page.locator('[data-kind="feature"]')
    feature.get_by_label("Choose the film file").set_input_files(film)
    feature.get_by_role("button", name="Upload", exact=True).click()
    return feature


def on_disk(folder: Path, name: str, data: bytes) -> Path:
    """The file as a path: a browser on this machine reads it itself, rather than Playwright
    sending megabytes over its pipe, which can take longer than a click under load."""
    path = folder / name
    path.write_bytes(data)
    return path


# Counts the distinct percentages visible in the feature's uploader after every change.
WATCH_PERCENTAGES = """() => {
  const root = document.querySelector('[data-uploader][data-kind="feature"]');
  window.mostPercentagesShown = 0;
  const count = () => {
    const seen = new Set();
    for (const element of root.querySelectorAll('p, span, label')) {
      if (element.closest('.visually-hidden, [hidden]')) continue;
      for (const m of element.textContent.matchAll(/\\d+(?:[.,]\\d+)?\\s?%/g)) seen.add(m[0]);
    }
    window.mostPercentagesShown = Math.max(window.mostPercentagesShown, seen.size);
  };
  const watch = { subtree: true, childList: true, characterData: true };
  new MutationObserver(count).observe(root, watch);
}"""


def test_upload_survives_failures_and_a_reload(
    small_parts, app, page, live_server, filmmaker, studio, make_title, tmp_path
):
    app.config["PUBLIC_URL"] = live_server.url
    storage = app.extensions["storage"]
    title = make_title("Uploaded in a browser", studio=studio, status=TitleStatus.DRAFT)
    film = os.urandom(16 * MiB)  # four parts: 5 + 5 + 5 + 1 MiB
    gate = PartGate(app.wsgi_app, allowed=2)
    app.wsgi_app = gate
    page.on("dialog", lambda dialog: dialog.accept())  # "leave while uploading?"

    open_media_tab(page, filmmaker, studio, title)

    film_file = on_disk(tmp_path, "film.mov", film)
    page.get_by_label("Choose the film file").set_input_files(film_file)
    page.get_by_role("button", name="Upload", exact=True).first.click()
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    page.evaluate(WATCH_PERCENTAGES)

    def stored_parts() -> list:
        db.session.expire_all()
        session = db.session.scalar(db.select(UploadSession))
        if session is None:
            return []
        return storage.list_parts(session.storage_key, session.storage_upload_id)

    # Two parts arrive; the other two keep failing and are retried with backoff.
    wait_for(lambda: len(stored_parts()) == 2 and gate.refused >= 2)
    # A loaded CI machine can leave the page seconds behind the server: allow for it.
    expect(page.locator("[data-live]").first).to_contain_text("Trying again", timeout=20_000)
    screenshot(page, "upload-retrying")
    # Never two different percentages on screen at once ("57 % · …" and "50 % uploaded").
    assert page.evaluate("window.mostPercentagesShown") == 1
    assert page.evaluate("Object.values(localStorage)") == [
        db.session.scalar(db.select(UploadSession.public_id))
    ]

    page.reload()
    gate.is_open = True
    passed_before_resume = gate.passed
    feature = page.locator('[data-kind="feature"]')
    expect(feature.locator("[data-live]")).to_contain_text("was interrupted")
    page.get_by_label("Choose the film file").set_input_files(film_file)
    page.get_by_role("button", name="Upload", exact=True).first.click()

    expect(feature.locator("[data-live]")).to_contain_text("Upload complete", timeout=30_000)
    expect(feature.locator("[data-progress]")).to_have_js_property("value", 100)
    screenshot(page, "upload-complete")
    assert gate.passed - passed_before_resume == 2  # only the two missing parts were sent

    db.session.expire_all()
    asset = db.session.scalar(db.select(MediaAsset))
    assert asset.status == AssetStatus.UPLOADED and asset.size_bytes == len(film)
    assert storage.get(asset.source_key) == film
    assert storage.list_multipart_uploads() == []
    assert page.evaluate("Object.keys(localStorage).length") == 0
    assert [t.args for t in app.extensions["huey"].pending()] == [(asset.id,)]
    expect(page.locator("[data-title-status]")).to_have_text("Processing")


def test_cancel_in_the_browser_aborts_the_upload(
    small_parts, app, page, live_server, filmmaker, studio, make_title, tmp_path
):
    app.config["PUBLIC_URL"] = live_server.url
    storage = app.extensions["storage"]
    title = make_title("Cancelled", studio=studio, status=TitleStatus.DRAFT)
    gate = PartGate(app.wsgi_app, allowed=1)
    app.wsgi_app = gate
    page.on("dialog", lambda dialog: dialog.accept())  # "cancel this upload?"

    open_media_tab(page, filmmaker, studio, title)
    trailer = page.locator('[data-kind="trailer"]')
    trailer.get_by_label("Choose the trailer file").set_input_files(
        on_disk(tmp_path, "trailer.mp4", os.urandom(11 * MiB))
    )
    trailer.get_by_role("button", name="Upload").click()
    wait_for(lambda: gate.passed == 1 and gate.refused >= 1)
    trailer.get_by_role("button", name="Pause").click()
    expect(trailer.get_by_role("button", name="Resume")).to_be_visible()
    trailer.get_by_role("button", name="Cancel upload").click()
    expect(trailer.locator("[data-live]")).to_contain_text("cancelled")

    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(MediaAsset.id))) == 0
    assert storage.list_multipart_uploads() == []


def test_parts_damaged_on_the_way_are_sent_again(
    small_parts, app, page, live_server, filmmaker, studio, make_title, tmp_path
):
    app.config["PUBLIC_URL"] = live_server.url
    storage = app.extensions["storage"]
    title = make_title("Sent over a bad link", studio=studio, status=TitleStatus.DRAFT)
    film = os.urandom(11 * MiB)  # three parts: 5 + 5 + 1 MiB
    corrupter = Corrupter(app.wsgi_app)
    app.wsgi_app = corrupter

    feature = start_feature_upload(
        page, filmmaker, studio, title, on_disk(tmp_path, "film.mov", film)
    )
    expect(feature.locator("[data-live]")).to_contain_text("Upload complete", timeout=60_000)

    # Every part was damaged once, refused by storage, and sent again intact.
    assert corrupter.damaged == 3 and corrupter.puts == 6
    db.session.expire_all()
    asset = db.session.scalar(db.select(MediaAsset))
    assert asset.status == AssetStatus.UPLOADED
    assert storage.get(asset.source_key) == film


@pytest.fixture
def on_s3(settings: dict, bucket: str, moto_endpoint: str) -> None:  # noqa: F811
    settings.update(moto_settings(moto_endpoint, bucket))


def test_parts_go_from_the_browser_straight_to_s3(
    small_parts,
    on_s3,
    moto_endpoint,  # noqa: F811 - the fixture, imported above
    app,
    page,
    live_server,
    filmmaker,
    studio,
    make_title,
    tmp_path,
):
    app.config["PUBLIC_URL"] = live_server.url
    storage = app.extensions["storage"]
    storage.apply_cors([live_server.url])  # what `flask storage init` does
    title = make_title("Straight to the bucket", studio=studio, status=TitleStatus.DRAFT)
    film = os.urandom(11 * MiB)
    app_saw = []

    def watch(environ, start_response, inner=app.wsgi_app):
        app_saw.append(int(environ.get("CONTENT_LENGTH") or 0))
        return inner(environ, start_response)

    app.wsgi_app = watch
    checksums_sent = {}
    copies_sent = []

    def record(request) -> None:
        if request.method == "PUT" and request.url.startswith(moto_endpoint):
            number = int(parse_qs(urlsplit(request.url).query)["partNumber"][0])
            checksums_sent[number] = request.headers.get("x-amz-checksum-crc32")
            # A body the page built from bytes it holds shows here; the file's own slice,
            # streamed by the browser from disk, does not (it costs the page no copy).
            if request.post_data_buffer is not None:
                copies_sent.append(number)

    page.on("request", record)
    open_media_tab(page, filmmaker, studio, title)
    page.get_by_label("Choose the film file").set_input_files(on_disk(tmp_path, "film.mov", film))
    page.get_by_role("button", name="Upload", exact=True).first.click()
    feature = page.locator('[data-kind="feature"]')
    expect(feature.locator("[data-live]")).to_contain_text("Upload complete", timeout=60_000)

    db.session.expire_all()
    asset = db.session.scalar(db.select(MediaAsset))
    assert asset.status == AssetStatus.UPLOADED
    assert storage.get(asset.source_key) == film
    assert max(app_saw) < 10_000  # the app only saw small JSON requests, never the film
    assert copies_sent == []  # every part went from the file, not from a copy in the page
    part = 5 * MiB
    assert (
        checksums_sent
        == {  # what the browser computed is what Python computes
            n: crc32_checksum(film[(n - 1) * part : n * part]) for n in (1, 2, 3)
        }
    )


def test_an_upload_storage_lost_is_said_plainly_and_restarts_in_one_click(
    small_parts, app, page, live_server, filmmaker, studio, make_title, tmp_path
):
    app.config["PUBLIC_URL"] = live_server.url
    storage = app.extensions["storage"]
    title = make_title("Lost by storage", studio=studio, status=TitleStatus.DRAFT)
    film = os.urandom(16 * MiB)  # four parts: 5 + 5 + 5 + 1 MiB
    gate = PartGate(app.wsgi_app, allowed=1)
    app.wsgi_app = gate
    page.on("dialog", lambda dialog: dialog.accept())

    feature = start_feature_upload(
        page, filmmaker, studio, title, on_disk(tmp_path, "film.mov", film)
    )
    wait_for(lambda: gate.passed == 1 and gate.refused >= 1)

    # Storage drops the unfinished upload (a restart, a sweep, a lifecycle rule).
    db.session.expire_all()
    lost = db.session.scalar(db.select(UploadSession))
    storage.abort_multipart(lost.storage_key, lost.storage_upload_id)
    gate.is_open = True

    expect(feature.locator("[data-live]")).to_contain_text(
        "The storage service no longer has this unfinished upload", timeout=30_000
    )
    expect(feature.get_by_role("button", name="Resume")).to_be_hidden()
    expect(feature.get_by_label("Choose the film file")).to_be_enabled()
    screenshot(page, "upload-lost")
    db.session.expire_all()
    assert db.session.get(UploadSession, lost.id).status.value == "lost"

    feature.get_by_role("button", name="Start again").click()
    expect(feature.locator("[data-live]")).to_contain_text("Upload complete", timeout=60_000)

    db.session.expire_all()
    assets = db.session.scalars(db.select(MediaAsset).order_by(MediaAsset.id)).all()
    assert [a.status for a in assets] == [AssetStatus.FAILED, AssetStatus.UPLOADED]
    assert storage.get(assets[1].source_key) == film
    assert storage.list_multipart_uploads() == []
    assert page.evaluate("Object.keys(localStorage).length") == 0


def test_bucket_cors_refusing_the_checksum_header_is_named_in_the_uploader(
    small_parts,
    on_s3,
    moto_endpoint,  # noqa: F811 - the fixture, imported above
    app,
    page,
    live_server,
    filmmaker,
    studio,
    make_title,
    tmp_path,
):
    from tests.storage.conftest import moto_client

    app.config["PUBLIC_URL"] = live_server.url
    storage = app.extensions["storage"]
    rule = {
        "AllowedOrigins": [live_server.url],
        "AllowedMethods": ["PUT", "GET", "HEAD"],
        "AllowedHeaders": ["Content-Type", "Range"],
    }
    moto_client(moto_endpoint).put_bucket_cors(
        Bucket=app.config["S3_BUCKET"], CORSConfiguration={"CORSRules": [rule]}
    )
    title = make_title("Refused by CORS", studio=studio, status=TitleStatus.DRAFT)
    film = os.urandom(6 * MiB)

    feature = start_feature_upload(
        page, filmmaker, studio, title, on_disk(tmp_path, "film.mov", film)
    )
    live = feature.locator("[data-live]")
    expect(live).to_contain_text("x-amz-checksum-crc32")
    expect(live).to_contain_text("S3_PART_CHECKSUMS")
    expect(live).not_to_contain_text("Connection problem")
    expect(feature.get_by_label("Choose the film file")).to_be_enabled()

    storage.apply_cors([live_server.url])  # the operator runs `flask storage init`
    feature.get_by_role("button", name="Upload", exact=True).click()
    expect(live).to_contain_text("Upload complete", timeout=60_000)
    db.session.expire_all()
    assert storage.get(db.session.scalar(db.select(MediaAsset.source_key))) == film


class HeldParts:
    """WSGI middleware: holds every part upload until released, and notes which part numbers
    the uploader asked the app to sign meanwhile."""

    def __init__(self, app) -> None:
        self.app = app
        self.release = threading.Event()
        self.signed: set[int] = set()
        self.held = 0

    def __call__(self, environ, start_response):
        path = environ["PATH_INFO"]
        if environ["REQUEST_METHOD"] == "POST" and path.endswith("/sign"):
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            self.signed.update(part["number"] for part in json.loads(body)["parts"])
            environ["wsgi.input"] = io.BytesIO(body)
        elif environ["REQUEST_METHOD"] == "PUT" and path.startswith("/media/parts/"):
            self.held += 1
            self.release.wait(timeout=60)
        return self.app(environ, start_response)


def test_the_next_parts_are_read_and_signed_while_parts_are_on_their_way(
    small_parts, app, page, live_server, filmmaker, studio, make_title, tmp_path
):
    app.config["PUBLIC_URL"] = live_server.url
    storage = app.extensions["storage"]
    title = make_title("Kept busy", studio=studio, status=TitleStatus.DRAFT)
    film = os.urandom(30 * MiB)  # six parts of 5 MiB, four sent at a time
    held = HeldParts(app.wsgi_app)
    app.wsgi_app = held

    feature = start_feature_upload(
        page, filmmaker, studio, title, on_disk(tmp_path, "film.mov", film)
    )
    try:
        # While storage is still receiving the first four parts, the last two are already
        # checksummed and signed: no part waits for a signature once storage is free.
        wait_for(lambda: held.held == 4 and held.signed == {1, 2, 3, 4, 5, 6})
    finally:
        held.release.set()
    expect(feature.locator("[data-live]")).to_contain_text("Upload complete", timeout=60_000)
    db.session.expire_all()
    assert storage.get(db.session.scalar(db.select(MediaAsset.source_key))) == film


class SlowOpening:
    """WSGI middleware: the app takes a while to open an upload session (a busy server);
    notes the part numbers of each signing request, in order."""

    def __init__(self, app) -> None:
        self.app = app
        self.batches: list[list[int]] = []

    def __call__(self, environ, start_response):
        path = environ["PATH_INFO"]
        if environ["REQUEST_METHOD"] == "POST" and path.endswith("/uploads"):
            time.sleep(1.5)
        elif environ["REQUEST_METHOD"] == "POST" and path.endswith("/sign"):
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            self.batches.append([part["number"] for part in json.loads(body)["parts"]])
            environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)


def test_the_first_parts_are_checksummed_while_the_session_opens_and_signed_together(
    small_parts, app, page, live_server, filmmaker, studio, make_title, tmp_path
):
    app.config["PUBLIC_URL"] = live_server.url
    storage = app.extensions["storage"]
    title = make_title("Quick start", studio=studio, status=TitleStatus.DRAFT)
    film = os.urandom(30 * MiB)  # six parts of 5 MiB, four sent at a time
    slow = SlowOpening(app.wsgi_app)
    app.wsgi_app = slow

    feature = start_feature_upload(
        page, filmmaker, studio, title, on_disk(tmp_path, "film.mov", film)
    )
    expect(feature.locator("[data-live]")).to_contain_text("Upload complete", timeout=60_000)
    # The four parts sent first were read and checksummed while the app opened the session:
    # one signing round trip, not one for the first part and another for the next three.
    assert sorted(slow.batches[0]) == [1, 2, 3, 4]
    db.session.expire_all()
    assert storage.get(db.session.scalar(db.select(MediaAsset.source_key))) == film
