"""The whole store on loopback for the load run: web nodes, job workers, the Stripe emulator,
and the seed data (viewer accounts, a studio and a few published films with tiny renditions).

Every process gets a session of its own, so ``kill -9`` of its group takes its children
(gunicorn's workers, FFmpeg) with it, as a machine dying would.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
import sqlalchemy as sa

from tests.scale.nginx import free_port

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK_SECRET = "whsec_scale_test"
FILMS = ("Polar Night", "Harbour Lights", "The Ferry North")


class Processes:
    """Named child processes, their output in one log file each."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        with open(self.logs / f"{name}.log", "wb") as log:
            self.running[name] = subprocess.Popen(
                argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        return self.running[name]

    def web_node(self, name: str) -> int:
        """A gunicorn node (two processes, four threads each); its port once it answers."""
        port = free_port()
        self.start(name, [
            sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4",
            # A busy shared machine can starve a process for seconds: not a hung worker.
            "--timeout", "120",
            "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app",
        ])  # fmt: skip
        wait_until(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), 120, self.output)
        return port

    def worker(self, name: str) -> None:
        self.start(name, [sys.executable, "-m", "flask", "worker", "--workers", "2"])

    def kill(self, name: str) -> None:
        """``kill -9`` of the process and everything it started."""
        process = self.running[name]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def output(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
            for p in self.logs.glob("*.log")
        )

    def stop(self) -> None:
        for process in self.running.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).ok
    except requests.RequestException:
        return False


def wait_until(done, seconds: float, explain=lambda: "") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if done():
            return
        time.sleep(0.5)
    raise AssertionError(f"not done in {seconds:.0f} s\n{explain()}")


def start_emulator(logs: Path) -> tuple[subprocess.Popen[str], str]:
    """Webhooks delivered asynchronously and retried as Stripe does when not acknowledged."""
    with open(logs / "emulator.log", "wb") as log:  # the child keeps its own copy
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.stripe_emulator", "--port", "0", "--webhook-mode",
             "async", "--webhook-retries", "8", "--webhook-retry-delay", "2"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True,
        )  # fmt: skip
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def store_env(
    db_url: str, redis_url: str, emulator: str, s3: dict[str, str], public_url: str, tmp: Path
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STORAGE_", "S3_"))}
    env.update(s3)
    env.update(
        STOREFRONT_ENV="development",
        FLASK_APP="wsgi",
        PYTHONPATH=str(ROOT),
        DATABASE_URL=db_url,
        REDIS_URL=redis_url,
        JOBS_QUEUE_NAME=f"scale-load-{os.getpid()}-{int(time.time())}",
        RATELIMIT_KEY_PREFIX=f"scale-load-{os.getpid()}-{int(time.time())}",
        AUTH_RATE_LIMIT="6 per minute",
        SECRET_KEY="scale-load-secret-key-long-enough-0123456789",
        INSTANCE_PATH=str(tmp / "instance"),
        PUBLIC_URL=public_url,
        GEO_TRUSTED_PROXIES="127.0.0.1/32",
        GEO_COUNTRY_HEADER="X-Country",
        PAYMENTS_BACKEND="stripe",
        STRIPE_SECRET_KEY="sk_test_scale_load",
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=emulator,
        TRANSCODE_LADDER="240:300:64",
        TRANSCODE_PRESET="ultrafast",
        TRANSCODE_SEGMENT_SECONDS="2",
        TRANSCODE_WORK_DIR=str(tmp / "transcode"),
    )
    return env


def seed(env: dict[str, str], accounts: list[str], password: str) -> list[str]:
    """Accounts, a studio and FILMS published with a rent offer and a tiny sample film each
    (queued for transcoding, as an upload is); the films' slugs."""
    from flask_migrate import upgrade

    from storefront import create_app, demo
    from storefront.config import load_config
    from storefront.extensions import db
    from storefront.services.accounts.studios import create_studio
    from storefront.services.accounts.users import create_user
    from storefront.services.catalog.titles import TitleData, create_title

    config = load_config(env)
    # The suite's cheap argon2 parameters for the seeded accounts: at the default ones, 200
    # viewers signing in at once spend a deliberate ~0.2 CPU-second each, and the run would
    # measure argon2 instead of the store. The nodes verify whatever parameters a hash carries.
    config.update(TESTING=True, CHEAP_PASSWORD_HASHING=True, DEMO_FILM_SECONDS=4)
    app = create_app(config)
    with app.app_context(), app.test_request_context():
        upgrade(directory=str(ROOT / "migrations"))
        for email in accounts:
            create_user(email, password, verified=True)
        owner = create_user("studio@scale.example", password, verified=True)
        studio = create_studio(owner, "Scale Pictures", "NO", owner.email)
        slugs = []
        for name in FILMS:
            title = create_title(studio, TitleData(name=name, synopsis="A film.", year=2025))
            demo._offer_and_publish(title)
            demo._sample_feature(title)
            slugs.append(title.slug)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return slugs


def counts(db_url: str) -> dict[str, int]:
    """What the database holds after the run: money and jobs, counted independently."""
    queries = {
        "paid_orders": "SELECT count(*) FROM orders WHERE status = 'paid'",
        "pending_orders": "SELECT count(*) FROM orders WHERE status = 'pending'",
        "entitlements": "SELECT count(*) FROM entitlements",
        "ledger_sales": "SELECT count(*) FROM ledger_entries WHERE entry_type = 'sale'",
        "unprocessed_events": "SELECT count(*) FROM webhook_events WHERE processed_at IS NULL",
        "assets_not_ready": "SELECT count(*) FROM media_assets WHERE status <> 'ready'",
    }
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return {k: int(conn.execute(sa.text(q)).scalar_one()) for k, q in queries.items()}
    finally:
        engine.dispose()
