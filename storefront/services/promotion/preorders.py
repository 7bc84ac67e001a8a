"""Pre-orders: before a title's release the viewer pays now for the offer that will apply in
their country at the release moment, and can watch from that moment (the entitlement opens
then; a rental's clock starts no earlier). The availability rule decides, asked about the
release moment instead of now.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from ...adapters.payments import PaymentGateway
from ...extensions import db
from ...models import (
    Entitlement,
    EntitlementStatus,
    Offer,
    OfferKind,
    Order,
    OrderStatus,
    Title,
)
from .. import ServiceError
from ..catalog.availability import (
    SELLABLE_STATUSES,
    Availability,
    NotAvailable,
    OfferOption,
    availability_for,
    resolve_offer,
)
from ..payments.orders import entitlement_of
from . import notices


def preorder_open(title: Title, at: datetime) -> bool:
    """Whether buying this title now is a pre-order (its release is still to come)."""
    return bool(
        title.preorders
        and title.release_at is not None
        and at < title.release_at
        and title.status in SELLABLE_STATUSES
    )


def release_pending(title: Title, at: datetime) -> datetime | None:
    """The title's release when it is still to come at ``at``: whatever grants the title
    before then (a pre-order, a bundle holding it) opens at that moment."""
    if title.release_at is not None and at < title.release_at:
        return title.release_at
    return None


def preorder_availability(title: Title, country: str | None, at: datetime) -> Availability | None:
    """What can be pre-ordered here (the offers as they will apply at the release), or None
    when the title takes no pre-orders now."""
    if not preorder_open(title, at):
        return None
    assert title.release_at is not None
    return availability_for(title, country, title.release_at)


def resolve_for_checkout(
    title: Title, kind: OfferKind, country: str | None, at: datetime
) -> tuple[OfferOption, datetime | None]:
    """The option a checkout sells and, for a pre-order, the release moment it opens at.

    NotAvailable (with the reason at the release moment, for a pre-order) when neither is.
    """
    availability = preorder_availability(title, country, at)
    if availability is None:
        return resolve_offer(title, kind, country, at), None
    option = availability.option(kind)
    if option is None:
        raise NotAvailable(availability, kind)
    return option, title.release_at


# --- the studio moves or cancels the release ----------------------------------------------

# A cancelled release has no date: pre-orders kept stay closed until the studio sets one.
NO_DATE = datetime(9999, 12, 31, tzinfo=UTC)
LATEST_RELEASE = timedelta(days=3653)  # ten years ahead


class ReleaseInvalid(ServiceError):
    """The release settings cannot be saved; the message says why."""


def waiting_preorders(title: Title, at: datetime) -> list[tuple[Order, Entitlement]]:
    """Paid pre-orders of the title whose entitlement has not opened yet."""
    return list(
        db.session.execute(
            sa.select(Order, Entitlement)
            .join(Entitlement, Entitlement.order_id == Order.id)
            .where(
                Order.title_id == title.id,
                Order.preorder.is_(True),
                Entitlement.status == EntitlementStatus.ACTIVE,
                Entitlement.not_before > at,
            )
            .order_by(Order.id)
        ).tuples()
    )


def set_release(
    title: Title, release_at: datetime | None, take_preorders: bool, at: datetime
) -> tuple[int, int]:
    """Save the title's release and pre-order switch. When the release moves or is
    cancelled, every waiting pre-order opens at the new moment (or stays closed) and its
    viewer is told, with the choice to keep it or be refunded; brought forward to now, it
    opens at once and its viewer is told the film is out. Returns how many viewers were
    offered the choice, and how many were told the film is out."""
    if take_preorders and (release_at is None or release_at <= at):
        raise ReleaseInvalid(_("Pre-orders need a release date in the future."))
    if release_at is not None and release_at > at + LATEST_RELEASE:
        # Far past any real plan, and a rental's days to start would run off the calendar.
        raise ReleaseInvalid(_("Choose a release date within the next ten years."))
    moved = release_at != title.release_at
    if moved and release_at is not None and title.release_at is not None:
        _offers_follow(title, title.release_at, release_at)
    title.release_at = release_at
    title.preorders = take_preorders
    if not moved:
        db.session.flush()
        return 0, 0
    # Bundles holding the title follow the release too (their other films are not affected,
    # so there is no refund to offer).
    db.session.execute(
        sa.update(Entitlement)
        .where(
            Entitlement.title_id == title.id,
            Entitlement.not_before > at,
            Entitlement.order_id.in_(sa.select(Order.id).where(Order.kind == OfferKind.BUNDLE)),
        )
        .values(not_before=release_at or NO_DATE)
        .execution_options(synchronize_session=False)
    )
    offered = out = 0
    for order, entitlement in waiting_preorders(title, at):
        _open_at(order, entitlement, release_at, at)
        if release_at is not None and release_at <= at:
            order.release_at = release_at  # nothing left to choose: it plays now
            notices.released(order)
            out += 1
        else:
            notices.release_changed(order, release_at)
            offered += 1
    db.session.flush()
    return offered, out


def _offers_follow(title: Title, old: datetime, new: datetime) -> None:
    """Offer windows (and countries' own windows) that opened at the release open at the new
    one: a film released early is on sale, and plays for those who pre-ordered it, at once."""
    for offer in db.session.scalars(sa.select(Offer).where(Offer.title_id == title.id)):
        if offer.available_from == old:
            offer.available_from = new
        for territory in offer.territories:
            if territory.available_from == old:
                territory.available_from = new


def _open_at(
    order: Order, entitlement: Entitlement, release_at: datetime | None, at: datetime
) -> None:
    """The pre-order opens at ``release_at`` (stays closed without one); a rental's days to
    start count from then, never from before ``at``."""
    entitlement.not_before = release_at or NO_DATE
    if entitlement.kind == OfferKind.RENT and release_at is not None:
        start = max(release_at, at)
        entitlement.start_by = start + timedelta(days=order.rental_start_days or 0)


def follow_release(order: Order, entitlement: Entitlement, paid_at: datetime) -> None:
    """A pre-order paid after the studio moved or cancelled its release (the viewer was on
    the processor's page meanwhile) opens at the release as it is now, and its viewer is
    offered keep or refund like those who had paid before the change."""
    title = order.title
    if not order.preorder or title is None or order.release_at == title.release_at:
        return
    _open_at(order, entitlement, title.release_at, paid_at)
    db.session.flush()
    if choice_open(order, paid_at):
        notices.release_changed(order, title.release_at)


def choice_open(order: Order, at: datetime) -> bool:
    """Whether the viewer may now choose between keeping and a refund: the release their
    pre-order was for moved or was cancelled, and it has not opened yet."""
    title = order.title
    if not order.preorder or title is None:
        return False
    entitlement = entitlement_of(order)
    if entitlement is None or entitlement.status != EntitlementStatus.ACTIVE:
        return False
    if entitlement.not_before is None or entitlement.not_before <= at:
        return False
    return order.release_at != title.release_at


def keep(order: Order) -> None:
    """The viewer keeps the pre-order for the new date (the choice is then closed)."""
    order.release_at = order.title.release_at if order.title else order.release_at
    db.session.flush()


def refund(gateway: PaymentGateway, order: Order, at: datetime) -> bool:
    """The viewer wants their money back: the whole payment is refunded (the entitlement is
    revoked when the processor confirms). A comp has nothing to refund: it is revoked. True
    when money is on its way back."""
    if not choice_open(order, at):
        raise ReleaseInvalid(_("This pre-order can no longer be refunded here."))
    # Imported here: refunds reaches festival sales, which build on the checkout that
    # imports this module.
    from ..payments.refunds import refundable_amount, request_refund

    amount = refundable_amount(order)
    if amount > 0:
        request_refund(gateway, order, amount)
        return True
    entitlement = entitlement_of(order)
    if entitlement is not None:
        entitlement.status = EntitlementStatus.REVOKED
    # A comp given back is refunded in full (of nothing): the viewer keeps nothing, so its
    # code's use is free again, as after a paid pre-order's refund (``codes.counted``).
    order.status = OrderStatus.REFUNDED
    db.session.flush()
    return False
