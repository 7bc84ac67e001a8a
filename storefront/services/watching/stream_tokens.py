"""A playlist URL's token: what it grants (``StreamClaims``), signed with the app's secret,
refused once forged or expired. Playback issues them; the playlist routes read them."""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

from .access import PlaybackRefused, Refusal


@dataclass(frozen=True, slots=True)
class StreamClaims:
    """What a playlist URL's token grants: a feature stream of one account's session, or a
    public trailer."""

    kind: str  # "f" feature, "t" trailer, "s" a screener's feature
    title_id: int
    asset_id: int
    user_id: int | None
    session_id: str | None
    expires: int


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="storefront.playback.v1")


def issue_token(secret: str, claims: StreamClaims) -> str:
    return _serializer(secret).dumps(
        [
            claims.kind,
            claims.title_id,
            claims.asset_id,
            claims.user_id,
            claims.session_id,
            claims.expires,
        ]
    )


def read_token(secret: str, token: str, now: float) -> StreamClaims:
    try:
        fields = _serializer(secret).loads(token)
        claims = StreamClaims(*fields)
    except (BadSignature, TypeError, ValueError):
        raise PlaybackRefused(Refusal.INVALID_LINK) from None
    if claims.kind not in ("f", "t", "s") or not isinstance(claims.expires, int):
        raise PlaybackRefused(Refusal.INVALID_LINK)
    if claims.expires <= now:
        raise PlaybackRefused(Refusal.LINK_EXPIRED)
    return claims
