"""How many distinct ``checkout.session.completed`` events one app process fulfils per second.

On PostgreSQL (BENCH_DATABASE_URL, default the local server; a scratch database is created and
dropped). Orders and their paid Checkout Sessions are prepared beforehand on the Stripe
emulator, run in its own process; each event is then signed here with the webhook secret and
posted to the app's endpoint one after the other, so every delivery pays for the signature
check, storing the event, retrieving the session (with its balance transaction) from the
emulator over loopback HTTP, and the order + entitlement + ledger transaction. Real Stripe
answers that retrieve in tens to hundreds of milliseconds, so production figures are lower.

Reports the median of several batches. Run from the repository root:
``python -m bench.bench_webhooks``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
SECRET = "whsec_bench_webhooks"
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
EVENTS, BATCHES, WARMUP = 240, 6, 10


def _emulator() -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.stripe_emulator", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def _scratch_database(server_url: str) -> tuple[str, sa.Engine, str]:
    url = sa.make_url(server_url)
    name = f"sf_bench_webhooks_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return url.set(database=name).render_as_string(hide_password=False), admin, name


def _prepare(app, emu_url: str, count: int) -> list[bytes]:  # type: ignore[no-untyped-def]
    """Paid sessions for ``count`` pending orders; their completed events, as Stripe sends them."""
    from storefront.extensions import db
    from storefront.models import Offer, Title, TitleStatus, utcnow
    from storefront.services.accounts.studios import create_studio
    from storefront.services.accounts.users import create_user
    from storefront.services.payments.checkout import start_checkout

    gateway = app.extensions["payments"]
    with app.test_request_context():
        owner = create_user("owner@bench.example", "bench password 123")
        studio = create_studio(owner, "Bench Films", "FR", owner.email)
        title = Title(studio_id=studio.id, slug="bench", name="Bench", status=TitleStatus.PUBLISHED)
        db.session.add(title)
        db.session.flush()
        db.session.add(Offer(title_id=title.id, kind="buy", amount=990, currency="EUR"))
        sessions = []
        for i in range(count):
            buyer = create_user(f"buyer{i}@bench.example", "bench password 123")
            started = start_checkout(gateway, buyer, title, "buy", "FR", utcnow())
            sessions.append(started.order.checkout_session_id)
        db.session.commit()
    http = requests.Session()
    for session_id in sessions:
        http.post(f"{emu_url}/_emulator/checkout/sessions/{session_id}/pay", timeout=10)
    events = http.get(f"{emu_url}/_emulator/events", timeout=30).json()
    completed = [e for e in events if e["type"] == "checkout.session.completed"]
    assert len(completed) == count, len(completed)
    return [json.dumps(e, indent=2).encode() for e in completed]


def run() -> dict[str, float]:
    from storefront import create_app
    from storefront.adapters.payments.signing import sign
    from storefront.extensions import db

    process, emu_url = _emulator()
    url, admin, name = _scratch_database(os.environ.get("BENCH_DATABASE_URL") or DEFAULT_SERVER)
    try:
        with tempfile.TemporaryDirectory() as instance:
            app = create_app(
                {
                    "ENV_MODE": "test",
                    "TESTING": True,
                    "SECRET_KEY": "bench-" * 8,
                    "SQLALCHEMY_DATABASE_URI": url,
                    "INSTANCE_PATH": instance,
                    "JOBS_IMMEDIATE": True,
                    "RATELIMIT_ENABLED": False,
                    "PAYMENTS_BACKEND": "stripe",
                    "STRIPE_SECRET_KEY": "sk_test_bench",
                    "STRIPE_WEBHOOK_SECRET": SECRET,
                    "STRIPE_API_BASE": emu_url,
                    "STRIPE_MAX_NETWORK_RETRIES": 0,
                    "CHEAP_PASSWORD_HASHING": True,
                }
            )
            with app.app_context():
                from flask_migrate import upgrade

                upgrade(directory=str(ROOT / "migrations"))
                payloads = _prepare(app, emu_url, EVENTS + WARMUP)
                client = app.test_client()

                def deliver(body: bytes) -> None:
                    headers = {
                        "Stripe-Signature": sign(body, SECRET),
                        "Content-Type": "application/json",
                    }
                    answer = client.post("/webhooks/stripe", data=body, headers=headers)
                    assert answer.get_json()["status"] == "received", answer.get_data(True)

                for body in payloads[:WARMUP]:
                    deliver(body)
                rates = []
                size = EVENTS // BATCHES
                for b in range(BATCHES):
                    batch = payloads[WARMUP + b * size : WARMUP + (b + 1) * size]
                    started = time.perf_counter()
                    for body in batch:
                        deliver(body)
                    rates.append(len(batch) / (time.perf_counter() - started))
                db.session.remove()
                db.engine.dispose()
    finally:
        process.terminate()
        process.wait(timeout=10)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return {"webhook_events_per_s": round(statistics.median(rates), 1)}


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
