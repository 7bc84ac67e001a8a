"""Revenue reports over 1,000,000 ledger rows in PostgreSQL.

- ``dashboard_ms``: median time of a studio dashboard's queries (totals, series, breakdowns,
  recent sales and refunds) for a studio holding 200,000 of the rows, over all of them.
- ``csv_export_vs_copy_ratio``: rows/s of the app's CSV download of all 1,000,000 rows, served
  over HTTP by gunicorn in a separate process to a logged-in admin, divided by rows/s of
  PostgreSQL's own ``COPY (SELECT <the same columns> ...) TO STDOUT WITH CSV`` in this run.
- ``csv_export_rss_growth_mb``: growth of that gunicorn worker's peak RSS during the download.

The rows go into a scratch database created on the server named by BENCH_DATABASE_URL
(default: the local server) and dropped at the end. Run: ``python -m bench revenue``.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psutil
import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
ROWS = 1_000_000
BIG_STUDIO_EVERY = 5  # studio 1 holds every fifth row: 200,000
OTHER_STUDIOS = 40
TITLES = 20
ORDERS = 500_000
ROUNDS = 7
DOWNLOAD_ROUNDS = 2
PASSWORD = "bench password 12345"
SECRET = "bench-secret-key-0123456789abcdefghijklmnop"

# Rows shaped like Connect-mode fulfilment writes them, over two years: half sales, 40 %
# application fees (the platform's rows), refunds, disputes and won disputes, in three currencies.
LOAD = f"""
INSERT INTO orders (public_id, user_id, title_id, studio_id, kind, amount, currency, country,
    title_name, studio_name, status, provider, application_fee_amount, amount_refunded,
    created_at, updated_at)
SELECT md5('o' || i), 1, 1, 1, 'rent', 500, 'EUR', 'NO', 'Film', 'Studio', 'paid', 'stripe', 0, 0,
    now(), now()
FROM generate_series(1, {ORDERS}) i;
INSERT INTO ledger_entries (occurred_at, entry_type, order_id, title_id, studio_id, title_name,
    kind, country, currency, gross, tax, processor_fee, platform_fee, net, settlement_currency,
    settlement_net, provider, charge_id, balance_transaction_id, refund_id, dispute_id,
    source_event_id)
SELECT occurred_at, entry_type, 1 + i % {ORDERS}, (studio - 1) * {TITLES} + 1 + i % {TITLES},
    studio, 'Film number ' || (1 + i % {TITLES}) || ' of studio ' || studio,
    CASE WHEN i % 3 = 0 THEN 'buy' ELSE 'rent' END,
    (ARRAY['NO','SE','DK','FR','DE','US','GB','JP'])[1 + i % 8], currency,
    gross, tax, 0, fee, gross - tax - fee, currency, gross - tax - fee, 'stripe',
    'ch_3Pq' || lpad(to_hex(i), 21, '0'), 'txn_3Pq' || lpad(to_hex(i), 21, '0'),
    CASE WHEN entry_type = 'refund' THEN 're_3Pq' || lpad(to_hex(i), 21, '0') END,
    CASE WHEN entry_type LIKE 'dispute%' THEN 'dp_1Pq' || lpad(to_hex(i), 21, '0') END,
    'evt_3Pq' || lpad(to_hex(i), 21, '0')
FROM (
    SELECT i,
        CASE WHEN i % {BIG_STUDIO_EVERY} = 0 THEN 1 ELSE 2 + i % {OTHER_STUDIOS} END AS studio,
        timestamp '2025-01-01' + i * interval '63 seconds' AS occurred_at,
        CASE WHEN i % 100 < 50 THEN 'sale' WHEN i % 100 < 90 THEN 'application_fee'
             WHEN i % 100 < 97 THEN 'refund' WHEN i % 100 < 99 THEN 'dispute'
             ELSE 'dispute_won' END AS entry_type,
        CASE WHEN i % 7 = 0 THEN 'USD' WHEN i % 11 = 0 THEN 'JPY' ELSE 'EUR' END AS currency,
        CASE WHEN i % 100 < 50 OR i % 100 >= 99 THEN 499 + i % 1000
             WHEN i % 100 < 90 THEN 50 ELSE -(499 + i % 1000) END AS gross,
        CASE WHEN i % 100 < 50 AND i % 4 = 0 THEN 80 ELSE 0 END AS tax,
        CASE WHEN i % 100 < 50 THEN 50 ELSE 0 END AS fee
    FROM generate_series(1, {ROWS}) i
) g;
"""


def _scratch_database(base_url: str) -> tuple[str, sa.Engine, str]:
    url = sa.make_url(base_url)
    name = f"sf_bench_revenue_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return url.set(database=name).render_as_string(hide_password=False), admin, name


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rss_mb(pid: int, field: str = "VmRSS") -> float:
    """VmRSS (resident now) or VmHWM (peak so far) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return psutil.Process(pid).memory_info().rss / 2**20


class _RssSampler(threading.Thread):
    """The highest RSS seen every 20 ms: the worker's earlier peak cannot hide growth."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.highest, self.done = pid, _rss_mb(pid), threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.02):
            self.highest = max(self.highest, _rss_mb(self.pid))


def _load(app) -> None:  # type: ignore[no-untyped-def]
    """Accounts and studios through the services, ledger rows in bulk with generate_series."""
    from storefront.extensions import db
    from storefront.models import Title, TitleStatus, utcnow
    from storefront.services.accounts.studios import create_studio
    from storefront.services.accounts.users import create_user

    with app.app_context():
        admin = create_user("admin@bench.example", PASSWORD, is_admin=True)
        for n in range(1 + OTHER_STUDIOS):
            studio = create_studio(admin, f"Studio {n + 1}", "NO", "studio@bench.example")
            for t in range(TITLES):
                db.session.add(
                    Title(
                        studio_id=studio.id,
                        slug=f"film-{n + 1}-{t + 1}",
                        name=f"Film number {t + 1} of studio {n + 1}",
                        status=TitleStatus.PUBLISHED,
                        published_at=utcnow(),
                    )
                )
        db.session.commit()
        with db.engine.begin() as conn:
            # Bulk load: skip per-row foreign-key triggers (the rows are consistent by
            # construction) and build the ledger's indexes once, after the rows are in.
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
            indexes = conn.execute(
                sa.text(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'ledger_entries'"
                    " AND indexname NOT IN ('pk_ledger_entries',"
                    " 'uq_ledger_entries_source_event_id_entry_type')"
                )
            ).all()
            for name, _ in indexes:
                conn.execute(sa.text(f'DROP INDEX "{name}"'))
            for statement in LOAD.split(";"):
                if statement.strip():
                    _timed(conn, statement, statement.split()[2])
            for name, definition in indexes:
                _timed(conn, definition, name)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            _timed(conn, "VACUUM ANALYZE", "vacuum")


def _timed(conn: sa.Connection, sql: str, label: str) -> None:
    started = time.perf_counter()
    conn.execute(sa.text(sql))
    print(f"   {label}: {time.perf_counter() - started:.1f} s", flush=True)


def _time_dashboard(app) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Median ms of the dashboard's queries over all the big studio's rows, and over 30 days."""
    from storefront.extensions import db
    from storefront.models import LedgerEntry
    from storefront.services import reports

    def once(f: reports.ReportFilter) -> float:
        started = time.perf_counter()
        reports.dashboard(f)
        reports.recent_sales(f)
        reports.recent_refunds_and_disputes(f)
        elapsed = (time.perf_counter() - started) * 1000
        db.session.rollback()
        return elapsed

    with app.app_context():
        everything = reports.ReportFilter(studio_id=1, tz="Europe/Oslo")
        start, end = reports.resolved_range(everything)
        everything = everything.with_(granularity=reports.auto_granularity(start, end))
        last = db.session.scalar(sa.select(sa.func.max(LedgerEntry.occurred_at)))
        db.session.rollback()
        month_start, month_end = reports.period_bounds(reports.Period.DAYS_30, "Europe/Oslo", last)
        month = reports.ReportFilter(
            studio_id=1, start=month_start, end=month_end, tz="Europe/Oslo"
        )
        once(everything)  # warm caches as a running server would have them
        all_ms = statistics.median(once(everything) for _ in range(ROUNDS))
        month_ms = statistics.median(once(month) for _ in range(ROUNDS))
    return round(all_ms, 1), round(month_ms, 1)


def _copy_rows_per_s(url: str) -> float:
    """PostgreSQL's own COPY of the export's columns, raw, in the export's order."""
    import psycopg
    from sqlalchemy.dialects import postgresql

    from storefront.services.reports.export import COLUMNS

    # Plain columns and the expressions the export computes (a yes/no flag), as SQL.
    dialect = postgresql.dialect()
    columns = ", ".join(
        str(column.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        for _, column in COLUMNS
    )
    sql = f"COPY (SELECT {columns} FROM ledger_entries ORDER BY occurred_at, id) TO STDOUT WITH CSV"
    dsn = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn, conn.cursor() as cursor:
        started = time.perf_counter()
        rows = 0
        with cursor.copy(sql) as copy:
            for _ in copy:
                rows += 1
        elapsed = time.perf_counter() - started
    assert rows == ROWS, rows
    return rows / elapsed


def _serve(url: str, instance: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "STOREFRONT_ENV": "development",
        "WTF_CSRF_ENABLED": "0",
        "RATELIMIT_ENABLED": "0",
        "INSTANCE_PATH": instance,
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "1", "--timeout", "600",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and server.poll() is None:
        try:
            requests.get(f"{base}/login", timeout=30)
            return server, base
        except requests.RequestException:
            time.sleep(0.5)
    _stop(server)
    raise RuntimeError("the app server did not start")


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _download(session: requests.Session, url: str) -> tuple[int, float]:
    started = time.perf_counter()
    newlines = 0
    with session.get(url, stream=True, timeout=600) as response:
        response.raise_for_status()
        for block in response.iter_content(chunk_size=1 << 20):
            newlines += block.count(b"\n")
    return newlines - 1, time.perf_counter() - started  # minus the header


def run() -> dict[str, float]:
    from flask_migrate import upgrade

    from storefront import create_app

    base_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    url, admin_engine, name = _scratch_database(base_url)
    instance = tempfile.mkdtemp(prefix="bench-revenue-")
    server = None
    try:
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": instance, "SECRET_KEY": SECRET}
        )
        with app.app_context():
            upgrade()
        started = time.perf_counter()
        _load(app)
        print(
            f"   loaded {ROWS:,} ledger rows in {time.perf_counter() - started:.0f} s", flush=True
        )
        dashboard_ms, dashboard_30d_ms = _time_dashboard(app)
        with app.app_context():
            from storefront.extensions import db

            db.engine.dispose()

        server, base = _serve(url, instance)
        session = requests.Session()
        login = session.post(
            f"{base}/login", data={"email": "admin@bench.example", "password": PASSWORD}
        )
        assert login.ok and "session" in session.cookies, login.status_code
        worker = psutil.Process(server.pid).children()[0].pid
        _download(session, f"{base}/admin/revenue/export.csv?period=today")  # warm the worker
        before, peak_before = _rss_mb(worker), _rss_mb(worker, "VmHWM")
        sampler = _RssSampler(worker)
        sampler.start()
        app_rates, copy_rates = [], []
        for _ in range(DOWNLOAD_ROUNDS):  # alternate, so both sides see the same machine load
            copy_rates.append(_copy_rows_per_s(url))
            rows, seconds = _download(session, f"{base}/admin/revenue/export.csv?period=all")
            assert rows == ROWS, rows
            app_rates.append(rows / seconds)
        sampler.done.set()
        sampler.join()
        growth = max(sampler.highest - before, _rss_mb(worker, "VmHWM") - peak_before)
        app_rate, copy_rate = statistics.median(app_rates), statistics.median(copy_rates)
        return {
            "dashboard_ms": dashboard_ms,
            "dashboard_30d_ms": dashboard_30d_ms,
            "csv_export_rows_per_s": round(app_rate),
            "csv_copy_rows_per_s": round(copy_rate),
            "csv_export_vs_copy_ratio": round(app_rate / copy_rate, 3),
            "csv_export_rss_growth_mb": round(growth, 1),
        }
    finally:
        if server is not None:
            _stop(server)
        with admin_engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
