"""Helpers for promo-code tests: a studio's promotion made through the service, as the
studio page makes it."""

from __future__ import annotations

from typing import Any

from storefront.extensions import db
from storefront.models import Promotion, Studio
from storefront.services.promotion.manage import PromotionPlan, create_promotion


def make_promotion(studio: Studio, **fields: Any) -> Promotion:
    plan = PromotionPlan(**{"name": "Newsletter", "discount_type": "percent", **fields})
    if not plan.batch_size and not plan.code:
        plan.code = "NEWSLETTER20"
    promotion = create_promotion(studio, plan)
    db.session.commit()
    return promotion


def buy_with_code(client, title, code: str, kind: str = "rent", country: str | None = None):  # type: ignore[no-untyped-def]
    headers = {"X-Test-Country": country} if country else {}
    return client.post(f"/buy/{title.slug}", data={"kind": kind, "code": code}, headers=headers)


def logged_in(app, email: str):  # type: ignore[no-untyped-def]
    """A new client, logged in as ``email`` (another viewer's browser)."""
    from tests.conftest import PASSWORD

    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code in (302, 303)
    return client
