"""Time (and optionally profile) fresh renders of the signed-in catalogue, in process.

A development aid, not a benchmark figure: builds the same scratch PostgreSQL store as
``bench_catalogue`` (fewer orders unless ``PROFILE_ORDERS`` says otherwise), signs the bench
viewer in with the test client, and renders ``/films`` N times. Prints the median per render
and, with ``--profile``, a cProfile report of one batch.

Run from the repository root: ``python -m bench.profile_catalogue [N] [--profile]``.
Set ``PROFILE_DATABASE_URL`` to reuse an already-populated database.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from bench import bench_catalogue as bc


def _database() -> tuple[str, bool]:
    existing = os.environ.get("PROFILE_DATABASE_URL")
    if existing:
        return existing, False
    bc.ORDERS = int(os.environ.get("PROFILE_ORDERS", "100000"))
    name = f"sf_profile_catalogue_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(bc.SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = sa.make_url(bc.SERVER).set(database=name).render_as_string(hide_password=False)
    bc._populate(url, Path(tempfile.mkdtemp(prefix="profile-catalogue-")))
    print(f"populated {url}", file=sys.stderr)
    return url, True


def main() -> None:
    count = int(next((a for a in sys.argv[1:] if a.isdigit()), "50"))
    url, _created = _database()
    os.environ.update(
        DATABASE_URL=url,
        INSTANCE_PATH=tempfile.mkdtemp(prefix="profile-instance-"),
        STOREFRONT_ENV="development",
        SECRET_KEY="bench-secret-key-long-enough-0123456789",
        RATELIMIT_STORAGE_URI="memory://",
    )
    from storefront import create_app

    app = create_app()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/login",
        data={"csrf_token": token, "email": bc.VIEWER_EMAIL, "password": bc.VIEWER_PASSWORD},
    )
    assert response.status_code in (302, 303), response.status_code
    body = client.get(bc.PATH).get_data(as_text=True)
    assert "/logout" in body, "not signed in"
    if os.environ.get("PROFILE_DUMP"):  # to compare the page before and after a change
        Path(os.environ["PROFILE_DUMP"]).write_text(body)
    for _ in range(5):
        client.get(bc.PATH)
    times = []
    profiler = None
    if "--profile" in sys.argv:
        profiler = cProfile.Profile()
        profiler.enable()
    bare_app = Flask("bare")
    bare_app.add_url_rule("/films", "bare", lambda: "ok")
    bare = bare_app.test_client()
    bare_times = []
    for _ in range(count):  # interleaved, so both see the same load on a shared machine
        started = time.perf_counter()
        assert client.get(bc.PATH).status_code == 200
        times.append((time.perf_counter() - started) * 1000)
        if profiler is None:
            started = time.perf_counter()
            bare.get("/films")
            bare_times.append((time.perf_counter() - started) * 1000)
    if profiler is not None:
        profiler.disable()
        if os.environ.get("PROFILE_STATS"):  # for pstats' callers and callees views
            profiler.dump_stats(os.environ["PROFILE_STATS"])
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(60)
        stats.sort_stats("tottime").print_stats(30)
    median = statistics.median(times)
    print(f"renders={count} median_ms={median:.2f} min_ms={min(times):.2f}")
    if bare_times:
        bare_median = statistics.median(bare_times)
        print(f"bare_median_ms={bare_median:.3f} ratio={bare_median / median:.4f}")


if __name__ == "__main__":
    main()
