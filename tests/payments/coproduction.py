"""A Norwegian-Belgian co-production, as the rights tests use it: the Norwegian owner, the
Belgian co-producer, split Nordics 100 % NO / Benelux 100 % BE / rest of the world 60/40."""

from __future__ import annotations

from typing import Any

from storefront.extensions import db
from storefront.models import (
    HolderPayout,
    OrderSplit,
    RightsHolder,
    Studio,
    Title,
    utcnow,
)
from storefront.services.rights.splits import RuleInput, save_rules


def add_holder(title: Title, studio: Studio) -> RightsHolder:
    """``studio`` holds ``title`` (as if it had accepted an invitation)."""
    row = RightsHolder(
        title_id=title.id, studio_id=studio.id, email=studio.contact_email, accepted_at=utcnow()
    )
    db.session.add(row)
    db.session.commit()
    return row


def nordic_benelux_rest(title: Title, norwegian: Studio, belgian: Studio) -> None:
    save_rules(
        title,
        [
            RuleInput("allow", "nordics", "", {norwegian.id: "100"}),
            RuleInput("allow", "benelux", "", {belgian.id: "100"}),
            RuleInput("deny", "nordics benelux", "", {norwegian.id: "60", belgian.id: "40"}),
        ],
        {norwegian.id, belgian.id},
        "en",
    )
    db.session.commit()


def onboard_in_emulator(sdk: Any, emu: Any, studio: Studio, *, finish: bool = True) -> str:
    """Give ``studio`` a connected Express account; ``finish`` completes its onboarding."""
    account = sdk.v1.accounts.create(
        {
            "type": "express",
            "country": studio.country,
            "email": studio.contact_email,
            "capabilities": {
                "card_payments": {"requested": True},
                "transfers": {"requested": True},
            },
        }
    )
    studio = db.session.get(Studio, studio.id, populate_existing=True)
    studio.stripe_account_id = account.id
    db.session.commit()
    if finish:
        emu.complete_onboarding(account.id)  # account.updated reaches the app
        db.session.expire_all()
    return account.id


def payouts(order_id: int | None = None) -> list[HolderPayout]:
    db.session.expire_all()
    query = db.select(HolderPayout).order_by(HolderPayout.id)
    if order_id is not None:
        query = query.filter_by(order_id=order_id)
    return list(db.session.scalars(query))


def split_rows(order_id: int) -> list[tuple[int | None, int, bool]]:
    rows = db.session.scalars(db.select(OrderSplit).filter_by(order_id=order_id))
    return sorted((r.studio_id, r.basis_points, r.takes_remainder) for r in rows)


def holder_total(studio_id: int) -> int:
    """What the store says reached one holder (paid payouts)."""
    return sum(p.amount for p in payouts() if p.studio_id == studio_id and p.status == "paid")


def received_in_emulator(emu: Any, account_id: str) -> int:
    """What the holder's connected account received: its transfers less their reversals."""
    return sum(
        t["amount"] - t["amount_reversed"]
        for t in emu.objects("transfer")
        if t["destination"] == account_id
    )
