"""Links to stored objects through a CDN edge that checks a token, so the edge can cache.

Every presigned storage URL is unique, so a CDN in front of storage would miss on every
request. In CDN mode segment and poster links name the object by its plain path on the CDN
host, and carry a short-lived token in the query string that the edge verifies and leaves
out of its cache key: one cached segment serves every entitled viewer, while each viewer's
token is their own and expires within minutes.

The token is nginx's ``secure_link`` MD5 form (``secure_link_md5 "$secure_link_expires$uri$arg_v
SECRET"``), which a self-hosted nginx edge checks as configured in docs/scaling.md. On
CloudFront the documented production equivalent is signed URLs or cookies with a key pair.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from .base import StorageError, check_key


class SecureLinkSigner:
    """Sign object keys as ``{base_url}/{key}?v=VIEWER&e=EXPIRES&t=TOKEN`` for an nginx edge."""

    def __init__(self, base_url: str, secret: str) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise StorageError("CDN_BASE_URL must be an http(s) URL.")
        if len(secret) < 16:
            raise StorageError("CDN_SECURE_LINK_SECRET must be at least 16 characters.")
        self.base_url = base_url.rstrip("/")
        self._path = parts.path.rstrip("/")
        self._secret = secret
        self.origin = f"{parts.scheme}://{parts.netloc}"

    def token(self, key: str, expires: int, viewer: str) -> str:
        """What the edge recomputes: base64url(MD5(expires + decoded path + viewer + ' ' +
        secret)), unpadded. nginx's ``$uri`` is the decoded path, so the key is hashed raw."""
        text = f"{expires}{self._path}/{key}{viewer} {self._secret}"
        digest = hashlib.md5(text.encode(), usedforsecurity=False).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def sign_many(
        self,
        keys: Iterable[str],
        expires_in: int,
        viewer: str = "",
        now: float | None = None,
        align: int = 1,
    ) -> list[str]:
        """Links for many keys, valid ``expires_in`` seconds (rounded up to a multiple of
        ``align``, so links made within one window are identical and browsers cache them)."""
        moment = int(time.time() if now is None else now) + int(expires_in)
        expires = -(-moment // align) * align
        urls = []
        for key in keys:
            check_key(key)
            query = urlencode({"v": viewer, "e": expires, "t": self.token(key, expires, viewer)})
            urls.append(f"{self.base_url}/{quote(key, safe='/~')}?{query}")
        return urls


def build_cdn(config: Mapping[str, Any]) -> SecureLinkSigner | None:
    """The CDN signer when ``CDN_BASE_URL`` is set, else None (links go to storage)."""
    base_url = str(config.get("CDN_BASE_URL") or "").strip()
    if not base_url:
        return None
    return SecureLinkSigner(base_url, str(config.get("CDN_SECURE_LINK_SECRET") or ""))
