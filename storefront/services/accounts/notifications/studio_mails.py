"""Mails to studios about their money: a payout or transfer that failed, the monthly
statement being ready, a share it owes back and how that was settled. They go to the
studio's contact address, once per event; its new owner hears when that address passes to
them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ....extensions import db
from ....models import (
    HolderPayout,
    LedgerEntry,
    Order,
    PayoutKind,
    PayoutStatus,
    Studio,
    User,
    utcnow,
)
from ...reports.filters import month_bounds, studio_zone
from ..studios import owners as studio_owners
from ..studios import studio_contact
from .queue import notify


def studio_locale(studio: Studio) -> str | None:
    """The language the studio's owners chose (the first who chose one), for mails to its
    contact address; ``mail_locale`` prefers the language of an account with that address.
    ``None``: the store's default."""
    chosen = [m.user.locale for m in sorted(studio_owners(studio), key=lambda m: m.id)]
    return next((locale for locale in chosen if locale), None)


def to_studio(studio: Studio) -> dict[str, Any]:
    """``notify``'s recipient arguments for a mail to the studio itself: its contact address
    (or its owner's, see ``studio_contact``), its owners' language and its time zone."""
    return {
        "to": studio_contact(studio),
        "locale": studio_locale(studio),
        "zone": studio_zone(studio),
    }


def money_failed(studio: Studio, key: str, amount: int, currency: str, reason: str) -> None:
    """A payout to the studio's bank, or a transfer to it, failed (``key``: its processor id).

    Other areas (rights holders' transfers) call this with their own transfer id.
    """
    notify(
        "transfer_failed",
        f"money_failed:{key}",
        **to_studio(studio),
        context={
            "studio_name": studio.name,
            "studio_slug": studio.slug,
            "amount": amount,
            "currency": currency.upper(),
            "reason": reason,
        },
    )


def contact_handed_over(studio: Studio, heir: User, key: str) -> None:
    """The studio's contact address left with the person it belonged to and ``heir``'s took
    its place: they hear once (``key``), in their language, that the studio's mail now comes
    to them and where to change that."""
    notify(
        "contact_handed_over",
        f"contact_handed_over:{key}",
        user=heir,
        locale=studio_locale(studio),
        zone=studio_zone(studio),
        context={"studio_name": studio.name, "studio_slug": studio.slug},
    )


def _owed_back(payout: HolderPayout, studio: Studio) -> dict[str, Any]:
    """What a mail about a reversal the holder owes says of it."""
    order = db.session.get(Order, payout.order_id)
    assert order is not None
    return {
        "studio_name": studio.name,
        "studio_slug": studio.slug,
        "title_name": order.title_name,
        "order": order.public_id,
        "because": "dispute" if payout.cause.startswith("dispute") else "refund",
        "amount": -payout.amount,
        "currency": payout.currency.upper(),
    }


def reversal_held(payout: HolderPayout) -> None:
    """A reversal of a holder's share (a refund, a dispute) is held: its balance cannot cover
    it. Its contact hears once per reversal what it owes back and that it will be taken from
    its next shares (see ``payments.transfers``). Other payouts held are not its debt."""
    if payout.kind != PayoutKind.REVERSAL or payout.studio is None:
        return
    studio = payout.studio
    notify(
        "reversal_held",
        f"reversal_held:{payout.id}",
        **to_studio(studio),
        context=_owed_back(payout, studio),
    )


def reversal_settled(payout: HolderPayout) -> None:
    """A reversal its holder was told it owed (``reversal_held``) is settled: taken once its
    balance could cover it (from the share ``settled_from_id`` names, when one did), or
    netted because the dispute was won or the refund failed. Its contact hears once how."""
    if payout.kind != PayoutKind.REVERSAL or payout.studio is None or payout.owed_since is None:
        return
    studio = payout.studio
    recipient = to_studio(studio)
    share = db.session.get(HolderPayout, payout.settled_from_id) if payout.settled_from_id else None
    if payout.status == PayoutStatus.NETTED:
        how, share_day = "netted", None
    elif share is None:
        how, share_day = "balance", None
    else:  # the day of that share, as the holder's statement dates it
        zone = ZoneInfo(recipient["zone"])
        how, share_day = "share", share.created_at.astimezone(zone).date().isoformat()
    notify(
        "reversal_settled",
        f"reversal_settled:{payout.id}",
        **recipient,
        context={**_owed_back(payout, studio), "how": how, "share_day": share_day},
    )


def payout_failed(studio: Studio, payout: dict[str, Any]) -> None:
    reason = payout.get("failure_message") or payout.get("failure_code") or ""
    money_failed(
        studio, str(payout["id"]), int(payout["amount"]), str(payout["currency"]), str(reason)
    )


def refund_failed(order: Order, refund_id: str, amount: int, reason: str, *, held: int = 0) -> None:
    """A refund of ``order`` failed at the card network: the studio's owners (or its contact
    address) and the platform's admins hear once per refund which order and why, so someone
    can refund the buyer another way. ``held``: what the refund took from the studio's
    connected account that the platform's balance now holds (Stripe does not give it back)."""
    studio = db.session.get(Studio, order.studio_id) if order.studio_id else None
    owners = [member.user for member in studio_owners(studio)] if studio else []
    admins = list(db.session.scalars(sa.select(User).where(User.is_admin.is_(True))))
    context = {
        "order": order.public_id,
        "title_name": order.title_name,
        "studio_name": studio.name if studio else order.studio_name,
        "studio_slug": studio.slug if studio else None,
        "amount": amount,
        "currency": order.currency,
        "reason": reason,
        "status": order.status.value,
        "held": held,
    }
    readers = {u.id: u for u in [*owners, *admins]}
    for user in readers.values():
        notify(
            "refund_failed_studio",
            f"refund_failed:{refund_id}:{user.id}",
            user=user,
            context=context,
        )
    if not owners and studio is not None:
        notify(
            "refund_failed_studio",
            f"refund_failed:{refund_id}:studio",
            context=context,
            **to_studio(studio),
        )


def statements_ready(now: datetime | None = None) -> int:
    """Once a studio's month is over in its time zone (as its statements cut months), tell it
    its statement is ready if it had ledger rows that month. The job runs hourly on the first
    days of a UTC month, so each studio hears soon after its own month ends; once each."""
    now = now or utcnow()
    since = datetime(now.year - (now.month == 1), (now.month - 2) % 12 + 1, 1, tzinfo=UTC)
    studio_ids = db.session.scalars(
        sa.select(LedgerEntry.studio_id)
        .where(LedgerEntry.occurred_at >= since - timedelta(days=1))
        .where(LedgerEntry.studio_id.is_not(None))
        .distinct()
    ).all()
    told = 0
    for studio_id in studio_ids:
        studio = db.session.get(Studio, studio_id)
        if studio is None:
            continue
        zone = studio_zone(studio)
        today = now.astimezone(ZoneInfo(zone)).date()
        last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        start, end = month_bounds(last_month.year, last_month.month, zone)
        had_rows = db.session.scalar(
            sa.select(LedgerEntry.id)
            .where(LedgerEntry.studio_id == studio_id)
            .where(LedgerEntry.occurred_at >= start, LedgerEntry.occurred_at < end)
            .limit(1)
        )
        if had_rows is None:
            continue
        month = f"{last_month.year:04d}-{last_month.month:02d}"
        notify(
            "statement_ready",
            f"statement_ready:{studio.id}:{month}",
            **to_studio(studio),
            context={
                "studio_name": studio.name,
                "studio_slug": studio.slug,
                "month": month,
                "year": last_month.year,
                "month_number": last_month.month,
            },
        )
        told += 1
    return told
