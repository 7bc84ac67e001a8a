"""Real `flask worker` processes take jobs the web process queued, on SQLite and on Redis,
and a worker killed mid-transcode does not lose the film."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import imageio_ffmpeg
import psutil
import pytest
import sqlalchemy as sa
from flask import Flask

from storefront.extensions import db
from storefront.models import AssetStatus, MediaAsset, Title, TitleStatus, utcnow
from tests.services import redis_url

from .conftest import fresh

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
STALE_SECONDS = 2  # a heartbeat older than this means the worker died


@pytest.fixture
def queue_backend() -> str:
    return "sqlite"


@pytest.fixture
def fast_settings(fast_settings: dict, queue_backend: str) -> dict:
    """Jobs go through a real queue; the SQLite one sits at its default, instance/jobs.db."""
    fast_settings.update(JOBS_IMMEDIATE=False, TRANSCODE_STALE_SECONDS=STALE_SECONDS)
    if queue_backend == "redis":
        fast_settings.update(
            JOBS_BACKEND="redis",
            REDIS_URL=redis_url(),
            JOBS_QUEUE_NAME=f"sf-test-{uuid.uuid4().hex[:12]}",
        )
    else:
        fast_settings.update(JOBS_BACKEND="sqlite")
    return fast_settings


class Workers:
    """`flask --app wsgi worker` processes configured through the environment only."""

    def __init__(self, settings: dict, logs: Path) -> None:
        self.logs = logs
        self.procs: list[subprocess.Popen[bytes]] = []
        skip = ("JOBS_", "REDIS_URL", "TRANSCODE_", "STORAGE_", "S3_", "DATABASE_URL")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
        self.env.update(
            STOREFRONT_ENV="test",
            DATABASE_URL=settings["SQLALCHEMY_DATABASE_URI"],
            INSTANCE_PATH=settings["INSTANCE_PATH"],
            SECRET_KEY=settings["SECRET_KEY"],
            TRANSCODE_LADDER="360,720",
            TRANSCODE_PRESET="ultrafast",
            TRANSCODE_SEGMENT_SECONDS="2",
            TRANSCODE_STALE_SECONDS=str(settings["TRANSCODE_STALE_SECONDS"]),
            TRANSCODE_WORK_DIR=settings["TRANSCODE_WORK_DIR"],
            PYTHONPATH=str(ROOT),
        )
        if settings.get("JOBS_BACKEND") == "redis":
            self.env.update(
                REDIS_URL=settings["REDIS_URL"], JOBS_QUEUE_NAME=settings["JOBS_QUEUE_NAME"]
            )

    def start(self, **env: str) -> subprocess.Popen[bytes]:
        """A worker with one thread; ``env`` adds or overrides settings for this one."""
        log = open(self.logs / f"worker-{len(self.procs) + 1}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--workers", "1"],
            cwd=ROOT,
            env=self.env | env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, FFmpeg included
        )
        log.close()
        self.procs.append(proc)
        return proc

    def output(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.logs.glob("*.log")))

    def stop_all(self) -> None:
        for proc in self.procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture
def workers(app: Flask, fast_settings: dict, tmp_path: Path) -> Iterator[Workers]:
    logs = tmp_path / "logs"
    logs.mkdir()
    started = Workers(fast_settings, logs)
    yield started
    started.stop_all()
    if fast_settings.get("JOBS_BACKEND") == "redis":
        app.extensions["huey"].storage.flush_all()


def wait_for(check: Callable[[], bool], workers: Workers, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}; worker output:\n{workers.output()[-4000:]}")


def finished(asset_id: int) -> Callable[[], bool]:
    return lambda: fresh(MediaAsset, asset_id).status in (AssetStatus.READY, AssetStatus.FAILED)


@pytest.mark.parametrize("queue_backend", ["sqlite", "redis"])
def test_a_worker_process_does_what_the_web_process_queued(
    app, storage, upload, draft_title, clips, workers, queue_backend
):
    huey = app.extensions["huey"]
    if queue_backend == "sqlite":  # what `make run` uses: a file next to the database
        assert app.config["JOBS_SQLITE_PATH"] == f"{app.config['INSTANCE_PATH']}/jobs.db"
    asset = upload(draft_title, clips.hd_audio)

    # Queued on commit, not run here.
    assert fresh(MediaAsset, asset.id).status == AssetStatus.UPLOADED
    assert huey.pending_count() == 1

    workers.start()
    wait_for(finished(asset.id), workers, 60, "the asset to be processed")

    asset = fresh(MediaAsset, asset.id)
    assert (asset.status, asset.attempts) == (AssetStatus.READY, 1), workers.output()
    assert storage.exists(asset.hls_master_key)
    assert fresh(Title, draft_title.id).status == TitleStatus.READY
    assert [t for t in huey.pending() if t.name == "process_asset"] == []  # taken, once


def test_a_worker_killed_mid_transcode_loses_nothing(
    app, storage, upload, draft_title, long_clip, workers, fast_settings
):
    asset = upload(draft_title, long_clip)
    first = workers.start()

    def transcoding() -> bool:
        current = fresh(MediaAsset, asset.id)
        return current.status == AssetStatus.TRANSCODING and current.progress > 0

    wait_for(transcoding, workers, 30, "the transcode to be under way")
    assert fresh(Title, draft_title.id).status == TitleStatus.PROCESSING

    first.send_signal(signal.SIGKILL)  # no clean-up, no goodbye: like the OOM killer
    first.wait(timeout=10)
    killed = fresh(MediaAsset, asset.id)
    assert (killed.status, killed.attempts) == (AssetStatus.TRANSCODING, 1)
    assert 0 < killed.progress < 100

    # Its heartbeat goes stale: age it rather than wait for the wall clock.
    db.session.execute(
        sa.update(MediaAsset)
        .where(MediaAsset.id == asset.id)
        .values(updated_at=utcnow() - timedelta(seconds=STALE_SECONDS + 1))
    )
    db.session.commit()
    workers.start()  # its start-up sweep finds the orphan and queues it again
    wait_for(finished(asset.id), workers, 60, "the second worker to finish the job")

    asset = fresh(MediaAsset, asset.id)
    assert (asset.status, asset.attempts, asset.progress) == (AssetStatus.READY, 2, 100)
    assert [(r.name, r.status, r.attempts) for r in asset.renditions] == [
        ("360p", AssetStatus.READY, 2),
        ("720p", AssetStatus.READY, 2),
    ]
    assert storage.exists(asset.hls_master_key)
    assert all(r.segment_count == 6 for r in asset.renditions)  # 12 s in 2 s segments
    assert fresh(Title, draft_title.id).status == TitleStatus.READY
    # The dead attempt's scratch files went with the new attempt's own.
    assert list(Path(fast_settings["TRANSCODE_WORK_DIR"]).glob("asset-*")) == []


# x264's slowest preset on one thread keeps FFmpeg busy for minutes on the 12 s clip, so a
# process still there after the bounded waits below was left running, not still finishing.
SLOW = {"TRANSCODE_PRESET": "veryslow", "TRANSCODE_THREADS": "1"}


def ffmpeg_children(pid: int) -> list[psutil.Process]:
    return [p for p in psutil.Process(pid).children(recursive=True) if "ffmpeg" in p.name()]


def ladder_encoder(pid: int) -> psutil.Process | None:
    """The worker's long x264 encode (its children also include short-lived FFmpeg runs)."""
    for child in ffmpeg_children(pid):
        with contextlib.suppress(psutil.NoSuchProcess):
            if "veryslow" in child.cmdline():
                return child
    return None


def started_by(owner_tag: str) -> list[psutil.Process]:
    """Every live process that carries this worker's owner tag, wherever it was reparented."""
    from storefront.adapters.media.ffmpeg import OWNER_ENV

    found = []
    for proc in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            if proc.environ().get(OWNER_ENV) == owner_tag and proc.status() != "zombie":
                found.append(proc)
    return found


def test_a_killed_workers_ffmpeg_dies_with_it(app, upload, draft_title, long_clip, workers):
    from storefront.adapters.media.ffmpeg import _start_ticks

    asset = upload(draft_title, long_clip)
    worker = workers.start(**SLOW)
    owner_tag = f"{worker.pid}:{_start_ticks(worker.pid)}"
    wait_for(
        lambda: fresh(MediaAsset, asset.id).status == AssetStatus.TRANSCODING and
        ladder_encoder(worker.pid) is not None,
        workers, 60, "the x264 encode to start",
    )  # fmt: skip

    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)

    # Whichever FFmpeg the worker had running at that moment (the encode, or a retry of it)
    # goes with it: none of the processes it started outlives it.
    deadline = time.monotonic() + 15
    while started_by(owner_tag) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert started_by(owner_tag) == [], "FFmpeg outlived its killed worker"


def test_a_starting_worker_stops_ffmpeg_a_dead_worker_left(app, workers, tmp_path):
    from storefront.adapters.media.ffmpeg import OWNER_ENV, _start_ticks

    # A worker that has since died (its pid and start time no longer name a process)...
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead_tag = f"{dead.pid}:{_start_ticks(dead.pid)}"
    dead.wait()
    endless = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-loglevel", "quiet", "-re",
        "-f", "lavfi", "-i", "testsrc2=size=64x64:rate=5", "-f", "null", "-",
    ]  # fmt: skip
    orphan = subprocess.Popen(endless, env=os.environ | {OWNER_ENV: dead_tag})
    # ...and one whose worker (this test) is alive, which must be left alone.
    mine = f"{os.getpid()}:{_start_ticks(os.getpid())}"
    owned = subprocess.Popen(endless, env=os.environ | {OWNER_ENV: mine})
    try:
        workers.start()
        assert orphan.wait(timeout=30) == -signal.SIGKILL, workers.output()
        assert owned.poll() is None
    finally:
        for proc in (orphan, owned):
            proc.kill()
            proc.wait()


def test_the_stale_sweep_runs_on_time_while_the_threads_are_busy(
    app, upload, draft_title, make_title, long_clip, clips, workers
):
    busy = upload(draft_title, long_clip)
    workers.start(TRANSCODE_SWEEP_SECONDS="1", **SLOW)  # one thread, taken by `busy`
    wait_for(
        lambda: fresh(MediaAsset, busy.id).status == AssetStatus.TRANSCODING,
        workers, 60, "the long transcode to take the only thread",
    )  # fmt: skip

    # Another worker died on its last attempt: only the sweep can tell the filmmaker.
    other = make_title("Dead Calm", status=TitleStatus.DRAFT)
    dead = upload(other, clips.sd_silent, enqueue=False)
    db.session.execute(
        sa.update(MediaAsset)
        .where(MediaAsset.id == dead.id)
        .values(
            status=AssetStatus.TRANSCODING,
            attempts=app.config["TRANSCODE_MAX_ATTEMPTS"],
            updated_at=utcnow() - timedelta(seconds=STALE_SECONDS + 1),
        )
    )
    db.session.commit()

    wait_for(
        lambda: fresh(MediaAsset, dead.id).status == AssetStatus.FAILED,
        workers, 30, "the sweep to give up on the dead worker's asset",
    )  # fmt: skip
    assert fresh(MediaAsset, busy.id).status == AssetStatus.TRANSCODING  # still busy
