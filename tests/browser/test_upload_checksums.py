"""The uploader's own work in the page: each part's CRC32 is computed by a worker (or, where
none can run, by the page itself), and the progress is drawn a few times a second rather than
at every frame, so that the page keeps up with storage on a busy machine."""

from __future__ import annotations

import io
import os
import time

import pytest
from playwright.sync_api import expect

from storefront.extensions import db
from storefront.models import MediaAsset, TitleStatus

from .test_uploader import MiB, on_disk, small_parts, start_feature_upload  # noqa: F401

# Counts the page's own CRC32 computations (SheetJS crc-32, loaded by the media tab).
COUNT_PAGE_CHECKSUMS = """() => {
  window.pageChecksums = 0;
  const buf = window.CRC32.buf;
  window.CRC32.buf = (...args) => { window.pageChecksums += 1; return buf(...args); };
}"""

# Notes when the progress bar is drawn (its aria-valuetext is set at every drawing).
WATCH_DRAWS = """() => {
  window.draws = [];
  const bar = document.querySelector('[data-uploader][data-kind="feature"] [data-progress]');
  new MutationObserver((records) => {
    for (const _ of records) window.draws.push(performance.now());
  }).observe(bar, { attributes: true, attributeFilter: ['aria-valuetext'] });
}"""


class SlowStorage:
    """WSGI middleware: storage takes its parts in slowly (a slow link), so that progress
    events keep coming for a few seconds."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] == "PUT" and environ["PATH_INFO"].startswith("/media/parts/"):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body, stream = bytearray(), environ["wsgi.input"]
            while len(body) < length:
                body += stream.read(min(256 * 1024, length - len(body)))
                time.sleep(0.03)
            environ["wsgi.input"] = io.BytesIO(bytes(body))
        return self.app(environ, start_response)


def _upload(page, app, live_server, filmmaker, studio, make_title, tmp_path, name, film):
    app.config["PUBLIC_URL"] = live_server.url
    title = make_title(name, studio=studio, status=TitleStatus.DRAFT)
    page.add_init_script(
        "addEventListener('DOMContentLoaded', () => (" + COUNT_PAGE_CHECKSUMS + ")())"
    )
    feature = start_feature_upload(
        page, filmmaker, studio, title, on_disk(tmp_path, "film.mov", film)
    )
    expect(feature.locator("[data-live]")).to_contain_text("Upload complete", timeout=60_000)
    db.session.expire_all()
    stored = app.extensions["storage"].get(db.session.scalar(db.select(MediaAsset.source_key)))
    assert stored == film  # every part arrived, its checksum checked by storage


@pytest.mark.usefixtures("small_parts")
def test_parts_are_checksummed_by_a_worker_not_the_page(
    app, page, live_server, filmmaker, studio, make_title, tmp_path
):
    workers: list[str] = []
    page.on("worker", lambda worker: workers.append(worker.url))
    film = os.urandom(16 * MiB)  # four parts: 5 + 5 + 5 + 1 MiB
    _upload(page, app, live_server, filmmaker, studio, make_title, tmp_path, "Worked", film)
    assert [url.rsplit("/", 1)[1] for url in workers] == ["upload-checksum-worker.js"]
    assert page.evaluate("window.pageChecksums") == 0


@pytest.mark.usefixtures("small_parts")
def test_where_no_worker_can_run_the_page_checksums_the_parts(
    app, page, live_server, filmmaker, studio, make_title, tmp_path
):
    page.context.route(
        "**/upload-checksum-worker.js", lambda route: route.fulfill(status=404, body="")
    )
    film = os.urandom(16 * MiB)
    _upload(page, app, live_server, filmmaker, studio, make_title, tmp_path, "No worker", film)
    assert page.evaluate("window.pageChecksums") == 4


@pytest.mark.usefixtures("small_parts")
def test_progress_is_drawn_a_few_times_a_second(
    app, page, live_server, filmmaker, studio, make_title, tmp_path
):
    app.wsgi_app = SlowStorage(app.wsgi_app)
    page.add_init_script("addEventListener('DOMContentLoaded', () => (" + WATCH_DRAWS + ")())")
    film = os.urandom(60 * MiB)  # twelve parts of 5 MiB, taken in over a few seconds
    _upload(page, app, live_server, filmmaker, studio, make_title, tmp_path, "Drawn", film)
    draws = page.evaluate("window.draws")
    seconds = (draws[-1] - draws[0]) / 1000
    assert seconds > 2  # the upload lasted long enough to tell
    # At most one drawing every quarter of a second (and the last one, on completion).
    assert len(draws) <= 4 * seconds + 2, f"{len(draws)} drawings in {seconds:.1f} s"
