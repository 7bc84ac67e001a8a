"""How long one catalogue page takes to ask the availability rule about its titles.

A page of 48 titles, each with a rent and a buy offer carrying 5 territory rules apiece
(a price override, a later window, a blocked country, two allowed countries...), asked for one
viewer in one country. The titles are already loaded (the catalogue query did that); the figure
is the rule's own cost: its query plus evaluation. Median of many runs, milliseconds.

SQLite in a temporary directory always; PostgreSQL too when BENCH_DATABASE_URL names a server
(a scratch database is created there and dropped afterwards).

Run from the repository root: ``python -m bench.bench_availability``.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

PAGE = 48
ROUNDS = 300
COUNTRIES = ["NO", "SE", "DK", "FI", "IS", "DE", "FR", "JP", "US", "BR"]


def _seed(db, models) -> list:
    now = datetime(2027, 3, 1, tzinfo=UTC)
    owner = models.User(email="bench@example.org", password_hash="x", security_stamp="s")
    studio = models.Studio(slug="bench", name="Bench", country="NO", contact_email="b@e.org")
    studio.members.append(models.StudioMember(user=owner, role=models.StudioRole.OWNER))
    db.session.add(studio)
    db.session.flush()
    titles = []
    for i in range(PAGE):
        title = models.Title(
            studio_id=studio.id,
            slug=f"bench-{i}",
            name=f"Bench {i}",
            status=models.TitleStatus.PUBLISHED,
            published_at=now,
        )
        db.session.add(title)
        db.session.flush()
        for kind, mode in (("rent", "deny"), ("buy", "allow")):
            offer = models.Offer(
                title_id=title.id, kind=kind, territory_mode=mode, amount=499, currency="EUR"
            )
            picks = [COUNTRIES[(i + k) % len(COUNTRIES)] for k in range(5)]
            offer.territories = [
                models.OfferTerritory(
                    country=c,
                    blocked=(mode == "deny" and k == 0),
                    amount=4900 if k == 1 else None,
                    currency="NOK" if k == 1 else None,
                    available_from=now + timedelta(days=30) if k == 2 else None,
                )
                for k, c in enumerate(picks)
            ]
            db.session.add(offer)
    db.session.commit()
    return titles


def _measure(database_url: str, instance: Path, rounds: int) -> float:
    from flask_migrate import upgrade

    from storefront import create_app, models
    from storefront.extensions import db
    from storefront.services.catalog.availability import availability_for_titles

    app = create_app(
        {
            "ENV_MODE": "test",
            "TESTING": True,
            "SECRET_KEY": "bench-secret-key-that-is-long-enough-0123",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(instance),
            "RATELIMIT_STORAGE_URI": "memory://",
            "JOBS_IMMEDIATE": True,
        }
    )
    with app.app_context():
        upgrade()
        _seed(db, models)
        titles = list(db.session.scalars(db.select(models.Title).order_by(models.Title.id)))
        assert len(titles) == PAGE
        at = datetime(2027, 3, 2, tzinfo=UTC)
        check = availability_for_titles(titles, "NO", at)
        assert len(check) == PAGE
        for _ in range(20):  # warm the statement cache and the connection pool
            availability_for_titles(titles, "NO", at)
        timings = []
        for i in range(rounds):
            country = COUNTRIES[i % len(COUNTRIES)]
            started = time.perf_counter()
            availability_for_titles(titles, country, at)
            timings.append((time.perf_counter() - started) * 1000)
        db.session.remove()
        db.engine.dispose()
    return round(statistics.median(timings), 3)


def _postgres_scratch(base_url: str) -> tuple[str, sa.Engine, str]:
    url = sa.make_url(base_url)
    name = f"sf_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return url.set(database=name).render_as_string(hide_password=False), admin, name


def run(rounds: int = ROUNDS) -> dict[str, float]:
    """Median milliseconds to resolve a 48-title page for one viewer (SQLite; PostgreSQL too)."""
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["availability_page_ms"] = _measure(
            f"sqlite:///{Path(tmp) / 'bench.db'}", Path(tmp) / "instance", rounds
        )
    base = os.environ.get("BENCH_DATABASE_URL", "")
    if base.startswith("postgresql"):
        url, admin, name = _postgres_scratch(base)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                results["availability_page_postgres_ms"] = _measure(url, Path(tmp), rounds)
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    return results


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
