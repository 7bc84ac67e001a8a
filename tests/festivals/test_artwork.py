"""A festival's artwork: the organiser uploads, replaces, describes and removes it on the edit
page; it goes through the posters' checks and resizing, shows on the festival's page and in
the festival list, and leaves no stored file behind once replaced or removed. A refused upload
says why and keeps the artwork there was."""

from __future__ import annotations

import html
import io
import os
import re

import pytest
from PIL import Image

from storefront.extensions import db
from storefront.models import FestivalArtwork, ImageStatus, StudioMember, StudioRole
from storefront.services.promotion import festival_artwork

from .conftest import sign_in


def encoded(fmt: str, size: tuple[int, int], mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, 80 if mode == "L" else None).save(buffer, fmt)
    return buffer.getvalue()


@pytest.fixture
def storage(app):  # type: ignore[no-untyped-def]
    return app.extensions["storage"]


def upload(client, base: str, data: bytes, alt: str = "", filename: str = "art.jpg"):  # type: ignore[no-untyped-def]
    return client.post(
        f"{base}/artwork",
        data={"artwork": (io.BytesIO(data), filename), "artwork_alt": alt},
        content_type="multipart/form-data",
    )


def artworks() -> list[FestivalArtwork]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(FestivalArtwork).order_by(FestivalArtwork.id)))


def stored_keys(row: FestivalArtwork) -> list[str]:
    return list(row.keys.values())


def test_uploaded_artwork_is_resized_and_shown_on_the_festival_pages(
    organiser_client, client, festival, base, storage
):
    response = upload(organiser_client, base, encoded("PNG", (2400, 1000)), alt="A fox at dusk")
    assert response.status_code == 303 and response.headers["Location"].endswith("/edit#artwork")
    [row] = artworks()
    assert (row.status, row.width, row.height, row.source_key) == (
        ImageStatus.READY,
        2400,
        1000,
        None,
    )
    assert sorted(row.keys) == sorted(
        f"w{w}.{ext}" for w in (640, 1280, 1920) for ext in ("jpg", "webp")
    )
    assert all(k.startswith(f"festivals/{festival.id}/artwork/") for k in stored_keys(row))

    edit = organiser_client.get(f"{base}/edit").get_data(as_text=True)
    assert 'data-testid="current-artwork"' in edit and "2400 × 1000" in edit

    page = client.get(f"/festivals/{festival.slug}").get_data(as_text=True)
    img = re.search(r'<img class="festival-artwork"[^>]*>', page).group(0)
    assert 'alt="A fox at dusk"' in img
    # The page lays it out at most 1152 px wide: the stored size just above it is the src.
    src = html.unescape(re.search(r'src="([^"]+)"', img).group(1))
    assert src == f"/media/festival-artwork/{row.id}/w1280.jpg"
    assert f"/media/festival-artwork/{row.id}/w1920.webp 1920w" in img
    # A link to the page shared elsewhere previews the artwork (a JPEG at least 960 wide).
    assert re.search(
        rf'<meta property="og:image" content="https?://[^"]+/media/festival-artwork/{row.id}/w1280\.jpg">',
        page,
    )
    served = client.get(src)
    assert served.status_code == 302 and "public" in served.headers["Cache-Control"]
    with client.get(served.headers["Location"]) as file:
        assert Image.open(io.BytesIO(file.data)).size == (1280, 533)

    listing = client.get("/festivals/").get_data(as_text=True)
    assert f"/media/festival-artwork/{row.id}/w640.jpg" in listing


def test_without_a_description_the_festival_name_is_the_alt_text(
    organiser_client, client, festival, base
):
    upload(organiser_client, base, encoded("JPEG", (800, 450)))
    page = client.get(f"/festivals/{festival.slug}").get_data(as_text=True)
    assert 'alt="Artwork of Arctic Film Festival 2027"' in page
    # Describing it later needs no new file.
    response = organiser_client.post(f"{base}/artwork", data={"artwork_alt": "Northern lights"})
    assert response.status_code == 303
    page = client.get(f"/festivals/{festival.slug}").get_data(as_text=True)
    assert 'alt="Northern lights"' in page


def test_new_artwork_replaces_the_old_and_its_files(organiser_client, base, storage):
    upload(organiser_client, base, encoded("JPEG", (1400, 700)))
    [old] = artworks()
    old_keys = stored_keys(old)
    assert all(storage.exists(k) for k in old_keys)
    upload(organiser_client, base, encoded("WEBP", (700, 1000)))
    [new] = artworks()
    assert (new.width, new.height) == (700, 1000) and sorted(new.keys) == [
        "w640.jpg",
        "w640.webp",
    ]
    assert not any(storage.exists(k) for k in old_keys)


def test_removing_the_artwork_deletes_it_and_its_files(
    organiser_client, client, festival, base, storage
):
    upload(organiser_client, base, encoded("JPEG", (1400, 700)))
    [row] = artworks()
    keys, row_id = stored_keys(row), row.id
    response = organiser_client.post(f"{base}/artwork/remove")
    assert response.status_code == 303
    assert artworks() == []
    assert not any(storage.exists(k) for k in keys)
    page = client.get(f"/festivals/{festival.slug}").get_data(as_text=True)
    assert "festival-artwork" not in page
    assert client.get(f"/media/festival-artwork/{row_id}/w640.jpg").status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (encoded("GIF", (100, 100), "P"), "This file is not a JPEG, PNG or WebP image."),
        (b"%PDF-1.4 not an image at all", "This file is not a JPEG, PNG or WebP image."),
        (b"", "The file is empty."),
        # 144 megapixels in a few kilobytes: refused from the header, never decoded.
        (encoded("PNG", (12_000, 12_000), "1"), "more pixels than the 40 megapixels allowed"),
    ],
)
def test_a_refused_upload_says_why_and_keeps_the_artwork(
    organiser_client, client, festival, base, storage, data, message
):
    upload(organiser_client, base, encoded("JPEG", (1400, 700)), alt="The old one")
    [before] = artworks()
    response = upload(organiser_client, base, data, alt="Something new")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert message in text and "Nothing was saved" in text
    assert 'value="Something new"' in text  # what was typed is kept
    [after] = artworks()
    assert (after.id, after.alt_text) == (before.id, "The old one")
    assert all(storage.exists(k) for k in stored_keys(after))
    assert 'alt="The old one"' in client.get(f"/festivals/{festival.slug}").get_data(as_text=True)


def test_a_file_over_the_size_limit_is_refused(app, organiser_client, base):
    app.config["IMAGE_MAX_BYTES"] = 100 * 1024
    noisy = Image.frombytes("RGB", (200, 200), os.urandom(200 * 200 * 3))
    buffer = io.BytesIO()
    noisy.save(buffer, "PNG", compress_level=0)
    response = upload(organiser_client, base, buffer.getvalue())
    assert response.status_code == 400 and "larger than 100 KB" in response.get_data(as_text=True)
    assert artworks() == []


def test_a_damaged_image_fails_in_the_worker_and_the_old_artwork_stays(
    organiser_client, client, festival, base, storage
):
    upload(organiser_client, base, encoded("JPEG", (1400, 700)))
    [shown] = artworks()
    # Its header is sound, so the request accepts it; decoding is the worker's, and fails.
    response = upload(organiser_client, base, encoded("JPEG", (1600, 900))[:2000])
    assert response.status_code == 303
    kept, failed = artworks()
    assert kept.id == shown.id and failed.status == ImageStatus.FAILED
    assert failed.keys == {} and failed.source_key is None
    edit = organiser_client.get(f"{base}/edit").get_data(as_text=True)
    assert "The last upload could not be used: The image is damaged or incomplete." in edit
    page = client.get(f"/festivals/{festival.slug}").get_data(as_text=True)
    assert f"/media/festival-artwork/{shown.id}/" in page
    # The next good upload supersedes the failed one.
    upload(organiser_client, base, encoded("JPEG", (1000, 500)))
    [latest] = artworks()
    assert latest.width == 1000


def test_saving_without_a_file_or_artwork_asks_for_a_file(organiser_client, base):
    response = organiser_client.post(f"{base}/artwork", data={"artwork_alt": "A fox"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Choose an image file." in text and 'value="A fox"' in text
    assert artworks() == []


def test_a_description_over_the_limit_is_refused_next_to_its_field(organiser_client, base):
    response = upload(organiser_client, base, encoded("JPEG", (800, 450)), alt="x" * 301)
    assert response.status_code == 400
    assert "Keep the description under 300 characters." in response.get_data(as_text=True)
    assert artworks() == []


@pytest.fixture
def queued_jobs(settings: dict) -> None:
    """Queue jobs instead of running them: the worker's half is run by the test."""
    settings["JOBS_IMMEDIATE"] = False


def test_the_previous_artwork_stays_until_the_new_one_is_ready(
    queued_jobs, app, organiser_client, client, festival, base
):
    first = upload(organiser_client, base, encoded("JPEG", (1400, 700)))
    assert first.status_code == 303
    [row] = artworks()
    assert festival_artwork.process_artwork(row.id) == "ready"
    db.session.commit()
    upload(organiser_client, base, encoded("JPEG", (900, 900)))
    old, new = artworks()
    assert new.status == ImageStatus.PROCESSING
    queued = [t.args for t in app.extensions["huey"].pending()]
    assert (new.id,) in queued
    edit = organiser_client.get(f"{base}/edit").get_data(as_text=True)
    assert "Processing" in edit and f"/media/festival-artwork/{old.id}/" in edit
    page = client.get(f"/festivals/{festival.slug}").get_data(as_text=True)
    assert f"/media/festival-artwork/{old.id}/" in page
    assert festival_artwork.process_artwork(new.id) == "ready"
    db.session.commit()
    assert festival_artwork.process_artwork(new.id) == "skipped"  # a retried job: no change
    [only] = artworks()
    assert only.id == new.id


def test_only_the_festivals_organisers_change_its_artwork(
    app, make_user, make_studio, organiser_client, festival, festival_studio, base, storage
):
    upload(organiser_client, base, encoded("JPEG", (1400, 700)), alt="Ours")
    [row] = artworks()
    outsider = make_user("rival@example.org")
    make_studio(outsider, name="Rival Festival")
    finance = make_user("books@festival.example.org")
    db.session.add(
        StudioMember(studio_id=festival_studio.id, user_id=finance.id, role=StudioRole.FINANCE)
    )
    db.session.commit()
    for email, status in ((outsider.email, 404), (finance.email, 403)):
        other = sign_in(app, email)
        assert upload(other, base, encoded("JPEG", (500, 500)), alt="Theirs").status_code == status
        assert other.post(f"{base}/artwork/remove").status_code == status
    [still] = artworks()
    assert (still.id, still.alt_text) == (row.id, "Ours")
    assert all(storage.exists(k) for k in stored_keys(still))


def test_an_unpublished_festivals_artwork_is_for_its_studio_only(
    organiser_client, client, festival, base
):
    upload(organiser_client, base, encoded("JPEG", (800, 450)))
    [row] = artworks()
    festival.published = False
    db.session.commit()
    url = f"/media/festival-artwork/{row.id}/w640.jpg"
    assert client.get(url).status_code == 404
    member = organiser_client.get(url)
    assert member.status_code == 302 and "private" in member.headers["Cache-Control"]


def test_uploads_that_never_became_artwork_leave_no_files(
    queued_jobs, app, organiser_client, festival, base, storage
):
    """An upload superseded before the worker got to it, and one removed while waiting:
    their originals are deleted, and the worker then has nothing to do."""
    upload(organiser_client, base, encoded("JPEG", (1400, 700)))
    [first] = artworks()
    first_id, first_source = first.id, first.source_key
    assert storage.exists(first_source)
    upload(organiser_client, base, encoded("JPEG", (900, 900)))
    [second] = artworks()
    assert second.id != first_id and not storage.exists(first_source)
    assert festival_artwork.process_artwork(first_id) == "skipped"
    second_id, second_source = second.id, second.source_key
    assert organiser_client.post(f"{base}/artwork/remove").status_code == 303
    assert artworks() == [] and not storage.exists(second_source)
    assert festival_artwork.process_artwork(second_id) == "skipped"
    db.session.commit()
    assert artworks() == []
