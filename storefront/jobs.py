"""Background jobs on Huey: SQLite in the embedded default, Redis when REDIS_URL is set.

Tasks take ids, never objects, and are registered by each area's `register_tasks(huey, app)`.
Jobs asked for inside a request are only enqueued once its transaction commits, so a worker
never looks for rows that do not exist yet.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

# How long work keeps the job queued for it before a periodic sweep treats the job as lost.
# Sweeps that took younger work would repeat, under a premiere's backlog, what queued jobs are
# about to do (and wait on their locks); a lost job's work is picked up within this plus the
# sweep's period.
QUEUED_JOB_GRACE = timedelta(minutes=2)

# Modules whose register_tasks(huey, app) -> dict[str, task] is called at start-up.
TASK_MODULES: list[str] = [
    "storefront.tasks.accounts",
    "storefront.tasks.images",
    "storefront.tasks.media",
    "storefront.tasks.notifications",
    "storefront.tasks.payments",
    "storefront.tasks.rights",
    "storefront.tasks.uploads",
]


def build_huey(config: dict[str, Any]) -> Huey:
    """The queue. ``results=False``: no caller reads a task's return value, and Huey would
    otherwise store each one (a write per job) and keep it for ever (every payment's three
    jobs grew the results hash without bound)."""
    name = config.get("JOBS_QUEUE_NAME") or "storefront"
    if config.get("JOBS_IMMEDIATE"):
        return MemoryHuey(name, immediate=True, results=False)
    if config["JOBS_BACKEND"] == "redis":
        return RedisHuey(name, url=config["REDIS_URL"], results=False)
    return SqliteHuey(name, filename=config["JOBS_SQLITE_PATH"], results=False)


def in_app_context(app: Flask, fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a task body inside the app context, committing on success like a request does."""
    from .extensions import db

    def run(*args: Any, **kwargs: Any) -> Any:
        with app.app_context():
            try:
                result = fn(*args, **kwargs)
                db.session.commit()
                return result
            except BaseException:
                db.session.rollback()
                raise
            finally:
                db.session.remove()

    run.__name__ = fn.__name__
    run.__qualname__ = fn.__qualname__
    run.__module__ = fn.__module__
    return run


def init_jobs(app: Flask) -> None:
    import importlib

    huey = build_huey(app.config)
    app.extensions["huey"] = huey
    tasks: dict[str, Any] = {}
    for module_name in TASK_MODULES:
        module = importlib.import_module(module_name)
        tasks.update(module.register_tasks(huey, app))
    app.extensions["tasks"] = tasks


def on_worker_start(app: Flask, hook: Callable[[], Any]) -> None:
    """Have `flask worker` call `hook` when it starts, before it takes tasks.

    Task modules use this to re-enqueue work a killed worker or a reboot left behind.
    """
    app.extensions.setdefault("worker_startup", []).append(hook)


def on_worker_schedule(app: Flask, seconds: float, hook: Callable[[], Any]) -> None:
    """Have `flask worker` call `hook` every `seconds` on a thread of its own.

    Huey's periodic tasks wait in the queue like any job, so two long transcodes on a
    worker's threads would hold a sweep back for as long as they take; these do not.
    """
    app.extensions.setdefault("worker_schedule", []).append((float(seconds), hook))


def start_worker_schedule(app: Flask, stop: threading.Event) -> threading.Thread | None:
    """Run the hooks given to `on_worker_schedule` until `stop` is set (daemon thread)."""
    schedule = list(app.extensions.get("worker_schedule", []))
    if not schedule:
        return None

    def loop() -> None:
        due = [time.monotonic() + seconds for seconds, _ in schedule]
        while not stop.is_set():
            now = time.monotonic()
            for index, (seconds, hook) in enumerate(schedule):
                if now < due[index]:
                    continue
                due[index] = now + seconds
                try:
                    hook()
                except Exception:  # the next round tries again; the schedule must go on
                    log.exception("Scheduled %s failed", getattr(hook, "__name__", hook))
            stop.wait(max(0.05, min(due) - time.monotonic()))

    thread = threading.Thread(target=loop, name="worker-schedule", daemon=True)
    thread.start()
    return thread


def run_worker_startup(app: Flask) -> None:
    for hook in app.extensions.get("worker_startup", []):
        try:
            hook()
        except Exception:  # the periodic sweeps will try again; the worker must still start
            log.exception("Worker start-up hook %s failed", getattr(hook, "__name__", hook))


def defer(session: Session, task_name: str, *args: Any) -> None:
    """Enqueue a task once the session's transaction commits (dropped on rollback)."""
    session.info.setdefault("deferred_jobs", []).append((task_name, args))


def enqueue(task_name: str, *args: Any) -> None:
    """Enqueue now (outside a transaction, e.g. from the CLI or another task)."""
    current_app.extensions["tasks"][task_name](*args)


@event.listens_for(Session, "after_commit")
def _enqueue_deferred(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released: the work is not committed until the outer commit
    pending = session.info.pop("deferred_jobs", [])
    for task_name, args in pending:
        try:
            enqueue(task_name, *args)
        except Exception:  # the data is committed; a periodic sweep re-enqueues stuck work
            log.exception("Could not enqueue %s%r", task_name, args)


@event.listens_for(Session, "after_rollback")
def _drop_deferred(session: Session) -> None:
    if session.in_nested_transaction():
        return  # only a savepoint was rolled back; the outer transaction goes on
    session.info.pop("deferred_jobs", None)
