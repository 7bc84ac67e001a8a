"""A job's return value is not kept: nothing reads it, and the queue would otherwise write one
per job and keep every one for ever (a premiere's payments grew it by three a payment)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from storefront.jobs import build_huey


def _backends(tmp_path: Path) -> list[dict]:
    backends = [{"JOBS_BACKEND": "sqlite", "JOBS_SQLITE_PATH": str(tmp_path / "jobs.db")}]
    redis_url = os.environ.get("TEST_REDIS_URL")
    if redis_url:
        backends.append({"JOBS_BACKEND": "redis", "REDIS_URL": redis_url})
    return backends


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_a_finished_job_leaves_no_result_behind(tmp_path: Path, backend: str) -> None:
    config = next((c for c in _backends(tmp_path) if c["JOBS_BACKEND"] == backend), None)
    if config is None:
        pytest.skip("TEST_REDIS_URL is not set")
    huey = build_huey({**config, "JOBS_QUEUE_NAME": f"test-results-{uuid.uuid4().hex[:8]}"})
    try:
        answer = huey.task(name="answer")(lambda: 42)
        answer()
        huey.execute(huey.dequeue())

        assert huey.pending_count() == 0
        assert huey.result_count() == 0
    finally:
        huey.storage.flush_all()
