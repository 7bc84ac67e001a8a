"""Links that leave the store (mails, payment redirects) are built under PUBLIC_URL only.

A request's ``Host`` header is chosen by whoever sends the request: a password-reset link
built from it would carry a valid token to any host the sender names. Pages keep relative
links; everything sent elsewhere goes through :func:`public_url_for`, which also works
outside a request (jobs, the command line).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from werkzeug.exceptions import HTTPException


def public_url_for(endpoint: str, **values: Any) -> str:
    """The absolute URL of ``endpoint`` under PUBLIC_URL, whatever host the request named."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


def without_secrets(text: str) -> str:
    """``text`` with the token of every store link that carries one (a reset, a confirmation,
    an invitation, a screener) replaced by "…": a copy for eyes other than the reader's."""
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    parts = urlsplit(base)
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https"
    )

    def hide(match: re.Match[str]) -> str:
        link = match.group(0)
        try:
            # The path under PUBLIC_URL (which may have its own, e.g. https://host/store).
            _endpoint, values = adapter.match(urlsplit(link[len(base) :]).path, method="GET")
        except HTTPException:
            return link
        token = str(values.get("token") or "")
        return link.replace(token, "…") if token else link

    return re.sub(re.escape(base) + r"/\S*", hide, text)
