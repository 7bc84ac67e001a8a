"""``purge_ended_logins()``: daily, delete sign-ins that ended a month ago or more."""

from __future__ import annotations

from typing import Any

from flask import Flask
from huey import Huey, crontab

from ..jobs import in_app_context
from ..services.accounts.logins import purge_ended_logins


def register_tasks(huey: Huey, app: Flask) -> dict[str, Any]:
    purge = huey.periodic_task(crontab(minute="17", hour="3"), name="purge_ended_logins")(
        in_app_context(app, purge_ended_logins)
    )
    return {"purge_ended_logins": purge}
