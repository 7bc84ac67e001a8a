"""Pre-orders: before a title's release the viewer pays now for the offer that will apply in
their country at the release moment, and can watch from that moment (the entitlement opens
then; a rental's clock starts no earlier). The availability rule decides, asked about the
release moment instead of now.
"""

from __future__ import annotations

from datetime import datetime

from ...models import OfferKind, Title
from ..catalog.availability import (
    SELLABLE_STATUSES,
    Availability,
    NotAvailable,
    OfferOption,
    availability_for,
    resolve_offer,
)


def preorder_open(title: Title, at: datetime) -> bool:
    """Whether buying this title now is a pre-order (its release is still to come)."""
    return bool(
        title.preorders
        and title.release_at is not None
        and at < title.release_at
        and title.status in SELLABLE_STATUSES
    )


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
