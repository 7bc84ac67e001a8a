"""An organiser gives the festival its artwork in Chromium at 390 px: a refused file is named
next to the field, the artwork uploads, and the festival's page and the festival list show it
(its description as the alt text) while fitting the phone and passing axe-core."""

from __future__ import annotations

import io
import os

from PIL import Image, ImageDraw
from playwright.sync_api import expect

from storefront.extensions import db
from storefront.models import FestivalArtwork

from .accessibility import NARROW, assert_usable_and_accessible
from .test_festival import log_in
from .test_festival_editing import _check_current_page, world  # noqa: F401 - a fixture


def key_art() -> bytes:
    image = Image.new("RGB", (2000, 800), (20, 40, 90))
    ImageDraw.Draw(image).ellipse((700, 100, 1300, 700), fill=(230, 200, 60))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def noise(side: int) -> bytes:
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=0)
    return buffer.getvalue()


def test_an_organiser_uploads_artwork_and_the_festival_page_shows_it(app, page, world):  # noqa: F811
    app.config["IMAGE_MAX_BYTES"] = 200 * 1024
    festival = world["festival"]
    edit = f"/studio/{world['studio'].slug}/festivals/{festival.slug}/edit"
    page.set_viewport_size(NARROW)
    log_in(page, world["organiser"].email)
    assert_usable_and_accessible(page, edit)
    expect(page.get_by_text("No artwork yet")).to_be_visible()

    artwork_input = page.get_by_label("Artwork image (JPEG, PNG or WebP)")
    # Too large: named at once, and never sent.
    artwork_input.set_input_files(
        {"name": "huge.png", "mimeType": "image/png", "buffer": noise(300)}
    )
    too_large = page.get_by_text("The image is larger than 200 KB.")
    expect(too_large).to_be_visible()
    page.get_by_role("button", name="Save the artwork").click()
    expect(artwork_input).to_be_focused()
    expect(artwork_input).to_have_attribute("aria-invalid", "true")
    assert page.url.endswith(edit) and db.session.scalar(db.select(FestivalArtwork)) is None
    _check_current_page(page)

    artwork_input.set_input_files(
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not a picture"}
    )
    page.get_by_role("button", name="Save the artwork").click()
    expect(page.get_by_text("This file is not a JPEG, PNG or WebP image.")).to_be_visible()
    _check_current_page(page)

    artwork_input = page.get_by_label("Artwork image (JPEG, PNG or WebP)")
    artwork_input.set_input_files(
        {"name": "key-art.jpg", "mimeType": "image/jpeg", "buffer": key_art()}
    )
    page.get_by_label("Description of the artwork (optional)").fill(
        "A yellow sun over a dark blue sea"
    )
    page.get_by_role("button", name="Save the artwork").click()
    expect(page.get_by_text("The artwork is uploaded")).to_be_visible()
    current = page.get_by_test_id("current-artwork")
    expect(current).to_have_attribute("alt", "A yellow sun over a dark blue sea")
    assert_usable_and_accessible(page, edit)

    assert_usable_and_accessible(page, f"/festivals/{festival.slug}")
    shown = page.get_by_role("img", name="A yellow sun over a dark blue sea")
    expect(shown).to_be_visible()
    # The picture really arrived (through the redirect to the stored file), at a phone's size.
    page.wait_for_function(
        "() => { const i = document.querySelector('.festival-artwork');"
        " return i.complete && i.naturalWidth > 0; }"
    )
    chosen = page.evaluate("document.querySelector('.festival-artwork').currentSrc")
    assert "/w640.webp" in chosen or "/w1280.webp" in chosen, chosen
    box = shown.bounding_box()
    assert box is not None and box["width"] <= NARROW["width"]

    assert_usable_and_accessible(page, "/festivals/")
    expect(page.locator(".festival-card-artwork")).to_be_visible()
