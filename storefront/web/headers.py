"""Security headers on every response, set in one place.

* ``Content-Security-Policy``: scripts, styles and fonts from the store only (no inline
  script or style, no eval); images, video and uploads also from the storage's origin
  (presigned links); forms post to the store and redirect to the payment processor only.
  A per-request nonce is in the policy and templates get it as ``csp_nonce()``, for the day
  a page needs an inline ``<script nonce="{{ csp_nonce() }}">``.
* Framing: ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``, except for views
  marked with :func:`allow_framing` (an embeddable widget), which other sites may frame
  (``EMBED_FRAME_ANCESTORS``, any site by default).
* ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin`` (links in URLs,
  such as reset tokens, never leave in a Referer), ``Cross-Origin-Opener-Policy``,
  ``Permissions-Policy``, and ``Strict-Transport-Security`` in production.

A view may send its own ``Content-Security-Policy`` (stored files do); it is kept.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request

F = TypeVar("F", bound=Callable[..., Any])
HSTS = "max-age=63072000; includeSubDomains"
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
# What a stored file served by the store itself may do: nothing.
STORED_FILE_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox"


def allow_framing(view: F) -> F:
    """Let other sites show this view in a frame (for embeddable widgets only).

    Put it under the route decorator: ``@bp.get("/embed/<slug>")`` then ``@allow_framing``.
    """
    view.allow_framing = True  # type: ignore[attr-defined]
    return view


def csp_nonce() -> str:
    """This response's script nonce (one per request)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def _sources(app: Flask) -> dict[str, str]:
    """The policy's origin lists, fixed for the app's lifetime (computed once)."""
    cached = app.extensions.get("csp_sources")
    if cached is None:
        origins = app.extensions["storage"].browser_origins()
        cdn = app.extensions.get("cdn")
        storage = " ".join([*origins, cdn.origin] if cdn is not None else origins)
        payments = " ".join(app.extensions["payments"].redirect_origins())
        cached = {"storage": storage, "payments": payments}
        app.extensions["csp_sources"] = cached
    return cached


def content_security_policy(nonce: str, frame_ancestors: str) -> str:
    before, after = _policy_around_nonce(current_app, frame_ancestors)
    return f"{before}{nonce}{after}"


def _policy_around_nonce(app: Flask, frame_ancestors: str) -> tuple[str, str]:
    """The policy's text before and after its nonce, the same for every response with these
    frame ancestors (two values): worked out once, not on every response."""
    cache: dict[str, tuple[str, str]] = app.extensions.setdefault("csp_policies", {})
    found = cache.get(frame_ancestors)
    if found is None:
        sources = _sources(app)
        storage, payments = sources["storage"], sources["payments"]
        directives = [
            "default-src 'self'",
            "script-src 'self' 'nonce-\x00'",
            "style-src 'self'",
            f"img-src 'self' data: {storage}",
            f"media-src 'self' blob: {storage}",
            f"connect-src 'self' {storage}",
            "worker-src 'self' blob:",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            f"form-action 'self' {payments}",
            f"frame-ancestors {frame_ancestors}",
        ]
        before, _, after = "; ".join(" ".join(d.split()) for d in directives).partition("\x00")
        found = cache[frame_ancestors] = (before, after)
    return found


def _framing_allowed() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "allow_framing", False))


def set_security_headers(response: Response) -> Response:
    framable = _framing_allowed()
    headers = response.headers
    # The names the view set, read in one pass: werkzeug's setdefault looks each name up in
    # the list and raises and catches a KeyError for every absent one.
    present = {key.lower() for key, _ in headers.items()}

    def default(name: str, value: str) -> None:
        if name.lower() not in present:
            headers.add(name, value)

    def force(name: str, value: str) -> None:
        if name.lower() in present:
            headers[name] = value
        else:
            headers.add(name, value)

    if "content-security-policy" not in present:
        ancestors = current_app.config.get("EMBED_FRAME_ANCESTORS", "*") if framable else "'none'"
        headers.add("Content-Security-Policy", content_security_policy(csp_nonce(), ancestors))
    if not framable:
        force("X-Frame-Options", "DENY")
    force("X-Content-Type-Options", "nosniff")
    default("Referrer-Policy", "same-origin")
    default("Cross-Origin-Opener-Policy", "same-origin")
    default("Permissions-Policy", PERMISSIONS)
    if current_app.config.get("PRODUCTION"):
        force("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    app.after_request(set_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
