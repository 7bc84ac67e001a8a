"""Orders shaped by the selling tools: the snapshot with a code's discount, a chosen
pay-what-you-want amount or a pre-order's release; comps (a 100 % code, no processor); and
holding a code's use once the checkout exists."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from ...adapters.payments import PaymentError, PaymentGateway
from ...db import after_commit, after_transaction
from ...extensions import db
from ...models import OfferKind, Order, OrderStatus, Title, User
from ..catalog.availability import OfferOption
from ..promotion import redemptions
from ..promotion.codes import CodeRefused, Quote
from .ledger import write_comp
from .orders import grant_entitlement

log = logging.getLogger(__name__)
COMP_PROVIDER = "comp"  # orders a 100 % code paid for: no processor involved


def new_order(
    user: User,
    title: Title,
    option: OfferOption,
    quote: Quote | None,
    country: str | None,
    release_at: datetime | None,
    provider: str,
    chosen: int | None = None,
) -> Order:
    """A pending order with its snapshot: what is sold, at which price, with which code (or
    the amount the viewer chose, for pay what you want)."""
    kind = option.kind
    paid = chosen if chosen is not None else quote.amount if quote else option.amount
    return Order(
        public_id=str(uuid.uuid4()),
        user_id=user.id,
        title_id=title.id,
        studio_id=title.studio_id,
        offer_id=option.offer_id,
        kind=kind,
        amount=paid,
        list_amount=option.amount,
        discount_amount=quote.discount_at(paid) if quote else 0,
        promo_code_id=quote.code.id if quote else None,
        promo_code=quote.code.code if quote else None,
        currency=option.currency.upper(),
        country=country,
        title_name=title.name,
        studio_name=title.studio.name,
        rental_start_days=option.rental_start_days if kind == OfferKind.RENT else None,
        rental_watch_hours=option.rental_watch_hours if kind == OfferKind.RENT else None,
        status=OrderStatus.PENDING,
        provider=provider,
        destination_account_id=None,
        application_fee_amount=0,
        amount_refunded=0,
        preorder=release_at is not None,
        release_at=release_at,
    )


def hold_code_use(
    gateway: PaymentGateway, quote: Quote, user: User, order: Order, at: datetime
) -> None:
    """Take the code's use under its lock; if another checkout took the last one since the
    check, the session just created is closed and the viewer told the code is used up."""
    try:
        replaced = redemptions.reserve(quote.code, user, order, at)
    except CodeRefused:
        session_id = order.checkout_session_id or ""

        def close_session() -> None:
            try:
                gateway.expire_checkout_session(session_id)
            except PaymentError as exc:  # it expires by itself; the order is rolled back
                log.warning("Could not close session %s: %s", session_id, exc.detail)

        # Closed once the order is rolled back: the processor answers with an event, and on
        # SQLite the webhook writing it would wait for the write lock this request holds.
        after_transaction(db.session(), close_session)
        raise
    for older in replaced:
        _close_replaced(gateway, older)


def _close_replaced(gateway: PaymentGateway, order: Order) -> None:
    """The viewer's older checkout whose code use this one took (another tab, another
    film): closed at the processor so that one use cannot pay for two sales. Closed once
    this checkout is committed (not at all if it is not, the older one keeps the use): the
    processor answers with an event, and on SQLite the webhook writing it would wait for the
    write lock this request holds. That event, or the sweep of stale orders if it is lost,
    marks the order expired and gives back what it held."""
    if order.status != OrderStatus.PENDING:
        return
    if not order.checkout_session_id:  # no page was opened: nothing to ask anyone
        from .checkout import order_closed  # the checkout builds on this module
        from .locks import lock_order

        locked = lock_order(order.id)
        if locked is not None and locked.status == OrderStatus.PENDING:
            locked.status = OrderStatus.EXPIRED
            order_closed(locked)
            db.session.flush()
        return
    session_id = order.checkout_session_id

    def close_session() -> None:
        try:
            gateway.expire_checkout_session(session_id)
        except PaymentError as exc:  # paid meanwhile, or down: ``spend`` still counts it
            log.warning("Could not close session %s: %s", session_id, exc.detail)

    after_commit(db.session(), close_session)


def grant_comp(
    user: User,
    title: Title,
    option: OfferOption,
    quote: Quote,
    country: str | None,
    at: datetime,
    release_at: datetime | None,
) -> Order:
    """A 100 % code: the order is paid at once with nothing charged, the code's use spent,
    the entitlement granted and a zero-value comp row written to the ledger."""
    order = new_order(user, title, option, quote, country, release_at, COMP_PROVIDER)
    # Paid from the start: it never counts as the viewer's open checkout.
    order.status = OrderStatus.PAID
    order.paid_at = at
    db.session.add(order)
    db.session.flush()
    redemptions.reserve(quote.code, user, order, at)
    grant_entitlement(order, at)
    redemptions.spend(order, at)
    write_comp(order, at)
    db.session.flush()
    log.info("Order %s is a comp (code %s)", order.public_id, quote.code.code)
    return order
