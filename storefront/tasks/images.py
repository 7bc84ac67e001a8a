"""``process_image(image_id)``: decode and resize an uploaded poster or still;
``process_festival_artwork(artwork_id)``: the same for a festival's artwork.

The request that accepted the upload only read its header and stored the original, so a
large image never holds a web thread. Idempotent (see ``services.media.images``); a passing
storage error is retried.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from huey import Huey

from ..jobs import in_app_context
from ..services.media import images
from ..services.promotion import festival_artwork


def register_tasks(huey: Huey, app: Flask) -> dict[str, Any]:
    task = huey.task(retries=3, retry_delay=30, name="process_image")(
        in_app_context(app, images.process_image)
    )
    artwork = huey.task(retries=3, retry_delay=30, name="process_festival_artwork")(
        in_app_context(app, festival_artwork.process_artwork)
    )
    return {"process_image": task, "process_festival_artwork": artwork}
