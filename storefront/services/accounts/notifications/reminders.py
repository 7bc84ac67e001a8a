"""Periodic mails: rentals about to lapse unwatched, festival screenings about to open for the
tickets bought ahead, pre-ordered films that opened, and studios' daily sales digests."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ....extensions import db
from ....models import (
    Entitlement,
    EntitlementStatus,
    Festival,
    OfferKind,
    Order,
    OrderStatus,
    Screening,
    Studio,
    Title,
    User,
    utcnow,
)
from ...catalog.title_texts import shown_names
from ...reports.filters import local_midnight, studio_zone
from .language import mail_locale
from .queue import notify
from .studio_mails import to_studio

REMIND_BEFORE = timedelta(days=1)
# A ticket bought ahead is recalled when its screening is this close to opening (the job runs
# every quarter of an hour); one bought closer to the opening than this has just had its receipt.
SCREENING_NOTICE = timedelta(hours=1)
# A pre-order is announced once its release has passed, by a run within this time after it (a
# run missed for longer, or a release far in the past, is not worth a "now open" mail).
RELEASE_NOTICE = timedelta(days=1)
SOLD = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.DISPUTED)


def remind_expiring_rentals(now: datetime | None = None) -> int:
    """Mail each viewer whose unwatched rental's start window closes within a day (once)."""
    now = now or utcnow()
    rows = db.session.execute(
        sa.select(Entitlement, Title.slug, Title.name)
        .join(Title, Title.id == Entitlement.title_id)
        .where(
            Entitlement.kind == OfferKind.RENT,
            Entitlement.status == EntitlementStatus.ACTIVE,
            Entitlement.started_at.is_(None),
            Entitlement.start_by > now,
            Entitlement.start_by <= now + REMIND_BEFORE,
        )
    ).all()
    for entitlement, slug, name in rows:
        if entitlement.granted_at >= entitlement.start_by - REMIND_BEFORE:
            continue  # a window of a day or less: the receipt just said by when to start
        _recall(entitlement, "rental_expiring", name, {"slug": slug})
    return len(rows)


def _recall(entitlement: Entitlement, event: str, name: str, context: dict) -> bool:
    """Mail the holder of ``entitlement`` once for ``event``, the film named as the catalogue
    names it for them, with its start-by terms; False when the account is gone or inactive."""
    user = db.session.get(User, entitlement.user_id)
    if user is None or not user.active:
        return False
    name = shown_names([entitlement.title_id], mail_locale(user)).get(entitlement.title_id, name)
    notify(
        event,
        f"{event}:{entitlement.id}",
        user=user,
        context={
            **context,
            "title_name": name,
            "start_by": entitlement.start_by.isoformat() if entitlement.start_by else None,
            "watch_hours": entitlement.watch_hours,
        },
    )
    return True


def remind_opening_screenings(now: datetime | None = None) -> int:
    """Mail each holder of an unstarted ticket whose screening opens within the hour (once)."""
    now = now or utcnow()
    rows = db.session.execute(
        sa.select(Entitlement, Title.slug, Title.name, Festival.name)
        .join(Title, Title.id == Entitlement.title_id)
        .join(Screening, Screening.id == Entitlement.screening_id)
        .join(Festival, Festival.id == Screening.festival_id)
        .where(
            Entitlement.kind == OfferKind.TICKET,
            Entitlement.status == EntitlementStatus.ACTIVE,
            Entitlement.started_at.is_(None),
            Entitlement.not_before > now,
            Entitlement.not_before <= now + SCREENING_NOTICE,
        )
    ).all()
    sent = 0
    for entitlement, slug, name, festival_name in rows:
        if entitlement.granted_at > entitlement.not_before - SCREENING_NOTICE:
            continue  # bought within the hour: the receipt said when it opens
        context = {
            "festival_name": festival_name,
            "slug": slug,
            "opens_at": entitlement.not_before.isoformat(),
            "live": entitlement.live_start_at is not None,
        }
        sent += _recall(entitlement, "screening_opens", name, context)
    return sent


def announce_releases(now: datetime | None = None) -> int:
    """Mail each holder of a pre-order whose film opened within the last day (once)."""
    now = now or utcnow()
    rows = db.session.execute(
        sa.select(Entitlement, Title.slug, Title.name)
        .join(Order, Order.id == Entitlement.order_id)
        .join(Title, Title.id == Entitlement.title_id)
        .where(
            Order.preorder.is_(True),
            Entitlement.status == EntitlementStatus.ACTIVE,
            Entitlement.not_before <= now,
            Entitlement.not_before > now - RELEASE_NOTICE,
        )
    ).all()
    sent = 0
    for entitlement, slug, name in rows:
        sent += _recall(entitlement, "preorder_released", name, {"slug": slug})
    return sent


def send_sales_digests(now: datetime | None = None) -> int:
    """Yesterday's sales per studio that chose a daily digest, one mail per day: the day in
    the studio's time zone, as its revenue and audience pages count days (the job runs
    every hour, so each studio hears soon after its own midnight)."""
    now = now or utcnow()
    studios = db.session.scalars(sa.select(Studio).where(Studio.sale_alerts == "daily")).all()
    sent = 0
    for studio in studios:
        tz = studio_zone(studio)
        day = now.astimezone(ZoneInfo(tz)).date() - timedelta(days=1)
        start, end = local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)
        rows = db.session.execute(
            sa.select(Order.title_name, Order.currency, Order.amount).where(
                Order.studio_id == studio.id,
                Order.status.in_(SOLD),
                Order.paid_at >= start,
                Order.paid_at < end,
            )
        ).all()
        if not rows:
            continue
        by_title: dict[str, int] = defaultdict(int)
        totals: dict[str, int] = defaultdict(int)
        for title_name, currency, amount in rows:
            by_title[title_name] += 1
            totals[currency] += amount
        notify(
            "sales_digest",
            f"sales_digest:{studio.id}:{day.isoformat()}",
            **to_studio(studio),
            context={
                "studio_name": studio.name,
                "studio_slug": studio.slug,
                "day": day.isoformat(),
                "count": len(rows),
                "titles": sorted(by_title.items()),
                "totals": sorted(totals.items()),
            },
        )
        sent += 1
    return sent
