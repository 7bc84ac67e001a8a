"""Upload housekeeping: abandoned multipart uploads, and what a deleted title or asset stored."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from huey import Huey, crontab

from ..adapters.storage import keys
from ..jobs import in_app_context

log = logging.getLogger(__name__)


def sweep_abandoned_uploads() -> tuple[int, int]:
    """Abort uploads abandoned for longer than UPLOAD_ABANDON_HOURS."""
    from ..services.media.uploads import sweep_abandoned

    return sweep_abandoned()


def delete_title_objects(title_id: int) -> int:
    """Delete everything stored for a deleted title; safe to run again."""
    from ..services.media.storage import get_storage

    storage = get_storage()
    prefix = keys.title_prefix(title_id)
    for upload in storage.list_multipart_uploads(prefix):
        storage.abort_multipart(upload.key, upload.upload_id)
    deleted = storage.delete_prefix(prefix)
    log.info("Deleted %d stored objects of deleted title %s", deleted, title_id)
    return deleted


def delete_asset_objects(title_id: int, asset_id: int, source_key: str) -> int:
    """Delete what a deleted asset stored: its HLS package and its uploaded source (with
    any unfinished upload of it); safe to run again."""
    from ..services.media.storage import get_storage

    storage = get_storage()
    deleted = storage.delete_prefix(keys.rendition_prefix(title_id, asset_id))
    if source_key.startswith(keys.title_prefix(title_id)):  # never outside the title's own
        for upload in storage.list_multipart_uploads(source_key):
            storage.abort_multipart(upload.key, upload.upload_id)
        if storage.exists(source_key):
            storage.delete(source_key)
            deleted += 1
    log.info("Deleted %d stored objects of deleted asset %s", deleted, asset_id)
    return deleted


def register_tasks(huey: Huey, app: Flask) -> dict[str, Any]:
    sweep = huey.periodic_task(crontab(minute="17"), name="sweep_abandoned_uploads")(
        in_app_context(app, sweep_abandoned_uploads)
    )
    delete = huey.task(retries=5, retry_delay=60, name="delete_title_objects")(
        in_app_context(app, delete_title_objects)
    )
    delete_asset = huey.task(retries=5, retry_delay=60, name="delete_asset_objects")(
        in_app_context(app, delete_asset_objects)
    )
    return {
        "sweep_abandoned_uploads": sweep,
        "delete_title_objects": delete,
        "delete_asset_objects": delete_asset,
    }
