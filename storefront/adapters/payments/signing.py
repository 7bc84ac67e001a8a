"""Stripe's webhook signature scheme (``t=TIMESTAMP,v1=HMAC_SHA256(secret, "t.body")``).

The offline gateway signs its events with it so they pass through the same verification and
fulfilment path as Stripe's.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from .base import WEBHOOK_TOLERANCE_SECONDS, InvalidWebhook


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else int(timestamp)
    digest = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def signed_at(header: str | None) -> int:
    """The ``t=`` timestamp of a signature header that was already verified."""
    for item in (header or "").split(","):
        key, _, value = item.partition("=")
        if key.strip() == "t" and value.strip().isdigit():
            return int(value)
    raise InvalidWebhook("missing or malformed signature header")


def verify(
    payload: bytes,
    header: str | None,
    secret: str,
    tolerance: int = WEBHOOK_TOLERANCE_SECONDS,
    now: float | None = None,
) -> None:
    """Raise InvalidWebhook unless ``header`` signs ``payload`` with ``secret``, recently."""
    parts = [item.split("=", 1) for item in (header or "").split(",") if "=" in item]
    timestamps = [value for key, value in parts if key.strip() == "t"]
    signatures = [value for key, value in parts if key.strip() == "v1"]
    if len(timestamps) != 1 or not timestamps[0].strip().isdigit() or not signatures:
        raise InvalidWebhook("missing or malformed signature header")
    timestamp = int(timestamps[0])
    expected = sign(payload, secret, timestamp).split("v1=", 1)[1]
    if not any(hmac.compare_digest(expected, s.strip()) for s in signatures):
        raise InvalidWebhook("signature does not match")
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        raise InvalidWebhook("timestamp outside the tolerance")
