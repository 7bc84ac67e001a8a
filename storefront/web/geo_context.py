"""Where the viewer is, for the availability rule.

Temporary: the geo adapter (CDN header, GeoIP lookup) replaces this. Until then the country is
unknown outside tests; tests say where the viewer is with the ``X-Test-Country`` header.
"""

from __future__ import annotations

from flask import current_app, request


def viewer_country() -> str | None:
    """ISO 3166-1 alpha-2 country of the current request's viewer, or None when unknown."""
    if not current_app.testing:
        return None
    code = (request.headers.get("X-Test-Country") or "").strip().upper()
    return code if len(code) == 2 and code.isalpha() else None
