"""Catalogue page throughput and tail latency against a large store, served by gunicorn.

Builds a scratch PostgreSQL database (10,000 published titles with offers, territory rules,
facets and posters; 1,000,000 orders) with ``generate_series``, serves the store with
gunicorn, and loads ``/films`` from a threaded loopback client with 16 connections for a
fixed time. The same gunicorn settings and client then load a bare Flask route, and the
catalogue's requests per second are divided by the bare route's (same machine, same run).

Keys: ``catalogue_rps_ratio`` (goal >= 0.33), ``catalogue_p99_ms`` (goal <= 100 ms), plus the
raw figures. Needs PostgreSQL (``BENCH_DATABASE_URL``, default the local server).

Run from the repository root: ``python -m bench.bench_catalogue``.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
TITLES = 10_000
ORDERS = 1_000_000
USERS = 1_000
STUDIOS = 50
CONNECTIONS = 16
SECONDS = 6.0
WORKERS = "2"
PATH = "/films"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _populate(url: str, instance: Path) -> None:
    """Schema from the migrations, then bulk rows with generate_series."""
    env = os.environ | {
        "DATABASE_URL": url,
        "INSTANCE_PATH": str(instance),
        "STOREFRONT_ENV": "development",
    }
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    engine = sa.create_engine(url)
    statements = [
        f"""INSERT INTO users (email, password_hash, display_name, timezone, is_admin, active,
               security_stamp, created_at, updated_at)
            SELECT 'viewer' || i || '@bench.example', 'x', 'Viewer ' || i, 'UTC', false, true,
               md5(i::text)::varchar(32), now(), now()
            FROM generate_series(1, {USERS}) AS i""",
        f"""INSERT INTO studios (slug, name, country, bio, website, contact_email, charges_enabled,
               payouts_enabled, details_submitted, payment_requirements, created_at, updated_at)
            SELECT 'studio-' || i, 'Studio ' || i, 'NO', '', '', 's' || i || '@bench.example',
               true, true, true, '[]'::json, now(), now()
            FROM generate_series(1, {STUDIOS}) AS i""",
        f"""INSERT INTO titles (studio_id, slug, name, original_name, synopsis, year,
               content_advisory, festival_selections, status, published_at, rental_start_days,
               rental_watch_hours, created_at, updated_at)
            SELECT 1 + i % {STUDIOS}, 'film-' || i, 'Film number ' || i, '', 'A film about ' ||
               md5(i::text), 1990 + i % 35, '', '[]'::json, 'published',
               now() - make_interval(mins => i), 30, 48, now(), now()
            FROM generate_series(1, {TITLES}) AS i""",
        """INSERT INTO offers (title_id, kind, territory_mode, amount, currency, active,
               created_at, updated_at)
            SELECT id, k.kind, 'worldwide', CASE k.kind WHEN 'rent' THEN 499 ELSE 1499 END,
               'EUR', true, now(), now()
            FROM titles CROSS JOIN (VALUES ('rent'), ('buy')) AS k(kind)""",
        """INSERT INTO offer_territories (offer_id, country, blocked, amount, currency)
            SELECT o.id, c.country, c.blocked, c.amount, c.currency
            FROM offers o CROSS JOIN (VALUES ('IT', true, NULL, NULL), ('NO', false, 4900, 'NOK'),
               ('SE', false, 4900, 'SEK'), ('JP', false, 700, 'JPY'), ('CN', true, NULL, NULL))
               AS c(country, blocked, amount, currency)""",
        """INSERT INTO title_facets (title_id, kind, value)
            SELECT id, 'genre', (ARRAY['drama','comedy','documentary','thriller'])[1 + id % 4]
            FROM titles
            UNION ALL SELECT id, 'language', (ARRAY['no','fr','es','en','ja'])[1 + id % 5]
            FROM titles
            UNION ALL SELECT id, 'country', (ARRAY['NO','FR','ES','US','JP'])[1 + id % 5]
            FROM titles""",
        """INSERT INTO title_images (title_id, kind, keys, width, height, position, created_at)
            SELECT id, 'poster', json_build_object('w342', 'titles/' || id || '/posters/w342.jpg',
               'w780', 'titles/' || id || '/posters/w780.jpg'), 780, 1170, 0, now()
            FROM titles""",
        f"""INSERT INTO orders (public_id, user_id, title_id, studio_id, kind, amount, currency,
               country, title_name, studio_name, status, provider, application_fee_amount,
               amount_refunded, paid_at, created_at, updated_at)
            SELECT md5(i::text)::uuid::text, 1 + i % {USERS}, 1 + i % {TITLES},
               1 + (1 + i % {TITLES}) % {STUDIOS}, 'buy', 1499, 'EUR', 'FR', 'Film', 'Studio',
               'paid', 'offline', 0, 0, now(), now(), now()
            FROM generate_series(1, {ORDERS}) AS i""",
    ]
    with engine.begin() as conn:
        # Building the orders' plain indexes once after the load is far quicker than keeping
        # them up to date row by row; the same definitions are restored afterwards.
        indexes = conn.execute(
            sa.text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'orders' "
                "AND indexname LIKE 'ix_%'"
            )
        ).all()
        for name, _ in indexes:
            conn.execute(sa.text(f'DROP INDEX "{name}"'))
        conn.execute(sa.text("SET LOCAL synchronous_commit = off"))
        for statement in statements:
            conn.execute(sa.text(statement))
        for _, definition in indexes:
            conn.execute(sa.text(definition))
        conn.execute(sa.text("ANALYZE"))
    engine.dispose()


def _serve(env: dict[str, str], port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            WORKERS,
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "bench.catalogue_wsgi:app",
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", PATH)
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("gunicorn did not start")


def _load(port: int, seconds: float) -> dict[str, float]:
    """16 client threads, each one request at a time (a new connection each: gunicorn's
    sync workers do not keep connections alive), for ``seconds``."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client() -> None:
        nonlocal errors
        mine: list[float] = []
        bad = 0
        cookie = ""  # each client keeps its session cookie, as a browser does
        while True:
            started = time.perf_counter()
            if started >= stop_at:
                break
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("GET", PATH, headers={"Cookie": cookie} if cookie else {})
                response = conn.getresponse()
                response.read()
                conn.close()
                set_cookie = response.getheader("Set-Cookie")
                if set_cookie:
                    cookie = set_cookie.split(";", 1)[0]
                if response.status != 200:
                    bad += 1
                    continue
            except OSError:
                bad += 1
                continue
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=client) for _ in range(CONNECTIONS)]
    begun = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - begun
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "errors": errors,
    }


def run(seconds: float = SECONDS) -> dict[str, float]:
    name = f"sf_bench_catalogue_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(SERVER).set(database=name).render_as_string(hide_password=False)
    instance = Path(tempfile.mkdtemp(prefix="bench-catalogue-"))
    try:
        started = time.perf_counter()
        _populate(url, instance)
        populate_s = time.perf_counter() - started
        env = os.environ | {
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(instance),
            "STOREFRONT_ENV": "development",
            "SECRET_KEY": "bench-secret-key-long-enough-0123456789",
            "PYTHONPATH": str(ROOT),
        }
        results = {}
        variants = {
            "catalogue": {"BENCH_APP": "catalogue"},
            "uncached": {"BENCH_APP": "catalogue", "CATALOGUE_CACHE_SECONDS": "0"},
            "bare": {"BENCH_APP": "bare"},
        }
        for label, extra in variants.items():
            port = _free_port()
            server = _serve(env | extra, port)
            try:
                _load(port, 1.5)  # warm up workers, connections and caches
                results[label] = _load(port, seconds)
            finally:
                server.terminate()
                server.wait(timeout=10)
    finally:
        shutil.rmtree(instance, ignore_errors=True)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    catalogue, bare, uncached = results["catalogue"], results["bare"], results["uncached"]
    return {
        "catalogue_rps_ratio": round(catalogue["rps"] / bare["rps"], 3),
        "catalogue_p99_ms": round(catalogue["p99_ms"], 1),
        "catalogue_p50_ms": round(catalogue["p50_ms"], 1),
        "catalogue_rps": round(catalogue["rps"], 1),
        "catalogue_bare_rps": round(bare["rps"], 1),
        # Every request rendered from the database (the grid cache switched off), as a
        # signed-in viewer or a cache miss costs.
        "catalogue_uncached_rps_ratio": round(uncached["rps"] / bare["rps"], 3),
        "catalogue_uncached_p99_ms": round(uncached["p99_ms"], 1),
        "catalogue_errors": catalogue["errors"] + bare["errors"] + uncached["errors"],
        "catalogue_populate_s": round(populate_s, 1),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
