"""Debian's nginx on loopback, as a CDN edge or a load balancer, for tests and benchmarks.

One foreground process (no daemon, no master: it runs as the user who starts it) on an
ephemeral port, with its prefix, cache, temp files and logs in a scratch directory.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


def nginx_binary() -> str | None:
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Nginx:
    port: int
    root: Path
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def access_log(self) -> str:
        path = self.root / "access.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_nginx(root: Path, http_block: str, binary: str, port: int | None = None) -> Nginx:
    """Run nginx with ``http_block`` (which must ``listen 127.0.0.1:{port}``, formatted here)
    inside a minimal main configuration; wait until it accepts connections."""
    root.mkdir(parents=True, exist_ok=True)
    for sub in ("cache", "client", "proxy", "fastcgi", "uwsgi", "scgi"):
        (root / sub).mkdir(exist_ok=True)
    port = port or free_port()
    conf = root / "nginx.conf"
    conf.write_text(
        f"""daemon off;
master_process off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {root}/access.log;
    client_body_temp_path {root}/client;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
{http_block.replace("{port}", str(port)).replace("{root}", str(root))}
}}
"""
    )
    with open(root / "stderr.log", "wb") as stderr:  # the child keeps its own copy
        process = subprocess.Popen(
            [binary, "-p", str(root), "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
        )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return Nginx(port, root, process)
        except OSError:
            time.sleep(0.05)
    process.kill()
    process.wait()
    errors = (root / "stderr.log").read_text(errors="replace")
    raise RuntimeError(f"nginx did not start: {errors}")


def cdn_edge_block(origin: str, bucket: str, secret: str) -> str:
    """An edge that checks the store's secure_link tokens, then serves from its cache or
    fetches the plain object from ``origin``; the cache key is the path, never the token."""
    return f"""
    proxy_cache_path {{root}}/cache levels=1:2 keys_zone=edge:10m max_size=256m inactive=10m
                     use_temp_path=off;
    server {{
        listen 127.0.0.1:{{port}};
        location / {{
            secure_link $arg_t,$arg_e;
            secure_link_md5 "$secure_link_expires$uri$arg_v {secret}";
            if ($secure_link = "") {{ return 403; }}
            if ($secure_link = "0") {{ return 410; }}
            proxy_pass {origin}/{bucket}$uri;
            proxy_cache edge;
            proxy_cache_key $uri;
            proxy_cache_valid 200 10m;
            proxy_cache_lock on;
            proxy_ignore_headers Set-Cookie Cache-Control Expires;
            proxy_hide_header Set-Cookie;
            add_header X-Cache-Status $upstream_cache_status always;
        }}
    }}
"""
