"""A studio's Audience page over 1,000,000 stored heartbeats in PostgreSQL.

- ``analytics_ms``: median time of the whole page (login session, queries, rendering) for a
  title with 10,000 plays of 100 heartbeats each over a year, through the Flask test client.
- ``analytics_30d_ms``: the same page for its last 30 days.

Heartbeats and their per-play summaries are bulk-loaded with generate_series into a scratch
database on BENCH_DATABASE_URL (default: the local server), dropped at the end.
Run: ``python -m bench analytics``.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid

import sqlalchemy as sa

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
VIEWERS = 3_000
PLAYS = 10_000
BEATS_PER_PLAY = 100  # 1,000,000 heartbeats
ROUNDS = 9
PASSWORD = "bench password 12345"
SECRET = "bench-secret-key-0123456789abcdefghijklmnop"

LOAD = f"""
INSERT INTO users (email, password_hash, display_name, timezone, is_admin, active,
    security_stamp, created_at, updated_at)
SELECT 'viewer' || i || '@bench.example', 'x', '', 'UTC', false, true, md5('s' || i), now(), now()
FROM generate_series(1, {VIEWERS}) i;
INSERT INTO orders (public_id, user_id, title_id, studio_id, kind, amount, currency, country,
    title_name, studio_name, status, provider, application_fee_amount, amount_refunded,
    created_at, updated_at)
SELECT md5('o' || u.id), u.id, 1, 1, 'buy', 500, 'EUR', 'NO', 'Film', 'Studio', 'paid',
    'stripe', 0, 0, now(), now()
FROM users u WHERE u.email LIKE 'viewer%';
INSERT INTO entitlements (order_id, user_id, title_id, kind, status, granted_at, created_at,
    updated_at)
SELECT o.id, o.user_id, 1, 'buy', 'active', now(), now(), now() FROM orders o;
INSERT INTO playback_sessions (public_id, user_id, title_id, entitlement_id, started_at,
    last_seen_at, ended_at)
SELECT md5('p' || i), e.user_id, 1, e.id,
    timestamp '2025-06-01' + i * interval '3153 seconds',
    timestamp '2025-06-01' + i * interval '3153 seconds', NULL
FROM generate_series(1, {PLAYS}) i
JOIN entitlements e ON e.id = 1 + i % {VIEWERS};
INSERT INTO playback_heartbeats (session_id, title_id, user_id, country, position_seconds,
    duration_seconds, at)
SELECT s.id, 1, s.user_id, (ARRAY['NO','SE','DK','FR','DE','US','GB','JP'])[1 + s.id % 8],
    b * (10 + s.id % 50), 6000, s.started_at + b * interval '10 seconds'
FROM playback_sessions s, generate_series(1, {BEATS_PER_PLAY}) b;
INSERT INTO play_summaries (session_id, title_id, user_id, country, started_at, last_at,
    duration_seconds, last_position, max_position, watched_seconds)
SELECT h.session_id, 1, min(h.user_id), min(h.country), min(s.started_at), max(h.at), 6000,
    max(h.position_seconds), max(h.position_seconds), max(h.position_seconds)
FROM playback_heartbeats h JOIN playback_sessions s ON s.id = h.session_id
GROUP BY h.session_id
"""


def _scratch_database(base_url: str) -> tuple[str, sa.Engine, str]:
    url = sa.make_url(base_url)
    name = f"sf_bench_analytics_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return url.set(database=name).render_as_string(hide_password=False), admin, name


def _load(app) -> str:  # type: ignore[no-untyped-def]
    from storefront.extensions import db
    from storefront.models import Title, TitleStatus, utcnow
    from storefront.services.accounts.studios import create_studio
    from storefront.services.accounts.users import create_user

    with app.app_context():
        owner = create_user("owner@bench.example", PASSWORD)
        studio = create_studio(owner, "Bench Studio", "NO", "studio@bench.example")
        db.session.add(
            Title(
                studio_id=studio.id,
                slug="bench-film",
                name="Bench Film",
                status=TitleStatus.PUBLISHED,
                published_at=utcnow(),
                runtime_seconds=6000,
            )
        )
        db.session.commit()
        slug = studio.slug
        with db.engine.begin() as conn:
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
            for statement in LOAD.split(";"):
                if statement.strip():
                    started = time.perf_counter()
                    conn.execute(sa.text(statement))
                    print(f"   {statement.split()[2]}: {time.perf_counter() - started:.1f} s")
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    return slug


def _median_ms(client, url: str) -> float:  # type: ignore[no-untyped-def]
    def once() -> float:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.status_code
        return elapsed

    once()  # warm caches as a running server would have them
    return round(statistics.median(once() for _ in range(ROUNDS)), 1)


def run() -> dict[str, float]:
    from flask_migrate import upgrade

    from storefront import create_app

    base_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    url, admin_engine, name = _scratch_database(base_url)
    try:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "INSTANCE_PATH": tempfile.mkdtemp(prefix="bench-analytics-"),
                "SECRET_KEY": SECRET,
                "RATELIMIT_ENABLED": False,
                "WTF_CSRF_ENABLED": False,
                "JOBS_IMMEDIATE": True,
            }
        )
        with app.app_context():
            upgrade()
        slug = _load(app)
        client = app.test_client()
        client.post("/login", data={"email": "owner@bench.example", "password": PASSWORD})
        page = f"/studio/{slug}/titles/1/audience"
        whole = _median_ms(client, f"{page}?from=2025-06-01&to=2026-06-30")
        month = _median_ms(client, f"{page}?from=2026-05-01&to=2026-05-30")
        with app.app_context():
            from storefront.extensions import db

            db.engine.dispose()
        return {"analytics_ms": whole, "analytics_30d_ms": month}
    finally:
        with admin_engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()
