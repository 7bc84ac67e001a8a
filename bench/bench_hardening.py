"""What hostile-sized requests cost a web thread now that the work lives elsewhere.

* ``image_upload_request_ms``: median time of the request that accepts a 40-megapixel
  poster (goal <= 200 ms): it reads the header and stores the original; decoding and
  resizing are the worker's (``image_worker_ms``, the worker's time for the same poster).
* ``oversized_form_request_ms``: median time to refuse a 12 MB url-encoded body of empty
  fields on the login form (it took half a minute of CPU before the body limits).

Run from the repository root: ``python -m bench hardening``.
"""

from __future__ import annotations

import io
import statistics
import tempfile
import time
from pathlib import Path

REPETITIONS = 5
MEGAPIXELS_40 = (8000, 5000)


def _poster_bytes() -> bytes:
    from PIL import Image

    # Grain over a gradient compresses like a photograph (about 8 MB), not like a flat image.
    gradient = Image.linear_gradient("L").resize(MEGAPIXELS_40).convert("RGB")
    grain = Image.effect_noise(MEGAPIXELS_40, 12).convert("RGB")
    buffer = io.BytesIO()
    Image.blend(gradient, grain, 0.5).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def run() -> dict[str, float]:
    from flask_migrate import upgrade

    from storefront import create_app
    from storefront.extensions import db
    from storefront.models import Title, TitleImage
    from storefront.services.accounts.studios import create_studio
    from storefront.services.accounts.users import create_user
    from storefront.services.media.images import process_image

    instance = Path(tempfile.mkdtemp(prefix="bench-hardening-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'bench.db'}",
            "INSTANCE_PATH": str(instance),
            "STORAGE_LOCAL_ROOT": str(instance / "media"),
            "JOBS_SQLITE_PATH": str(instance / "jobs.db"),
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    password = "bench passphrase of some length"
    with app.app_context():
        upgrade()
        owner = create_user("owner@bench.example", password, verified=True)
        studio = create_studio(owner, "Bench Films", "NO", owner.email)
        title = Title(studio_id=studio.id, slug="bench-title", name="Bench Title")
        db.session.add(title)
        db.session.commit()
        slug, title_id = studio.slug, title.id

    client = app.test_client()
    assert client.post("/login", data={"email": "owner@bench.example", "password": password})
    poster = _poster_bytes()
    print(f"   poster: {MEGAPIXELS_40[0]}x{MEGAPIXELS_40[1]}, {len(poster) / 1e6:.1f} MB")
    url = f"/studio/{slug}/titles/{title_id}/images"
    upload_ms = []
    for _ in range(REPETITIONS):
        started = time.perf_counter()
        response = client.post(
            url,
            data={"kind": "poster", "image": (io.BytesIO(poster), "poster.jpg")},
            content_type="multipart/form-data",
        )
        upload_ms.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 302, response.status_code

    with app.app_context():
        image_id = db.session.scalar(db.select(TitleImage.id).order_by(TitleImage.id.desc()))
        started = time.perf_counter()
        assert process_image(image_id) == "ready"
        db.session.commit()
        worker_ms = (time.perf_counter() - started) * 1000

    body = b"&" * (12 * 1024 * 1024)
    refuse_ms = []
    for _ in range(REPETITIONS):
        started = time.perf_counter()
        response = client.post(
            "/login", data=body, content_type="application/x-www-form-urlencoded"
        )
        refuse_ms.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 413, response.status_code

    return {
        "image_upload_request_ms": round(statistics.median(upload_ms), 1),
        "image_worker_ms": round(worker_ms, 1),
        "oversized_form_request_ms": round(statistics.median(refuse_ms), 1),
    }


if __name__ == "__main__":
    print(run())
