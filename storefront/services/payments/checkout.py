"""Buying: from a viewer's click to a hosted checkout page.

The viewer's offer is resolved by the one availability rule, a pending order keeps a snapshot
of what is sold at which price, and the processor's Checkout Session is created from that
order. Nothing here grants access: only fulfilment from the processor's events does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import format_datetime, ngettext
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from ...adapters.payments import CheckoutRequest, PaymentError, PaymentGateway
from ...extensions import db
from ...models import Entitlement, OfferKind, Order, OrderStatus, Studio, Title, User
from ...public_urls import public_url_for
from .. import ServiceError
from ..promotion import codes, pwyw, redemptions
from ..promotion.preorders import resolve_for_checkout
from ..rights.shares import snapshot_split
from ..rights.splits import split_in_force
from ..watching.access import awaiting_release, best_entitlement
from .connect import connect_enabled, payment_blockers
from .fees import platform_fee
from .locks import lock_order
from .selling import grant_comp, hold_code_use, new_order

log = logging.getLogger(__name__)
# Stripe refuses sessions that expire sooner than 30 minutes or later than 24 hours.
SESSION_MIN_MINUTES, SESSION_MAX_MINUTES = 30, 23 * 60
# Languages Checkout speaks; anything else lets Stripe choose from the browser.
CHECKOUT_LOCALES = frozenset(
    ("bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fil", "fr", "hr", "hu", "id", "it",
     "ja", "ko", "lt", "lv", "ms", "mt", "nb", "nl", "pl", "pt", "ro", "ru", "sk", "sl", "sv",
     "th", "tr", "vi", "zh")
)  # fmt: skip
# What the store itself sells of a film: what a further rental or purchase could duplicate.
STORE_KINDS = frozenset({OfferKind.RENT, OfferKind.BUY})


def order_closed(order: Order) -> None:
    """A pending order just failed, expired or was paid for what can no longer be delivered:
    what it held goes back (a festival ticket's seat, a code's use). Every place that closes a
    pending order calls this."""
    from ..promotion.festival_sales import order_closed as give_back  # festivals build on this

    give_back(order)
    redemptions.release(order)


class AlreadyHasAccess(ServiceError):
    """The viewer can already watch this title; carries the entitlement to link to."""

    def __init__(self, message: str, entitlement: Entitlement) -> None:
        super().__init__(message)
        self.entitlement = entitlement


class CannotReceivePayments(ServiceError):
    """The title's studio has no account able to receive the money."""


class CheckoutUnavailable(ServiceError):
    """The processor could not start the checkout; the pending order is kept (expires later)."""

    def __init__(self, order: Order, error: PaymentError) -> None:
        super().__init__(str(error))
        self.order = order
        self.error = error


@dataclass(frozen=True)
class StartedCheckout:
    """Where to send the viewer: the processor's page, or (a comp) straight to the order."""

    order: Order
    url: str | None


def access_covering(
    user_id: int, title_id: int, kind: OfferKind, at: datetime
) -> Entitlement | None:
    """The viewer's access that already gives what buying ``kind`` would: a purchase covers
    everything, a rental covers a rental. Buying during a rental is an upgrade: not covered.
    A festival ticket is one screening, not the film: it covers no store sale."""
    access = best_entitlement(user_id, title_id, at, kinds=STORE_KINDS)
    if access is None or (access.kind != OfferKind.BUY and kind == OfferKind.BUY):
        return None
    return access


def _refuse_if_owned(user: User, title: Title, kind: OfferKind, at: datetime) -> None:
    access = access_covering(user.id, title.id, kind, at)
    if access is None:
        ordered = awaiting_release(user.id, title.id, at)
        if ordered is not None and (ordered.kind == OfferKind.BUY or kind == OfferKind.RENT):
            raise AlreadyHasAccess(_("You have already pre-ordered this film."), ordered)
        return
    if access.kind == OfferKind.BUY:
        raise AlreadyHasAccess(_("You already own this film."), access)
    raise AlreadyHasAccess(_("You are already renting this film."), access)


def checkout_locale(locale: str | None) -> str:
    code = (locale or "").split("_")[0].split("-")[0].lower()
    return code if code in CHECKOUT_LOCALES else "auto"


def session_expiry(at: datetime) -> int:
    minutes = current_app.config["ORDER_PENDING_MINUTES"]
    minutes = max(SESSION_MIN_MINUTES, min(SESSION_MAX_MINUTES, minutes))
    return int((at + timedelta(minutes=minutes)).timestamp()) + 60  # slack for clock skew


def start_checkout(
    gateway: PaymentGateway,
    user: User,
    title: Title,
    kind: OfferKind | str,
    country: str | None,
    at: datetime,
    *,
    locale: str | None = None,
    code: str | None = None,
    amount: str | None = None,
) -> StartedCheckout:
    """Create the pending order and its Checkout Session; the caller redirects to ``url``.

    With ``code`` the order is for the discounted amount and holds one use of the code
    (CodeRefused says why a code cannot be used); a comp (nothing to pay) is granted at
    once, without a processor, and ``url`` is None. ``amount`` is what the viewer typed for
    a pay-what-you-want offer (AmountRefused below the floor). When the processor cannot be
    reached the order is still added (pending, expired later) and CheckoutUnavailable says
    why.
    """
    kind = OfferKind(kind)
    _refuse_if_owned(user, title, kind, at)
    option, release_at = resolve_for_checkout(title, kind, country, at)  # NotAvailable: why
    quote = codes.price_with_code(code, title, option, country, at, user) if code else None
    if quote is not None and quote.is_comp:
        comp = grant_comp(user, title, option, quote, country, at, release_at)
        return StartedCheckout(comp, None)
    chosen = pwyw.chosen_amount(amount, option, quote)
    studio = title.studio
    # A co-produced title is charged on the platform and its holders paid by transfers.
    split = split_in_force(title, country, kind)
    order = new_order(user, title, option, quote, country, release_at, gateway.name, chosen)
    destination, fee = payee_terms(studio, order.amount, order.currency, split=bool(split))
    order.destination_account_id = destination
    order.application_fee_amount = fee
    reused = _open_checkout(gateway, user, title, kind, order.amount, order.currency)
    if reused is not None:
        return reused
    request = _checkout_request(order, user, title, at, locale, split_sale=bool(split))
    try:
        # Called before the order is written: no database lock is held while we wait.
        session = gateway.create_checkout_session(request)
    except PaymentError as exc:
        log.warning("Checkout session for order %s failed: %s", order.public_id, exc.detail)
        if _insert(order):
            raise CheckoutUnavailable(order, exc) from exc
        raise
    order.checkout_session_id = session.id
    if not _insert(order):
        # Another tab of the same viewer opened its checkout meanwhile: close ours, use theirs.
        _expire_quietly(gateway, session.id)
        again = _open_checkout(gateway, user, title, kind, order.amount, order.currency)
        if again is None:
            raise CheckoutUnavailable(order, PaymentError("concurrent checkout"))
        return again
    snapshot_split(order, title)
    if quote is not None:
        hold_code_use(gateway, quote, user, order, at)
    log.info("Order %s pending, session %s", order.public_id, session.id)
    return StartedCheckout(order, session.url)


def payee_terms(
    studio: Studio, amount: int, currency: str, *, split: bool = False
) -> tuple[str | None, int]:
    """Where a sale's money goes (the studio's connected account, if any; the platform when
    the title's rights holders ``split`` it and are paid by transfers) and the platform's
    fee; CannotReceivePayments when the studio cannot be paid."""
    if payment_blockers(studio):
        log.warning("Checkout refused: studio %s cannot receive payments", studio.slug)
        raise CannotReceivePayments(
            _("This film cannot be bought right now: its studio is not set up to be paid yet.")
        )
    destination = studio.stripe_account_id if connect_enabled() and not split else None
    fee = 0
    if destination:
        config = current_app.config
        fee = platform_fee(
            amount, currency, config.get("PLATFORM_FEE_PERCENT"), config.get("PLATFORM_FEE_FIXED")
        )
    return destination, fee


class CheckoutOpenElsewhere(ServiceError):
    """The viewer has another open checkout for this title and kind (another tab)."""


def open_checkout(
    gateway: PaymentGateway,
    order: Order,
    request: CheckoutRequest,
    reserve: Callable[[], None] | None = None,
) -> StartedCheckout:
    """Create the processor's session for a new pending order (a festival ticket, pass or
    bundle), then write the order.

    ``reserve`` runs once the session exists and before the order is written (a festival
    ticket takes its seat there, so no lock is held while the processor is called); when it
    refuses, its error is raised and nothing is written. The caller has already reused or
    closed any open checkout of the viewer for the same title and kind
    (``reuse_open_checkout``); a concurrent tab that won meanwhile gets CheckoutOpenElsewhere.
    """
    try:
        # Called before the order is written: no database lock is held while we wait.
        session = gateway.create_checkout_session(request)
    except PaymentError as exc:
        log.warning("Checkout session for order %s failed: %s", order.public_id, exc.detail)
        if reserve is None and _insert(order):
            raise CheckoutUnavailable(order, exc) from exc
        raise CheckoutUnavailable(order, exc) from exc  # nothing held, nothing written
    if reserve is not None:
        try:
            reserve()
        except ServiceError:
            # Nobody was given the session's address, so nobody can pay it; it expires by
            # itself and its event finds no order. Not expired here: the reservation may hold
            # the database's write lock (SQLite) until the request ends.
            log.info("Order %s not opened; session %s left to expire", order.public_id, session.id)
            raise
    order.checkout_session_id = session.id
    if not _insert(order):
        raise CheckoutOpenElsewhere(
            _("You are already paying for this in another window. Finish or cancel it first.")
        )
    log.info("Order %s pending, session %s", order.public_id, session.id)
    return StartedCheckout(order, session.url)


def reuse_open_checkout(
    gateway: PaymentGateway,
    user: User,
    title: Title,
    kind: OfferKind,
    amount: int,
    currency: str,
    screening_id: int | None = None,
) -> StartedCheckout | None:
    """For festival tickets: the viewer's open checkout for this very screening (see
    ``_open_checkout``); one for another screening of the same film is closed."""
    return _open_checkout(gateway, user, title, kind, amount, currency, screening_id)


def _insert(order: Order) -> bool:
    """Add the pending order; False when the viewer has another open checkout for the title and
    kind (the unique index ``uq_orders_open_checkout`` decides, so two tabs cannot both win)."""
    try:
        with db.session.begin_nested():
            db.session.add(order)
            db.session.flush()
    except IntegrityError:
        return False
    return True


def _expire_quietly(gateway: PaymentGateway, session_id: str) -> None:
    try:
        gateway.expire_checkout_session(session_id)
    except PaymentError as exc:  # it expires on its own at expires_at
        log.warning("Could not expire the redundant session %s: %s", session_id, exc.detail)


def _open_checkout(
    gateway: PaymentGateway,
    user: User,
    title: Title,
    kind: OfferKind,
    amount: int,
    currency: str,
    screening_id: int | None = None,
) -> StartedCheckout | None:
    """The viewer's open checkout for this title and kind, if it can still be used.

    At most one checkout is open per viewer, title and kind, so a second tab cannot pay twice:
    an open session at the same price is handed out again; a paid one leads to its
    confirmation page; an expired one, one at an old price, or an order whose session was
    never created is closed, and the caller starts afresh.
    """
    order = db.session.scalar(
        db.select(Order).filter_by(
            user_id=user.id, title_id=title.id, kind=kind, status=OrderStatus.PENDING
        )
    )
    if order is None:
        return None
    session = None
    if order.checkout_session_id:
        try:
            session = gateway.retrieve_checkout_session(
                order.checkout_session_id, expand_payment=False
            )
        except PaymentError as exc:
            raise CheckoutUnavailable(order, exc) from exc
    if session is not None and session.get("status") == "complete":
        return StartedCheckout(order, public_url_for("checkout.done", public_id=order.public_id))
    same_price = order.amount == amount and order.currency.upper() == currency.upper()
    same_price = same_price and order.screening_id == screening_id  # tickets: same screening
    if session is not None and session.get("status") == "open":
        if same_price and session.get("url"):
            log.info("Order %s: its open checkout is used again", order.public_id)
            return StartedCheckout(order, session["url"])
        _expire_quietly(gateway, session["id"])
    locked = lock_order(order.id)
    if locked is not None and locked.status == OrderStatus.PENDING:
        locked.status = OrderStatus.EXPIRED
        order_closed(locked)
        db.session.flush()
    return None


def _checkout_request(
    order: Order, user: User, title: Title, at: datetime, locale: str | None, *, split_sale: bool
) -> CheckoutRequest:
    if order.kind == OfferKind.RENT:
        name = _("Rent: %(title)s", title=title.name)
        days = ngettext("%(num)d day", "%(num)d days", order.rental_start_days or 0)
        hours = ngettext("%(num)d hour", "%(num)d hours", order.rental_watch_hours or 0)
        # A pre-order's days to start count from the release, not from today.
        description = (
            _(
                "Start watching within %(days)s of the release; then you have %(hours)s to finish.",
                days=days,
                hours=hours,
            )
            if order.preorder
            else _(
                "Start watching within %(days)s; then you have %(hours)s to finish.",
                days=days,
                hours=hours,
            )
        )
    else:
        name = _("Buy: %(title)s", title=title.name)
        description = _("Yours to watch whenever you like.")
        if order.preorder and order.release_at is not None:
            opens = format_datetime(order.release_at, "long")
            description = _(
                "Pre-order: yours to watch whenever you like from %(when)s.", when=opens
            )
    return order_checkout_request(
        order, user, name, description, at, locale, split_sale=split_sale, title=title
    )


def order_checkout_request(  # noqa: PLR0913 - each part is what the processor's page shows
    order: Order,
    user: User,
    name: str,
    description: str,
    at: datetime,
    locale: str | None,
    *,
    split_sale: bool = False,
    title: Title | None = None,
) -> CheckoutRequest:
    """What the processor needs to open its hosted page for ``order`` (any kind of sale)."""
    done = public_url_for("checkout.done", public_id=order.public_id)
    metadata = {"order_id": order.public_id, "kind": order.kind.value}
    if title is not None:
        metadata["title"] = title.slug
    return CheckoutRequest(
        order_ref=order.public_id,
        amount=order.amount,
        currency=order.currency,
        product_name=name,
        product_description=description,
        success_url=done + "?session_id={CHECKOUT_SESSION_ID}",
        cancel_url=public_url_for("checkout.cancel", public_id=order.public_id),
        expires_at=session_expiry(at),
        idempotency_key=f"order-{order.public_id}-checkout",
        customer_email=user.email,
        locale=checkout_locale(locale),
        metadata=metadata,
        automatic_tax=bool(current_app.config.get("STRIPE_AUTOMATIC_TAX")),
        destination_account=order.destination_account_id,
        application_fee=order.application_fee_amount,
        transfer_group=f"order-{order.public_id}" if split_sale else None,
    )
