"""The app's storage backend, for services and jobs (built once in create_app)."""

from __future__ import annotations

from flask import current_app

from ...adapters.storage import Storage


def get_storage() -> Storage:
    return current_app.extensions["storage"]
