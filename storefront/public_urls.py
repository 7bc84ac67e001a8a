"""Links that leave the store (mails, payment redirects) are built under PUBLIC_URL only.

A request's ``Host`` header is chosen by whoever sends the request: a password-reset link
built from it would carry a valid token to any host the sender names. Pages keep relative
links; everything sent elsewhere goes through :func:`public_url_for`, which also works
outside a request (jobs, the command line).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app


def public_url_for(endpoint: str, **values: Any) -> str:
    """The absolute URL of ``endpoint`` under PUBLIC_URL, whatever host the request named."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)
