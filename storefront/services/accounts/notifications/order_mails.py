"""The mails an order causes: the buyer's receipt, refund and dispute outcome, and the
studio's sale alert. Payments call these; each queues through :func:`notify` once per event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ....extensions import db
from ....models import Entitlement, Order, Studio, Title, User
from ...catalog.title_texts import shown_names
from .language import mail_locale
from .queue import notify
from .studio_mails import to_studio


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _order_context(order: Order, reader: User | None = None) -> dict[str, Any]:
    """What a mail about ``order`` shows; the film named in the language of the ``reader``'s
    mail."""
    slug = db.session.scalar(db.select(Title.slug).where(Title.id == order.title_id))
    name = order.title_name
    if reader is not None and order.title_id is not None:
        name = shown_names([order.title_id], mail_locale(reader)).get(order.title_id, name)
    return {
        "order": order.public_id,
        "title_name": name,
        "studio_name": order.studio_name,
        "slug": slug,
        "kind": order.kind.value,
        "amount": order.amount,
        "currency": order.currency,
        "paid_at": _iso(order.paid_at),
    }


def order_paid(order: Order, entitlement: Entitlement | None) -> None:
    """The buyer's receipt (watch link, terms) and, if the studio asked, its sale alert."""
    context = _order_context(order, order.user)
    if entitlement is not None:
        context.update(
            start_by=_iso(entitlement.start_by),
            watch_hours=entitlement.watch_hours,
            start_days=order.rental_start_days,
        )
        opens, paid = entitlement.not_before, order.paid_at
        if entitlement.screening_id is not None and opens and paid and opens > paid:
            context["opens_at"] = _iso(opens)  # a ticket bought ahead of its screening
        if order.preorder and opens and paid and opens > paid:
            # Watchable from the release only; a release put off without a new date has none.
            context["preorder_opens"] = _iso(opens) if opens.year < 9999 else ""
        if entitlement.live_start_at is not None:  # not hours to watch: the film's own times
            from ...promotion.screenings import ticket_film_ends  # festivals build on these mails

            context["live_start"] = _iso(entitlement.live_start_at)
            context["live_end"] = _iso(ticket_film_ends(entitlement))
    notify("receipt", f"receipt:{order.id}", user=order.user, context=context)
    studio = db.session.get(Studio, order.studio_id) if order.studio_id else None
    if studio is not None and studio.sale_alerts == "each":
        notify(
            "sale_alert",
            f"sale_alert:{order.id}",
            **to_studio(studio),
            context={
                **_order_context(order),
                "country": order.country,
                "studio_slug": studio.slug,
            },
        )


def order_refunded(order: Order, refund_id: str, amount: int) -> None:
    """The buyer hears of each refund once (its processor id is the key)."""
    context = {**_order_context(order, order.user), "refunded": amount, "full": order.status.value}
    notify("refund", f"refund:{refund_id}", user=order.user, context=context)


def refunded_by_itself(order: Order, reason: str) -> None:
    """The buyer of a payment the store gave back without being asked (``reason``: a second
    payment for a film they had, a ticket for a screening that closed) hears of it once per
    order, however often the processor confirms the refund."""
    context = {
        **_order_context(order, order.user),
        "refunded": order.amount_refunded,
        "full": order.status.value,
        "reason": reason,
    }
    notify("refund", f"refund:auto:{order.id}", user=order.user, context=context)


def refund_failed(
    order: Order, refund_id: str, amount: int, reason: str, *, access_back: bool
) -> None:
    """The buyer hears once per refund that it could not be completed (the card network
    refused it: ``reason``), whether the film is back in their library, and that the studio
    will be in touch."""
    context = {
        **_order_context(order, order.user),
        "failed_amount": amount,
        "reason": reason,
        "access_back": access_back,
    }
    notify("refund_failed", f"refund_failed:{refund_id}", user=order.user, context=context)


def dispute_closed(
    order: Order, dispute_id: str, outcome: str, *, access_back: bool = True
) -> None:
    """The buyer learns how a dispute of their payment ended (won, lost, ...). A won dispute
    of a payment the store had refunded says the refund stands (``refunded``) and, when
    ``access_back`` is false, that the film stays out of the library."""
    context = {
        **_order_context(order, order.user),
        "outcome": outcome,
        "refunded": order.amount_refunded,
        "access_back": access_back,
    }
    notify("dispute_closed", f"dispute_closed:{dispute_id}", user=order.user, context=context)
