"""Several web nodes, one store: two gunicorn nodes behind Debian's nginx as the load
balancer, on PostgreSQL and Redis, on loopback.

Sessions are signed cookies and rate limits live in Redis, so any node serves any request;
when a node dies, nginx sends the next requests to the other and nobody is signed out.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.scale.nginx import Nginx, free_port, nginx_binary, start_nginx
from tests.services import redis_url, require

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"  # as tests/conftest.py's accounts


def balancer_block(ports: list[int]) -> str:
    servers = "\n".join(
        f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=30s;" for p in ports
    )
    return f"""
    log_format upstream '$request_uri $status $upstream_addr';
    upstream store {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{{port}};
        access_log {{root}}/balancer.log upstream;
        location / {{
            proxy_pass http://store;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            # A node that refuses connections (killed) is skipped for the next one.
            proxy_next_upstream error timeout http_502;
            # Under the load run a queued request waits its turn; nginx's 60 s default
            # would turn that wait into a 504 the viewer never gets from a healthy store.
            proxy_read_timeout 300s;
        }}
    }}
"""


class Cluster:
    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.nodes: dict[int, subprocess.Popen[bytes]] = {}

    def start_node(self) -> int:
        port = free_port()
        with open(self.logs / f"node-{port}.log", "wb") as log:
            self.nodes[port] = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind",
                 f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).ok:
                    return port
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError(self.output())

    def kill(self, port: int) -> None:
        os.killpg(self.nodes[port].pid, signal.SIGKILL)
        self.nodes[port].wait(timeout=10)

    def output(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.logs.glob("*.log"))

    def stop(self) -> None:
        for proc in self.nodes.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


@pytest.fixture
def cluster(migrated: str, make_user, tmp_path: Path) -> Iterator[tuple[Cluster, Nginx]]:
    if not migrated.startswith("postgresql"):  # the suite's PostgreSQL pass runs it
        pytest.skip("the scale test runs on PostgreSQL")
    binary = nginx_binary()
    require(binary is not None, "nginx not installed (apt-get install nginx)")
    assert binary is not None
    make_user("viewer@example.org")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STORAGE_", "S3_"))}
    env.update(
        STOREFRONT_ENV="development",
        DATABASE_URL=migrated,
        REDIS_URL=redis_url(),
        RATELIMIT_KEY_PREFIX=f"scale-{uuid.uuid4().hex[:8]}",
        JOBS_QUEUE_NAME=f"scale-{uuid.uuid4().hex[:8]}",
        AUTH_RATE_LIMIT="6 per minute",
        SECRET_KEY="scale-test-secret-key-long-enough-0123456789",
        INSTANCE_PATH=str(tmp_path / "instance"),
        STORAGE_LOCAL_ROOT=str(tmp_path / "media"),
        GEO_TRUSTED_PROXIES="127.0.0.1/32",
        PYTHONPATH=str(ROOT),
    )
    logs = tmp_path / "logs"
    logs.mkdir()
    nodes = Cluster(env, logs)
    try:
        ports = [nodes.start_node(), nodes.start_node()]
        balancer = start_nginx(tmp_path / "nginx", balancer_block(ports), binary)
        try:
            yield nodes, balancer
        finally:
            balancer.stop()
    finally:
        nodes.stop()


def served_by(balancer: Nginx, path: str) -> Counter[str]:
    log = (balancer.root / "balancer.log").read_text()
    return Counter(
        m.group(1) for m in re.finditer(rf"^{re.escape(path)} \d+ (\S+)$", log, re.MULTILINE)
    )


def sign_in(http: requests.Session, base: str, password: str = PASSWORD) -> requests.Response:
    page = http.get(f"{base}/login", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token, page[:500]
    return http.post(
        f"{base}/login",
        data={"csrf_token": token.group(1), "email": "viewer@example.org", "password": password},
        allow_redirects=False,
        timeout=30,
    )


def test_sessions_hold_across_nodes_and_survive_a_dead_node(cluster) -> None:
    nodes, balancer = cluster
    http = requests.Session()
    assert sign_in(http, balancer.url).status_code in (302, 303)

    for _ in range(10):
        page = http.get(f"{balancer.url}/library", timeout=30)
        assert page.status_code == 200 and "/logout" in page.text, nodes.output()[-3000:]
    assert len(served_by(balancer, "/library")) == 2  # both nodes served the one session

    nodes.kill(next(iter(nodes.nodes)))
    for _ in range(10):  # every request after the kill is answered, still signed in
        page = http.get(f"{balancer.url}/library", timeout=30)
        assert page.status_code == 200 and "/logout" in page.text


def test_login_rate_limits_are_shared_by_the_nodes(cluster) -> None:
    _nodes, balancer = cluster
    statuses = []
    for _ in range(8):
        statuses.append(sign_in(requests.Session(), balancer.url, "wrong password").status_code)
    # Six attempts a minute in all, whichever node took each one.
    assert statuses.count(429) == 2, statuses
    assert len(served_by(balancer, "/login")) == 2
