"""The uploader's own work in the page: each part's CRC32 is computed by a worker (or, where
none can run, by the page itself), so that the page's thread stays free for the uploads."""

from __future__ import annotations

import os

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
