"""A premiere: co-produced film paid for 16 buyers at a time, each sale split three ways.

Measures ``premiere_payments_per_s``: checkouts paid per second, counted from the first "Pay"
until the last holder transfer is recorded, and ``premiere_deliveries_over_10s``: webhook
deliveries the emulator saw take longer than ten seconds (Stripe counts those as failures).
Beside them, what one payment costs: webhook deliveries, and CPU milliseconds in the web
tier, the job worker and the emulator (each process with its children), which bound the
rate a machine of a given size can reach.

Set-up, each part in its own process: the Stripe emulator (webhooks delivered asynchronously,
as Stripe does), the store under gunicorn (2 workers, 4 threads), the job worker (``flask
worker --workers 2``) on Redis, and a load generator that presses "Pay" on prepared Checkout
Sessions 16 at a time. PostgreSQL (BENCH_DATABASE_URL, a scratch database is created and
dropped) and Redis (BENCH_REDIS_URL, a database other than 0, default 4). Stripe Connect on,
three holders worldwide 50/30/20, all onboarded.

Run from the repository root: ``python -m bench.bench_premiere``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psutil
import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
SECRET = "whsec_bench_premiere"
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/4"
PAYMENTS, AT_ONCE, HOLDERS, TIMEOUT = 160, 16, 3, 300

LOAD = """
import sys, time, json, requests
from concurrent.futures import ThreadPoolExecutor
emu, ids = sys.argv[1], json.loads(sys.stdin.read())
http = requests.Session()
adapter = requests.adapters.HTTPAdapter(pool_maxsize=32)
http.mount("http://", adapter)
def pay(sid):
    http.post(f"{emu}/_emulator/checkout/sessions/{sid}/pay", timeout=60).raise_for_status()
print(time.time(), flush=True)
with ThreadPoolExecutor(max_workers=int(sys.argv[2])) as pool:
    list(pool.map(pay, ids))
print(time.time(), flush=True)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _emulator() -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.stripe_emulator", "--port", "0", "--webhook-mode", "async"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def _env(db_url: str, redis_url: str, emu_url: str, instance: str) -> dict[str, str]:
    return {
        **os.environ,
        "STOREFRONT_ENV": "development",
        "SECRET_KEY": "bench-premiere-" * 4,
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "JOBS_QUEUE_NAME": f"bench-premiere-{uuid.uuid4().hex[:6]}",
        "INSTANCE_PATH": instance,
        "RATELIMIT_ENABLED": "0",
        "PAYMENTS_BACKEND": "stripe",
        "STRIPE_SECRET_KEY": "sk_test_bench_premiere",
        "STRIPE_WEBHOOK_SECRET": SECRET,
        "STRIPE_API_BASE": emu_url,
        "STRIPE_MAX_NETWORK_RETRIES": "2",
        "STRIPE_CONNECT": "1",
        "PLATFORM_FEE_PERCENT": "10",
        "FLASK_APP": "wsgi",
    }


def _prepare(app, emu_url: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Three onboarded holders, the split film and PAYMENTS open Checkout Sessions."""
    from storefront.extensions import db
    from storefront.models import Offer, RightsHolder, Studio, Title, TitleStatus, utcnow
    from storefront.services.accounts.studios import create_studio
    from storefront.services.accounts.users import create_user
    from storefront.services.payments.checkout import start_checkout
    from storefront.services.rights.splits import RuleInput, save_rules

    gateway = app.extensions["payments"]
    http = requests.Session()
    studios: list[Studio] = []
    with app.test_request_context():
        for n, country in enumerate(("NO", "BE", "FR")):
            owner = create_user(f"holder{n}@bench.example", "bench password 123")
            studio = create_studio(owner, f"Holder {n}", country, owner.email)
            account = gateway.create_account(
                email=owner.email, country=country, idempotency_key=f"bench-{n}"
            )
            http.post(f"{emu_url}/_emulator/accounts/{account['id']}/complete_onboarding")
            studio.stripe_account_id = account["id"]
            studio.charges_enabled = studio.payouts_enabled = True
            studios.append(studio)
        title = Title(
            studio_id=studios[0].id, slug="premiere", name="Premiere", status=TitleStatus.PUBLISHED
        )
        db.session.add(title)
        db.session.flush()
        db.session.add(Offer(title_id=title.id, kind="rent", amount=990, currency="EUR"))
        for studio in studios[1:]:
            db.session.add(
                RightsHolder(
                    title_id=title.id, studio_id=studio.id, email="x", accepted_at=utcnow()
                )
            )
        db.session.flush()
        shares = dict(zip((s.id for s in studios), ("50", "30", "20"), strict=True))
        save_rules(title, [RuleInput("worldwide", "", "", shares)], set(shares), "en")
        sessions = []
        for i in range(PAYMENTS):
            buyer = create_user(f"buyer{i}@bench.example", "bench password 123")
            started = start_checkout(gateway, buyer, title, "rent", "DE", utcnow())
            sessions.append(started.order.checkout_session_id)
        db.session.commit()
    return sessions


def _cpu_seconds(process: subprocess.Popen) -> float:
    """User and system CPU of a process and its children (gunicorn's workers) so far."""
    parent = psutil.Process(process.pid)
    total = 0.0
    for each in (parent, *parent.children(recursive=True)):
        try:
            times = each.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def _wait_for_worker(log: Path) -> None:
    """Until the job worker has started (app built, start-up sweeps queued, consumer running)."""
    deadline = time.time() + 60
    while "consumer started" not in log.read_text():
        if time.time() > deadline:
            raise RuntimeError(f"the worker did not start: {log.read_text()[-2000:]}")
        time.sleep(0.05)


def _wait_for_transfers(engine: sa.Engine, expected: int) -> float:
    deadline = time.time() + TIMEOUT
    query = sa.text(
        "SELECT count(*), max(completed_at) FROM holder_payouts "
        "WHERE status = 'paid' AND kind = 'transfer'"
    )
    while time.time() < deadline:
        with engine.connect() as conn:
            count, _last = conn.execute(query).one()
        if count >= expected:
            return time.time()
        time.sleep(0.05)
    raise RuntimeError(f"only {count} of {expected} transfers recorded in {TIMEOUT} s")


def run() -> dict[str, float]:
    from storefront import create_app

    redis_url = os.environ.get("BENCH_REDIS_URL") or DEFAULT_REDIS
    if redis_url.rstrip("/").endswith("/0"):
        raise RuntimeError("BENCH_REDIS_URL must name a Redis database other than 0")
    server = sa.make_url(os.environ.get("BENCH_DATABASE_URL") or DEFAULT_SERVER)
    name = f"sf_bench_premiere_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    db_url = server.set(database=name).render_as_string(hide_password=False)
    emulator, emu_url = _emulator()
    processes: list[subprocess.Popen] = [emulator]
    try:
        with tempfile.TemporaryDirectory() as instance:
            env = _env(db_url, redis_url, emu_url, instance)
            app = create_app(
                {
                    "SQLALCHEMY_DATABASE_URI": db_url,
                    "INSTANCE_PATH": instance,
                    "REDIS_URL": redis_url,
                    "JOBS_BACKEND": "redis",
                    "JOBS_QUEUE_NAME": env["JOBS_QUEUE_NAME"],
                    "SECRET_KEY": env["SECRET_KEY"],
                    "PAYMENTS_BACKEND": "stripe",
                    "STRIPE_SECRET_KEY": env["STRIPE_SECRET_KEY"],
                    "STRIPE_WEBHOOK_SECRET": SECRET,
                    "STRIPE_API_BASE": emu_url,
                    "STRIPE_CONNECT": True,
                    "CHEAP_PASSWORD_HASHING": True,
                    "RATELIMIT_ENABLED": False,
                }
            )
            with app.app_context():
                from flask_migrate import upgrade

                from storefront.extensions import db

                upgrade(directory=str(ROOT / "migrations"))
                sessions = _prepare(app, emu_url)
                db.session.remove()
                db.engine.dispose()
            port = _free_port()
            bin_dir = Path(sys.executable).parent
            processes.append(
                subprocess.Popen(
                    [
                        str(bin_dir / "gunicorn"),
                        "-w",
                        "2",
                        "--threads",
                        "4",
                        "-b",
                        f"127.0.0.1:{port}",
                        "wsgi:app",
                    ],
                    cwd=ROOT,
                    env=env,
                    stderr=subprocess.DEVNULL,
                )  # fmt: skip
            )
            worker_log = Path(instance) / "worker.log"
            with worker_log.open("w") as log:
                processes.append(
                    subprocess.Popen(
                        [str(bin_dir / "flask"), "worker", "--workers", "2"],
                        cwd=ROOT,
                        env=env,
                        stderr=log,
                        stdout=subprocess.DEVNULL,
                    )  # fmt: skip
                )
            for _ in range(200):
                try:
                    requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
                    break
                except requests.RequestException:
                    time.sleep(0.1)
            requests.post(
                f"{emu_url}/_emulator/webhook_endpoints",
                json={"url": f"http://127.0.0.1:{port}/webhooks/stripe", "secret": SECRET},
                timeout=10,
            ).raise_for_status()
            _wait_for_worker(worker_log)  # its start-up is not the premiere's cost
            tiers = {"web": processes[1], "worker": processes[2], "emulator": emulator}
            cpu_before = {name: _cpu_seconds(p) for name, p in tiers.items()}
            load = subprocess.run(
                [sys.executable, "-c", LOAD, emu_url, str(AT_ONCE)],
                input=json.dumps(sessions),
                capture_output=True,
                text=True,
                check=True,
            )
            started = float(load.stdout.split()[0])
            engine = sa.create_engine(db_url)
            finished = _wait_for_transfers(engine, PAYMENTS * HOLDERS)
            cpu_ms = {
                name: (_cpu_seconds(p) - cpu_before[name]) * 1000 / PAYMENTS
                for name, p in tiers.items()
            }
            engine.dispose()
            deliveries = requests.get(f"{emu_url}/_emulator/deliveries", timeout=30).json()
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return {
        "premiere_payments_per_s": round(PAYMENTS / (finished - started), 1),
        "premiere_deliveries_over_10s": sum(1 for d in deliveries if d["duration"] > 10),
        # What one payment costs each tier, which bounds the rate on a given machine.
        "premiere_deliveries_per_payment": round(len(deliveries) / PAYMENTS, 1),
        **{f"premiere_{name}_cpu_ms_per_payment": round(ms, 1) for name, ms in cpu_ms.items()},
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
