"""The way out of a studio's sale mails (one per sale, or the daily digest).

Receipts and account mails are transactional and carry none. Sale mails carry a link, and the
RFC 8058 ``List-Unsubscribe`` headers that let a mail client stop them in one click, without
signing in: the link is signed for the studio and the address it was mailed to, so it works
only while the studio's mail still goes to that address.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ....extensions import db
from ....models import Studio
from ....public_urls import public_url_for
from ..studios import studio_contact, update_studio
from ..users import normalise_email

# The mails a studio chose (``Studio.sale_alerts``) and may switch off from the mail itself.
SALE_MAILS = frozenset({"sale_alert", "sales_digest"})


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="sale-mails-off")


def _fingerprint(address: str) -> str:
    """Names the address in the link without writing it there (links end up in logs)."""
    return hashlib.sha256(normalise_email(address).encode()).hexdigest()[:20]


def stop_url(studio_slug: str, address: str) -> str:
    """The public address that switches off the sale mails of ``studio_slug`` to ``address``."""
    token = _serializer().dumps([studio_slug, _fingerprint(address)])
    return public_url_for("mail_links.sale_mails_off", token=token)


def list_headers(event: str, context: dict, address: str) -> dict[str, str]:
    """``List-Unsubscribe`` headers for a sale mail (RFC 2369, one-click per RFC 8058)."""
    if event not in SALE_MAILS or not context.get("studio_slug"):
        return {}
    return {
        "List-Unsubscribe": f"<{stop_url(context['studio_slug'], address)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def studio_of(token: str) -> tuple[Studio, str] | None:
    """The studio and address a stop link names, if it is genuine and the address is still
    where the studio's mail goes (a former address cannot stop the new one's mail)."""
    try:
        slug, fingerprint = _serializer().loads(token)
    except (BadSignature, TypeError, ValueError):
        return None
    studio = db.session.scalar(db.select(Studio).where(Studio.slug == slug))
    address = studio_contact(studio) if studio is not None else ""
    if not address or _fingerprint(address) != fingerprint:
        return None
    return studio, normalise_email(address)


def stop_sale_mails(studio: Studio) -> None:
    """No more sale alerts or digests; the owner can turn them on again in the settings."""
    update_studio(studio, sale_alerts="off")
    db.session.flush()
