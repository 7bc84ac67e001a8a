"""Where the uploader's CRC32s are computed: in a worker, off the page's thread, under the
store's own Content-Security-Policy; on the page when no worker can start. Storage checks
every part against its signed checksum, so a wrong CRC32 would never complete."""

from __future__ import annotations

import os

from playwright.sync_api import expect

from storefront.extensions import db
from storefront.models import MediaAsset, TitleStatus

from .test_uploader import MiB, on_disk, small_parts, start_feature_upload  # noqa: F401

WORKER = "crc32-worker.js"


def test_parts_are_checksummed_in_a_worker_under_the_stores_policy(
    small_parts,  # noqa: F811 - the fixture, imported above
    app,
    browser,
    live_server,
    filmmaker,
    studio,
    make_title,
    tmp_path,
):
    app.config["PUBLIC_URL"] = live_server.url
    storage = app.extensions["storage"]
    title = make_title("Checksummed aside", studio=studio, status=TitleStatus.DRAFT)
    film = os.urandom(11 * MiB)  # three parts: 5 + 5 + 1 MiB
    # The policy enforced, as for every visitor (the shared page fixture bypasses it).
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    try:
        feature = start_feature_upload(
            page, filmmaker, studio, title, on_disk(tmp_path, "film.mov", film)
        )
        expect(feature.locator("[data-live]")).to_contain_text("Upload complete", timeout=60_000)
        workers = [worker.url for worker in page.workers]
    finally:
        context.close()

    assert [url for url in workers if url.split("?")[0].endswith(WORKER)], workers
    assert refused == []
    db.session.expire_all()
    assert storage.get(db.session.scalar(db.select(MediaAsset.source_key))) == film


def test_without_a_worker_the_page_checksums_the_parts_itself(
    small_parts,  # noqa: F811 - the fixture, imported above
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
    title = make_title("Checksummed on the page", studio=studio, status=TitleStatus.DRAFT)
    film = os.urandom(11 * MiB)
    # The worker's script cannot be had (a proxy refusing it, a deployment missing it).
    page.route(f"**/{WORKER}*", lambda route: route.fulfill(status=404, body="not here"))

    feature = start_feature_upload(
        page, filmmaker, studio, title, on_disk(tmp_path, "film.mov", film)
    )

    expect(feature.locator("[data-live]")).to_contain_text("Upload complete", timeout=60_000)
    db.session.expire_all()
    assert storage.get(db.session.scalar(db.select(MediaAsset.source_key))) == film
