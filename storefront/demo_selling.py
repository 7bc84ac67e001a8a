"""Demo data for the selling tools: a promo code, a comp code, a screener (its link is in the
admin outbox) and a pre-order title, so a newcomer sees each under `make run`. Idempotent by
natural keys."""

from __future__ import annotations

from datetime import timedelta

from .extensions import db
from .models import (
    CreditRole,
    Offer,
    OfferKind,
    PromoCode,
    Screener,
    Studio,
    Title,
    TitleStatus,
    User,
    utcnow,
)
from .services.catalog.titles import TitleData, create_title
from .services.promotion.manage import PromotionPlan, create_promotion
from .services.promotion.screeners import ScreenerPlan, send_screener

PREORDER_TITLE = TitleData(
    name="The Polar Night Express",
    synopsis="A night train crosses Lapland in the weeks without sun; on festival tour now, "
    "on the store from its release. Pre-order it to watch the moment it comes out.",
    year=2026,
    genres=["drama"],
    languages=["fi", "se"],
    countries=["FI"],
    credits={CreditRole.DIRECTOR: ["Aino Lappi"]},
    festival_selections=["Göteborg Film Festival 2026"],
)
CRITIC = "critic@demo.example.org"
CODES = (
    PromotionPlan(name="Newsletter", discount_type="percent", percent_off=20, code="NEWSLETTER20"),
    PromotionPlan(
        name="Cast and crew",
        discount_type="percent",
        percent_off=100,
        code="CASTANDCREW",
        max_uses=25,
    ),
)


def load(studio: Studio, owner: User) -> Title | None:
    """The selling tools once: codes, a screener and a title taking pre-orders (returned when
    made now, so the caller can give it a poster)."""
    for plan in CODES:
        taken = db.session.scalar(
            db.select(PromoCode.id).filter_by(studio_id=studio.id, code=plan.code)
        )
        if taken is None:
            create_promotion(studio, plan)
    first = db.session.scalar(
        db.select(Title).filter_by(studio_id=studio.id).order_by(Title.id).limit(1)
    )
    sent = db.session.scalar(db.select(Screener.id).filter_by(studio_id=studio.id).limit(1))
    if first is not None and sent is None:
        send_screener(
            studio,
            ScreenerPlan(first.id, "Cleo Critic", CRITIC, note="press", days=30, max_views=3),
            utcnow(),
            owner,
        )
    exists = db.session.scalar(
        db.select(Title.id).filter_by(studio_id=studio.id, name=PREORDER_TITLE.name)
    )
    if exists is None:
        title = create_title(studio, PREORDER_TITLE)
        release = (utcnow() + timedelta(days=21)).replace(
            hour=18, minute=0, second=0, microsecond=0
        )
        title.release_at = release
        title.preorders = True
        title.status = TitleStatus.PUBLISHED
        title.published_at = utcnow()
        db.session.add_all(
            [
                Offer(
                    title_id=title.id,
                    kind=OfferKind.RENT,
                    amount=499,
                    currency="EUR",
                    available_from=release,
                ),
                Offer(
                    title_id=title.id,
                    kind=OfferKind.BUY,
                    amount=1199,
                    currency="EUR",
                    available_from=release,
                ),
            ]
        )
    db.session.flush()
    return title if exists is None else None
