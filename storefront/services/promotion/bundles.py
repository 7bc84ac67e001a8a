"""Studio bundles: several of a studio's titles at one price, priced per territory like an
offer, bought through the one checkout; a paid bundle grants each title for good, and a
refund takes them all back."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from ...adapters.payments import PaymentGateway
from ...extensions import db
from ...models import (
    Bundle,
    Entitlement,
    EntitlementStatus,
    OfferKind,
    Order,
    OrderStatus,
    Studio,
    TerritoryMode,
    Title,
    User,
)
from .. import ServiceError
from ..catalog.availability import SELLABLE_STATUSES, Availability, OfferRule, evaluate
from ..payments.checkout import (
    AlreadyHasAccess,
    StartedCheckout,
    open_checkout,
    order_checkout_request,
    payee_terms,
)
from ..watching.access import best_entitlement
from .preorders import release_pending
from .screenings import NotOnSale, _territory_rules


def create_bundle(
    studio: Studio,
    name: str,
    titles: list[Title],
    amount: int,
    currency: str,
    *,
    territory_mode: TerritoryMode = TerritoryMode.WORLDWIDE,
    territories: list[dict] | None = None,
) -> Bundle:
    """A bundle of at least two of the studio's own titles."""
    if len({t.id for t in titles}) < 2:
        raise ServiceError(_("A bundle holds at least two films."))
    if any(t.studio_id != studio.id for t in titles):
        raise ServiceError(_("A bundle holds only the studio's own films."))
    bundle = Bundle(
        studio_id=studio.id,
        name=name.strip() or _("Bundle"),
        amount=amount,
        currency=currency.upper(),
        territory_mode=territory_mode,
        territories=[dict(t) for t in territories or []],
        active=True,
    )
    bundle.titles = list({t.id: t for t in titles}.values())
    db.session.add(bundle)
    db.session.flush()
    return bundle


def on_store(bundle: Bundle) -> bool:
    """Offered, and every film of it is on the store: only then may viewers see its page,
    which names its films (a draft's name and address stay the studio's)."""
    return (
        bundle.active
        and bool(bundle.titles)
        and all(t.status in SELLABLE_STATUSES for t in bundle.titles)
    )


def bundles_of(studio: Studio, *, active_only: bool = False) -> list[Bundle]:
    """The studio's bundles; ``active_only``: those on the store."""
    found = db.session.scalars(
        sa.select(Bundle).where(Bundle.studio_id == studio.id).order_by(Bundle.id)
    )
    return [b for b in found if on_store(b)] if active_only else list(found)


def bundle_availability(bundle: Bundle, country: str | None, at: datetime) -> Availability:
    """Whether the bundle can be bought in ``country`` now, at which price, or why not."""
    rule = OfferRule(
        offer_id=bundle.id,
        kind=OfferKind.BUNDLE,
        mode=TerritoryMode(bundle.territory_mode),
        amount=bundle.amount,
        currency=bundle.currency,
        active=bundle.active,
        territories=_territory_rules(bundle.territories),
    )
    return evaluate(0, [rule], country, at, on_store(bundle))


def start_bundle_checkout(
    gateway: PaymentGateway,
    user: User,
    bundle: Bundle,
    country: str | None,
    at: datetime,
    *,
    locale: str | None = None,
) -> StartedCheckout:
    """A pending bundle order, paid to the studio, and its Checkout Session."""
    owned = [best_entitlement(user.id, t.id, at) for t in bundle.titles]
    if owned and all(e is not None and e.kind == OfferKind.BUY for e in owned):
        raise AlreadyHasAccess(_("You already own every film of this bundle."), owned[0])  # type: ignore[arg-type]
    option = bundle_availability(bundle, country, at).option(OfferKind.BUNDLE)
    if option is None:
        raise NotOnSale(
            _("This bundle cannot be bought here and now."),
            bundle_availability(bundle, country, at),
        )
    studio = bundle.studio
    destination, fee = payee_terms(studio, option.amount, option.currency)
    order = Order(
        public_id=str(uuid.uuid4()),
        user_id=user.id,
        title_id=None,
        studio_id=studio.id,
        kind=OfferKind.BUNDLE,
        amount=option.amount,
        currency=option.currency.upper(),
        country=country,
        title_name=bundle.name[:200],
        studio_name=studio.name,
        status=OrderStatus.PENDING,
        provider=gateway.name,
        destination_account_id=destination,
        application_fee_amount=fee,
        amount_refunded=0,
        bundle_id=bundle.id,
    )
    request = order_checkout_request(
        order,
        user,
        _("Bundle: %(name)s", name=bundle.name),
        ", ".join(t.name for t in bundle.titles)[:500],
        at,
        locale,
    )
    return open_checkout(gateway, order, request)


def grant_bundle(order: Order, granted_at: datetime) -> list[Entitlement]:
    """Each title of a paid bundle, bought for good (one entitlement per order and title);
    a title not yet released opens at its release, as its pre-orders do."""
    bundle = db.session.get(Bundle, order.bundle_id)
    assert bundle is not None
    granted = []
    for title in bundle.titles:
        entitlement = Entitlement(
            order_id=order.id,
            user_id=order.user_id,
            title_id=title.id,
            kind=OfferKind.BUY,
            status=EntitlementStatus.ACTIVE,
            granted_at=granted_at,
            not_before=release_pending(title, granted_at),
        )
        db.session.add(entitlement)
        granted.append(entitlement)
    return granted
