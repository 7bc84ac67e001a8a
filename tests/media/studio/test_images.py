"""Posters and stills: decoded to be believed, bombs refused, EXIF gone, sized for the pages."""

from __future__ import annotations

import html
import io
import os
import re

import pytest
from PIL import Image

from storefront.extensions import db
from storefront.models import ImageKind, ImageStatus, TitleImage, TitleStatus

from .conftest import queued, reload

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def jpeg_with_exif(width: int, height: int, orientation: int = 6) -> bytes:
    image = Image.new("RGB", (width, height), (200, 30, 30))
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "Camera Maker"
    exif.get_ifd(GPS_IFD)[2] = (59.0, 54.0, 42.0)  # latitude
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def encoded(fmt: str, size: tuple[int, int], mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, fmt)
    return buffer.getvalue()


def upload(client, title, data: bytes, kind: str = "poster", filename: str = "poster.jpg"):
    return client.post(
        f"/studio/{title.studio.slug}/titles/{title.id}/images",
        data={"kind": kind, "image": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def stored_image(storage, image: TitleImage, name: str) -> Image.Image:
    return Image.open(io.BytesIO(storage.get(image.keys[name])))


def test_a_poster_is_turned_upright_stripped_and_resized(filmmaker_client, draft, storage):
    # Stored landscape with "rotate 90°" in EXIF: the upright poster is portrait.
    response = upload(filmmaker_client, draft, jpeg_with_exif(1500, 1000))
    assert response.status_code == 302
    image = db.session.scalar(db.select(TitleImage))
    assert (image.kind, image.width, image.height) == (ImageKind.POSTER, 1000, 1500)
    assert sorted(image.keys) == [
        "w240.jpg",
        "w240.webp",
        "w480.jpg",
        "w480.webp",
        "w960.jpg",
        "w960.webp",
    ]
    for name, expected in (("w240.jpg", (240, 360)), ("w960.webp", (960, 1440))):
        stored = stored_image(storage, image, name)
        assert stored.size == expected
        assert stored.format == ("JPEG" if name.endswith("jpg") else "WEBP")
        assert not stored.getexif() and "exif" not in stored.info
    assert all(key.startswith(f"titles/{draft.id}/posters/") for key in image.keys.values())


def test_small_images_are_not_upscaled_and_stills_get_wider_sizes(filmmaker_client, draft):
    upload(filmmaker_client, draft, encoded("PNG", (300, 450)))
    upload(filmmaker_client, draft, encoded("WEBP", (2000, 1000)), kind="still")
    poster, still = db.session.scalars(db.select(TitleImage).order_by(TitleImage.id))
    assert sorted(poster.keys) == ["w240.jpg", "w240.webp"]
    assert sorted(still.keys) == sorted(
        f"w{w}.{ext}" for w in (640, 1280, 1920) for ext in ("jpg", "webp")
    )


def test_a_new_poster_replaces_the_old_one_and_its_files(filmmaker_client, draft, storage):
    upload(filmmaker_client, draft, encoded("JPEG", (600, 900)))
    old = db.session.scalar(db.select(TitleImage))
    old_keys = list(old.keys.values())
    upload(filmmaker_client, draft, encoded("JPEG", (480, 720)))
    db.session.expire_all()
    assert [i.width for i in db.session.scalars(db.select(TitleImage))] == [480]
    assert not any(storage.exists(key) for key in old_keys)


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (encoded("GIF", (100, 100), "P"), "poster.jpg", "not a JPEG, PNG or WebP image"),
        (b"%PDF-1.4 not an image at all", "poster.png", "not a JPEG, PNG or WebP image"),
        (encoded("BMP", (100, 100)), "poster.webp", "not a JPEG, PNG or WebP image"),
        (b"", "poster.jpg", "The file is empty."),
    ],
)
def test_what_is_not_an_accepted_image_is_refused(
    filmmaker_client, draft, storage, data, filename, message
):
    response = upload(filmmaker_client, draft, data, filename=filename)
    assert response.status_code == 400 and message in response.text
    assert db.session.scalar(db.select(db.func.count(TitleImage.id))) == 0
    assert storage.list_multipart_uploads() == []


def test_a_decompression_bomb_is_refused_without_being_decoded(app, filmmaker_client, draft):
    bomb = encoded("PNG", (12_000, 12_000), "1")  # 144 megapixels in a few kilobytes
    assert len(bomb) < 100_000
    response = upload(filmmaker_client, draft, bomb)
    assert response.status_code == 400
    assert "more pixels than the 40 megapixels allowed" in response.text
    # Past Pillow's own bomb limit the answer is the same, not a crash.
    huge = encoded("PNG", (20_000, 20_000), "1")
    assert "more pixels than" in upload(filmmaker_client, draft, huge).text


def test_file_size_limit(app, filmmaker_client, draft):
    app.config["IMAGE_MAX_BYTES"] = 100 * 1024
    noisy = Image.frombytes("RGB", (200, 200), os.urandom(200 * 200 * 3))
    buffer = io.BytesIO()
    noisy.save(buffer, "PNG", compress_level=0)
    assert 100 * 1024 < len(buffer.getvalue()) < 500 * 1024
    response = upload(filmmaker_client, draft, buffer.getvalue())
    assert response.status_code == 400 and "larger than 100 KB" in response.text


def test_the_media_page_stops_a_file_too_large_to_send_before_it_is_sent(
    app, filmmaker_client, draft
):
    """A body over the limit is refused unread, with a bare "Too large" page and the form
    gone: the page names each file's limit, and the browser checks it before sending."""
    app.config["IMAGE_MAX_BYTES"] = 3 * 1024 * 1024
    app.config["SUBTITLE_MAX_BYTES"] = 200 * 1024
    page = filmmaker_client.get(f"/studio/{draft.studio.slug}/titles/{draft.id}/media").text
    assert re.search(
        r'<input[^>]*data-max-bytes="3145728"[^>]*data-too-large="image-too-large"', page
    )
    assert re.search(
        r'<input[^>]*data-max-bytes="204800"[^>]*data-too-large="file-too-large"', page
    )
    too_large = re.search(r'<p class="error" id="image-too-large" hidden>([^<]*)</p>', page)
    assert too_large and too_large.group(1) == "The image is larger than 3 MB."
    assert (
        '<p class="error" id="file-too-large" hidden>The subtitle file is larger than 200 KB.'
        in page
    )
    assert "js/file-limit.js" in page


def test_images_are_served_by_redirect_to_a_signed_url(
    filmmaker_client, client, auth, draft, storage
):
    upload(filmmaker_client, draft, encoded("JPEG", (480, 720)))
    image = db.session.scalar(db.select(TitleImage))
    url = f"/media/images/{image.id}/w480.webp"
    member = filmmaker_client.get(url)
    assert member.status_code == 302 and "private" in member.headers["Cache-Control"]
    # The local backend's object route serves the file itself.
    with filmmaker_client.get(member.headers["Location"]) as media:
        assert Image.open(io.BytesIO(media.data)).size == (480, 720)

    auth.logout()
    assert client.get(url).status_code == 404  # a draft's poster is not public yet
    assert client.get(f"/media/images/{image.id}/w9999.webp").status_code == 404
    title = reload(draft)
    title.status = TitleStatus.PUBLISHED
    db.session.commit()
    public = client.get(url)
    assert public.status_code == 302 and "public" in public.headers["Cache-Control"]


def test_deleting_an_image_deletes_its_files(filmmaker_client, draft, storage):
    upload(filmmaker_client, draft, encoded("JPEG", (700, 400)), kind="still")
    image = db.session.scalar(db.select(TitleImage))
    keys = list(image.keys.values())
    media_page = filmmaker_client.get(f"/studio/{draft.studio.slug}/titles/{draft.id}/media")
    assert f"/media/images/{image.id}/w640.webp 640w" in media_page.text
    response = filmmaker_client.post(
        f"/studio/{draft.studio.slug}/titles/{draft.id}/images/{image.id}/delete"
    )
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count(TitleImage.id))) == 0
    assert not any(storage.exists(key) for key in keys)


def test_each_page_gets_the_poster_size_it_lays_out(filmmaker_client, client, auth, draft, viewer):
    """Cards and the library show a 171 px poster (342 px on dense screens), the title page
    a 300 px one at 780: each gets the narrowest stored size that is sharp enough."""
    from tests.watching.conftest import grant

    upload(filmmaker_client, draft, encoded("JPEG", (1000, 1500)))
    title = reload(draft)
    title.status = TitleStatus.PUBLISHED
    title.published_at = title.created_at
    db.session.commit()
    grant(viewer, title)

    def poster_width(page: str, marker: str) -> int:
        url = html.unescape(re.search(rf'<img src="([^"]+)"[^>]*{marker}', page).group(1))
        with client.get(url) as served:
            return Image.open(io.BytesIO(served.data)).width

    auth.logout()
    catalogue = client.get("/films").get_data(as_text=True)
    title_page = client.get(f"/films/{title.slug}").get_data(as_text=True)
    auth.login(viewer.email)
    library = client.get("/library").get_data(as_text=True)
    assert poster_width(catalogue, 'loading="lazy"') == 480
    assert poster_width(library, 'width="114"') == 480
    assert poster_width(title_page, "Poster of") == 960


def test_a_damaged_image_is_marked_failed_by_the_worker(filmmaker_client, draft, storage):
    """Its header is fine, so the upload is accepted; decoding is the worker's and fails."""
    response = upload(filmmaker_client, draft, encoded("JPEG", (800, 1200))[:2000])
    assert response.status_code == 302
    image = db.session.scalar(db.select(TitleImage))
    assert image.status == ImageStatus.FAILED and image.keys == {} and image.source_key is None
    page = filmmaker_client.get(f"/studio/{draft.studio.slug}/titles/{draft.id}/media")
    assert "damaged or incomplete" in page.text


def big_png(width: int, height: int) -> bytes:
    """A large canvas that compresses to almost nothing (the attack's shape)."""
    buffer = io.BytesIO()
    Image.new("L", (width, height)).save(buffer, "PNG", optimize=False, compress_level=9)
    return buffer.getvalue()


def test_the_request_stores_the_original_and_the_worker_makes_the_sizes(
    queued_jobs, app, filmmaker_client, draft, storage
):
    old = upload(filmmaker_client, draft, encoded("JPEG", (600, 900)))
    assert old.status_code == 302
    [(old_id,)] = queued(app, "process_image")
    from storefront.services.media.images import process_image

    assert process_image(old_id) == "ready"
    db.session.commit()

    response = upload(filmmaker_client, draft, big_png(6300, 6300), filename="huge.png")
    assert response.status_code == 302
    new = db.session.scalar(db.select(TitleImage).order_by(TitleImage.id.desc()))
    assert new.status == ImageStatus.PROCESSING and new.keys == {}
    assert storage.exists(new.source_key)  # the original, untouched: nothing was decoded
    assert queued(app, "process_image")[-1] == (new.id,)
    page = filmmaker_client.get(f"/studio/{draft.studio.slug}/titles/{draft.id}/media")
    assert "Processing" in page.text
    from storefront.services.catalog.catalogue import poster_keys

    # The store keeps showing the previous poster until the new one is ready.
    assert (
        poster_keys([draft.id], 342)[draft.id] in db.session.get(TitleImage, old_id).keys.values()
    )

    assert process_image(new.id) == "ready"
    db.session.commit()
    assert process_image(new.id) == "skipped"  # a retried job changes nothing
    new = reload(new)
    assert new.status == ImageStatus.READY and "w960.webp" in new.keys and new.source_key is None
    assert db.session.get(TitleImage, old_id) is None  # replaced once the new one was ready
