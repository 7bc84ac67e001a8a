"""Compact, URL-safe, expiring HMAC tokens standing in for presigned URLs on local storage.

A token is ``base64url(payload) "." base64url(mac)`` where the payload is a small JSON
array ``[kind, key, expires, upload_id, part_number, filename, content_type, checksum, size]``
(trailing empty fields dropped) and the MAC is HMAC-SHA256, truncated to 128 bits, keyed with a
key derived from the app's secret for this purpose only. Tokens are signed, not
encrypted: they reveal the object key, as an S3 presigned URL does.

The keyed HMAC state is prepared once, so signing a 1,200-segment playlist costs a
few milliseconds.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass

from .base import InvalidToken

KINDS = frozenset({"part", "object"})
_PURPOSE = b"storefront.storage.local-token.v1"
_MAC_BYTES = 16
_MAX_TOKEN_LENGTH = 4096


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What a verified token allows: one part PUT or one object GET, until ``expires``.

    A part token carries the CRC32 the part's bytes must have, and how many bytes the
    part may hold.
    """

    kind: str
    key: str
    expires: int
    upload_id: str | None = None
    part_number: int | None = None
    filename: str | None = None
    content_type: str | None = None
    checksum: str | None = None
    size: int | None = None


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    """Signs and verifies local storage tokens with a secret."""

    def __init__(self, secret_key: str | bytes) -> None:
        if not secret_key:
            raise ValueError("a secret key is required to sign storage links")
        secret = secret_key.encode() if isinstance(secret_key, str) else secret_key
        derived = hmac.new(secret, _PURPOSE, hashlib.sha256).digest()
        self._mac = hmac.new(derived, digestmod=hashlib.sha256)

    def _seal(self, payload: str) -> str:
        mac = self._mac.copy()
        mac.update(payload.encode("ascii"))
        return f"{payload}.{_b64encode(mac.digest()[:_MAC_BYTES])}"

    def sign(self, claims: TokenClaims) -> str:
        """Encode and sign ``claims``."""
        if claims.kind not in KINDS:
            raise ValueError(f"unknown token kind {claims.kind!r}")
        fields: list[object] = [
            claims.kind,
            claims.key,
            int(claims.expires),
            claims.upload_id,
            claims.part_number,
            claims.filename,
            claims.content_type,
            claims.checksum,
            claims.size,
        ]
        while fields[-1] is None:
            fields.pop()
        body = json.dumps(fields, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        return self._seal(_b64encode(body))

    def sign_objects(self, keys: Iterable[str], expires: int) -> list[str]:
        """Object tokens for many keys sharing one expiry (playlist segments)."""
        dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        suffix = f",{int(expires)}]"
        return [
            self._seal(_b64encode(('["object",' + dumps(key) + suffix).encode("utf-8")))
            for key in keys
        ]

    def verify(self, token: str, kind: str, now: float | None = None) -> TokenClaims:
        """Return the claims of a genuine, unexpired token of ``kind``; else InvalidToken."""
        if not isinstance(token, str) or len(token) > _MAX_TOKEN_LENGTH:
            raise InvalidToken()
        payload, dot, signature = token.rpartition(".")
        if not dot or not payload or not signature:
            raise InvalidToken()
        try:
            expected = self._seal(payload).rpartition(".")[2]
        except UnicodeEncodeError:
            raise InvalidToken() from None
        if not hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8")):
            raise InvalidToken()
        try:
            fields = json.loads(_b64decode(payload))
        except (binascii.Error, ValueError):
            raise InvalidToken() from None
        claims = _claims_from(fields)
        if claims.kind != kind:
            raise InvalidToken()
        if claims.expires < (time.time() if now is None else now):
            raise InvalidToken("This link has expired.")
        return claims


def _claims_from(fields: object) -> TokenClaims:
    if not isinstance(fields, list) or not 3 <= len(fields) <= 9:
        raise InvalidToken()
    fields = fields + [None] * (9 - len(fields))
    kind, key, expires, upload_id, part_number, filename, content_type, checksum, size = fields
    if kind not in KINDS or not isinstance(key, str) or type(expires) is not int:
        raise InvalidToken()
    for optional in (upload_id, filename, content_type, checksum):
        if optional is not None and not isinstance(optional, str):
            raise InvalidToken()
    for number in (part_number, size):
        if number is not None and type(number) is not int:
            raise InvalidToken()
    if kind == "part" and (upload_id is None or part_number is None):
        raise InvalidToken()
    return TokenClaims(
        kind, key, expires, upload_id, part_number, filename, content_type, checksum, size
    )
