"""How fast the store acknowledges Stripe's webhooks when a premiere's payments arrive at once.

On PostgreSQL (BENCH_DATABASE_URL, default the local server; a scratch database is created and
dropped), with the app served by gunicorn (2 processes of 16 threads), jobs on Redis
(BENCH_REDIS_URL, default db 1, under a queue name of its own that is deleted afterwards) and a
job worker with 2 threads fulfilling the events against the Stripe emulator meanwhile, each in
its own process. Real events of paid Checkout Sessions (and copies of them under new ids, so
every delivery is new to the store) are sent by the load generator (``bench.webhook_load``, its
own process) in bursts of 32 simultaneous deliveries.

Reports ``webhook_ack_p99_ms`` (goal: 50 ms or less) and the median, over every delivery; then
the same bursts against a bare Flask endpoint under the same gunicorn settings, while the
worker is still fulfilling, as ``webhook_ack_bare_p99_ms``: on a shared, loaded machine the
ratio ``webhook_ack_p99_ratio`` says how much of the figure is the store's own work.
Run from the repository root: ``python -m bench.bench_webhook_ack``.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests
import sqlalchemy as sa

from .bench_webhooks import DEFAULT_SERVER, ROOT, SECRET, _emulator, _scratch_database

CONCURRENCY, ROUNDS, WARMUP_ROUNDS, PAYMENTS = 32, 60, 5, 250
DEFAULT_REDIS = "redis://127.0.0.1:6379/1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _prepare(env: dict[str, str], emu_url: str, count: int) -> list[dict]:
    """Migrate, create ``count`` pending orders, pay them on the emulator: their events."""
    from storefront import create_app

    from .bench_webhooks import _prepare as paid_sessions

    settings = {
        "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"],
        "INSTANCE_PATH": env["INSTANCE_PATH"],
        "SECRET_KEY": env["SECRET_KEY"],
        "PAYMENTS_BACKEND": "stripe",
        "STRIPE_SECRET_KEY": env["STRIPE_SECRET_KEY"],
        "STRIPE_WEBHOOK_SECRET": SECRET,
        "STRIPE_API_BASE": emu_url,
        "CHEAP_PASSWORD_HASHING": True,
        "JOBS_IMMEDIATE": True,
        "TESTING": True,
    }
    app = create_app(settings)
    with app.app_context():
        from flask_migrate import upgrade

        from storefront.extensions import db

        upgrade(directory=str(ROOT / "migrations"))
        paid_sessions(app, emu_url, count)
        db.session.remove()
        db.engine.dispose()
    return requests.get(f"{emu_url}/_emulator/events", timeout=30).json()


def _deliveries(events: list[dict], needed: int, path: Path) -> None:
    """``needed`` event bodies, one per line: the real ones, then copies under new ids."""
    lines = []
    for n in range(needed):
        event = dict(events[n % len(events)])
        if n >= len(events):
            event["id"] = f"evt_bench_{n}_{uuid.uuid4().hex[:12]}"
        lines.append(json.dumps(event, separators=(",", ":")))
    path.write_text("\n".join(lines) + "\n")


def _gunicorn(port: int, env: dict[str, str]) -> subprocess.Popen:
    return _start(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--worker-class",
            "gthread",
            "--workers",
            "2",
            "--threads",
            "16",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "bench.webhook_wsgi:app",
        ],  # fmt: skip
        env,
    )


def _p99(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[math.ceil(len(ordered) * 0.99) - 1]


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)


def _wait_for(port: int) -> None:
    deadline = time.time() + 90  # a loaded machine imports the app slowly
    last: object = None
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("POST", "/webhooks/stripe", body=b"{}")
            last = conn.getresponse().status
            if last == 400:  # unsigned: refused, so the app is up
                return
        except OSError as exc:
            last = exc
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not start (last answer: {last})")


def _load(port: int, path: Path, rounds: int) -> dict:
    answer = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.webhook_load",
            str(port),
            SECRET,
            str(path),
            str(CONCURRENCY),
            str(rounds),
        ],  # fmt: skip
        cwd=ROOT,
        capture_output=True,
        check=True,
        text=True,
        timeout=600,
    )
    return json.loads(answer.stdout)


def _processed(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        done = conn.scalar(
            sa.text("SELECT count(*) FROM webhook_events WHERE processed_at IS NOT NULL")
        )
    engine.dispose()
    return int(done or 0)


def run() -> dict[str, float]:
    from huey import RedisHuey

    emulator, emu_url = _emulator()
    url, admin, name = _scratch_database(os.environ.get("BENCH_DATABASE_URL") or DEFAULT_SERVER)
    redis_url = os.environ.get("BENCH_REDIS_URL") or DEFAULT_REDIS
    queue = f"bench-webhooks-{uuid.uuid4().hex[:8]}"
    processes: list[subprocess.Popen] = []
    try:
        with tempfile.TemporaryDirectory() as instance:
            env = os.environ | {
                "DATABASE_URL": url,
                "DATABASE_POOL_SIZE": "16",  # one connection per gunicorn thread, as documented
                "INSTANCE_PATH": instance,
                "SECRET_KEY": "bench-webhook-ack-secret-key-0123456789",
                "REDIS_URL": redis_url,
                "JOBS_QUEUE_NAME": queue,
                "PAYMENTS_BACKEND": "stripe",
                "STRIPE_SECRET_KEY": "sk_test_bench",
                "STRIPE_WEBHOOK_SECRET": SECRET,
                "STRIPE_API_BASE": emu_url,
                "STRIPE_MAX_NETWORK_RETRIES": "0",
                "PYTHONPATH": str(ROOT),
            }
            events = _prepare(env, emu_url, PAYMENTS)
            path = Path(instance) / "events.jsonl"
            _deliveries(events, CONCURRENCY * (ROUNDS + WARMUP_ROUNDS), path)
            port = _free_port()
            store = _gunicorn(port, env | {"BENCH_APP": "store"})
            processes.append(store)
            processes.append(
                _start(
                    [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--workers", "2"],
                    env,
                )
            )
            _wait_for(port)
            warm_path = Path(instance) / "warm.jsonl"
            lines = path.read_text().splitlines()
            warm = CONCURRENCY * WARMUP_ROUNDS
            warm_path.write_text("\n".join(lines[:warm]) + "\n")
            path.write_text("\n".join(lines[warm:]) + "\n")
            _load(port, warm_path, WARMUP_ROUNDS)
            result = _load(port, path, ROUNDS)
            fulfilled = _processed(url)
            store.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
            store.wait(timeout=30)
            bare_port = _free_port()
            processes.append(_gunicorn(bare_port, env | {"BENCH_APP": "bare"}))
            _wait_for(bare_port)
            _load(bare_port, warm_path, WARMUP_ROUNDS)
            bare = _load(bare_port, path, ROUNDS)
    finally:
        for process in processes:
            process.send_signal(signal.SIGINT)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        emulator.terminate()
        emulator.wait(timeout=10)
        RedisHuey(queue, url=redis_url).storage.flush_all()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    latencies = result["latencies_ms"]
    p99, bare_p99 = _p99(latencies), _p99(bare["latencies_ms"])
    return {
        "webhook_ack_p99_ms": round(p99, 1),
        "webhook_ack_p50_ms": round(statistics.median(latencies), 1),
        "webhook_ack_bare_p99_ms": round(bare_p99, 1),
        "webhook_ack_p99_ratio": round(p99 / bare_p99, 2),
        "webhook_ack_failures": result["failures"],
        "webhook_ack_deliveries": len(latencies),
        "webhook_ack_fulfilled_meanwhile": fulfilled,
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
