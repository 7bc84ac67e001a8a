"""Catalogue page throughput and tail latency against a large store, served by gunicorn.

Builds a scratch PostgreSQL database (10,000 published titles with offers, territory rules,
facets and posters; 1,000,000 orders) with ``generate_series``, serves the store with
gunicorn, and loads ``/films`` with Debian's ``wrk`` (a separate process, 16 connections)
for a fixed time. The same gunicorn settings and load then hit a bare Flask route, and the
catalogue's requests per second are divided by the bare route's (same machine, same run).

Keys: ``catalogue_rps_ratio`` and ``catalogue_p99_ms`` for a signed-in viewer who holds
films, whose page is made for them on every request (goals >= 0.2 and <= 60 ms): the session's
login and the films they hold are read each time and put into the shared rendering of the
listing (shared for up to ten seconds), with their own CSRF token;
``catalogue_unshared_rps_ratio`` for the same with nothing shared, every page rendered whole
(CATALOGUE_CACHE_SECONDS=0);
``catalogue_cached_rps_ratio`` for anonymous visitors, who share a cached rendering; plus
the raw figures. Needs
PostgreSQL (``BENCH_DATABASE_URL``, default the local server) and ``wrk``.

Run from the repository root: ``python -m bench.bench_catalogue``.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests
import sqlalchemy as sa
from argon2 import PasswordHasher

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
VIEWER_EMAIL = "viewer1@bench.example"
VIEWER_PASSWORD = "bench-password-123"  # noqa: S105 - a scratch database's only login
# The signed-in viewer's browser: the same User-Agent signs in and loads the pages, as a
# browser's would (the session is bound to it; see _wrk).
VIEWER_AGENT = "bench-catalogue-viewer/1"


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
        # What fulfilment leaves for each paid order: the bench viewer holds films, one of
        # them on the first page, so the page marks it "in your library".
        """INSERT INTO entitlements (order_id, user_id, title_id, kind, status, granted_at,
               created_at, updated_at)
            SELECT id, user_id, title_id, 'buy', 'active', now(), now(), now() FROM orders""",
    ]
    with engine.begin() as conn:
        # Building the orders' and entitlements' plain indexes once after the load is far
        # quicker than keeping them up to date row by row; the same definitions are restored.
        indexes = conn.execute(
            sa.text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN "
                "('orders', 'entitlements') AND indexname LIKE 'ix_%'"
            )
        ).all()
        for name, _ in indexes:
            conn.execute(sa.text(f'DROP INDEX "{name}"'))
        conn.execute(sa.text("SET LOCAL synchronous_commit = off"))
        for statement in statements:
            conn.execute(sa.text(statement))
        for _, definition in indexes:
            conn.execute(sa.text(definition))
        conn.execute(
            sa.text("UPDATE users SET password_hash = :hash WHERE email = :email"),
            {"hash": PasswordHasher().hash(VIEWER_PASSWORD), "email": VIEWER_EMAIL},
        )
    # What autovacuum does to a store's tables after a bulk load (the other benchmarks do
    # the same): without it the visibility map is empty, and every index-only scan, such
    # as the signed-in page's read of the viewer's films, also reads the table's rows.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
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
    deadline = time.time() + 180  # a busy machine may take a while to import and connect
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", PATH)
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("gunicorn did not start")


def _wrk(url: str, seconds: float, cookie: str = "") -> dict[str, float]:
    """Load ``url`` with Debian's ``wrk`` (its own process, two threads, 16 connections)."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk; .ci/run does it)")
    command = [wrk, "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds:.0f}s", "--latency"]
    if cookie:
        # wrk resends the sign-in's cookie unchanged. Under another User-Agent than the one
        # that signed in, the login's session protection marks the session not fresh on every
        # request, so every response would re-sign and send a session cookie, which a
        # browser, keeping the cookie it is given and its own User-Agent, does once.
        command += ["-H", f"Cookie: {cookie}", "-H", f"User-Agent: {VIEWER_AGENT}"]
    out = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    return _parse_wrk(out)


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _parse_wrk(out: str) -> dict[str, float]:
    """Requests per second, p50/p99 latency and errors from wrk's ``--latency`` report."""

    def ms(text: str) -> float:
        number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
        return float(number) * _UNITS_MS[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.MULTILINE))
    if set(percentiles) != {"50", "99"}:
        raise RuntimeError(f"unexpected wrk report:\n{out}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return {
        "rps": rps,
        "p50_ms": ms(percentiles["50"]),
        "p99_ms": ms(percentiles["99"]),
        "errors": errors,
    }


def _sign_in(port: int) -> str:
    """Log the bench viewer in as a browser would (CSRF token and all); the session cookie."""
    http = requests.Session()
    http.headers["User-Agent"] = VIEWER_AGENT
    base = f"http://127.0.0.1:{port}"
    page = http.get(f"{base}/login", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = http.post(
        f"{base}/login",
        data={"csrf_token": token, "email": VIEWER_EMAIL, "password": VIEWER_PASSWORD},
        allow_redirects=False,
        timeout=30,
    )
    if response.status_code not in (302, 303):
        raise RuntimeError(f"bench viewer could not sign in: {response.status_code}")
    signed_in = http.get(f"{base}{PATH}", timeout=30)
    if "/logout" not in signed_in.text:
        raise RuntimeError("the catalogue does not show the bench viewer as signed in")
    if 'class="badge badge-ok"' not in signed_in.text:
        raise RuntimeError("the catalogue does not mark the bench viewer's own film")
    cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
    # The page as wrk asks for it: the browser's cookie jar would have nothing to update.
    again = requests.get(
        f"{base}{PATH}", headers={"Cookie": cookie, "User-Agent": VIEWER_AGENT}, timeout=30
    )
    if "/logout" not in again.text or "Set-Cookie" in again.headers:
        raise RuntimeError("the bench viewer's cookie does not carry a settled session")
    return cookie


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
            "RATELIMIT_STORAGE_URI": "memory://",
        }
        results = {}
        variants = {
            # The headline: a signed-in viewer, whose own films and login are read afresh.
            "signed_in": {"BENCH_APP": "catalogue"},
            # The same with nothing shared between requests (listing and count recomputed).
            "unshared": {"BENCH_APP": "catalogue", "CATALOGUE_CACHE_SECONDS": "0"},
            # Anonymous visitors share a rendering (a cache hit after the first request).
            "cached": {"BENCH_APP": "catalogue"},
            "bare": {"BENCH_APP": "bare"},
        }
        for label, extra in variants.items():
            port = _free_port()
            server = _serve(env | extra, port)
            try:
                cookie = _sign_in(port) if label in ("signed_in", "unshared") else ""
                target = f"http://127.0.0.1:{port}{PATH}"
                _wrk(target, 2, cookie)  # warm up workers, connections and caches
                results[label] = _wrk(target, seconds, cookie)
            finally:
                server.terminate()
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:  # workers stuck in slow requests
                    server.kill()
                    server.wait()
    finally:
        shutil.rmtree(instance, ignore_errors=True)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    signed_in, cached, bare = results["signed_in"], results["cached"], results["bare"]
    return {
        "catalogue_rps_ratio": round(signed_in["rps"] / bare["rps"], 3),
        "catalogue_p99_ms": round(signed_in["p99_ms"], 1),
        "catalogue_p50_ms": round(signed_in["p50_ms"], 1),
        "catalogue_rps": round(signed_in["rps"], 1),
        "catalogue_bare_rps": round(bare["rps"], 1),
        "catalogue_cached_rps_ratio": round(cached["rps"] / bare["rps"], 3),
        "catalogue_unshared_rps_ratio": round(results["unshared"]["rps"] / bare["rps"], 3),
        "catalogue_unshared_p99_ms": round(results["unshared"]["p99_ms"], 1),
        "catalogue_cached_p99_ms": round(cached["p99_ms"], 1),
        "catalogue_errors": sum(r["errors"] for r in results.values()),
        "catalogue_populate_s": round(populate_s, 1),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
