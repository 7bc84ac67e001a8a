"""Selling festival tickets and passes through the store's one checkout, and what the payment
events do to them (and to studio bundles): a paid ticket becomes an entitlement, a paid pass a
holding, a paid bundle one entitlement per title, a failed or expired ticket order gives its
held seat back, a refund revokes and frees unstarted seats.

Called by ``payments.fulfilment`` and ``payments.refunds`` for festival orders, so webhooks,
expiry, refunds, the ledger and reports stay one path for every kind of sale.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from ...adapters.payments import PaymentGateway
from ...extensions import db
from ...models import (
    Entitlement,
    EntitlementStatus,
    FestivalPass,
    OfferKind,
    Order,
    OrderStatus,
    PassKind,
    Screening,
    User,
    utcnow,
)
from ..payments.checkout import (
    AlreadyHasAccess,
    StartedCheckout,
    open_checkout,
    order_checkout_request,
    payee_terms,
    reuse_open_checkout,
)
from ..payments.connect import connect_enabled
from ..payments.orders import grant_entitlement
from ..rights.shares import snapshot_sole_payee, snapshot_split
from ..rights.splits import split_in_force
from ..watching.access import gives_access
from ..watching.library import ItemState, state_of
from .festival_money import reverse_pass_allocations
from .passes import grant_holding, pass_availability, revoke_holding
from .preorders import follow_release
from .screenings import (
    NotOnSale,
    SoldOut,
    is_sold_out,
    live_film_ends,
    release_seat,
    screening_availability,
    stops_starting,
    take_seat,
    ticket_entitlement,
    unstarted_tickets,
)

log = logging.getLogger(__name__)
# The flag of a ticket paid for after its screening closed to starting (refunded by itself).
SCREENING_CLOSED = "screening closed"
# The flag of a ticket paid for after its held seat went back and the last seat was sold.
SOLD_OUT = "screening sold out"


def ticket_of(user_id: int, screening_id: int) -> Entitlement | None:
    """The viewer's ticket for a screening that still gives access, if any."""
    now = utcnow()
    for entitlement in db.session.scalars(
        sa.select(Entitlement).where(
            Entitlement.user_id == user_id, Entitlement.screening_id == screening_id
        )
    ):
        if entitlement.status == EntitlementStatus.ACTIVE and (
            gives_access(entitlement, now) or entitlement.started_at is None
        ):
            return entitlement
    return None


def ticket_states(user_id: int, screening_ids: Iterable[int], at: datetime) -> dict[int, ItemState]:
    """What each ticket the viewer holds (bought, or booked with a pass) lets them do at
    ``at``, by screening, in the library's terms (the one rule playback follows): watch, wait
    for the window or the live start, or nothing more (the live film has ended, the screening
    closed before it was started). Screenings without such a ticket are left out."""
    states = {}
    for screening_id in screening_ids:
        ticket = ticket_of(user_id, screening_id)
        if ticket is not None:
            states[screening_id] = state_of(ticket, at)
    return states


def start_ticket_checkout(
    gateway: PaymentGateway,
    user: User,
    screening: Screening,
    country: str | None,
    at: datetime,
    *,
    locale: str | None = None,
) -> StartedCheckout:
    """A pending ticket order holding one seat, and its Checkout Session.

    The seat is taken after the processor's session exists (no lock is held while it is
    called) and before the order is written; a buyer who finds the last seat gone gets
    SoldOut and the session is expired.
    """
    if ticket_of(user.id, screening.id) is not None:
        raise AlreadyHasAccess(
            _("You already have a ticket for this screening."), ticket_of(user.id, screening.id)
        )  # type: ignore[arg-type]
    availability = screening_availability(screening, country, at)
    option = availability.option(OfferKind.TICKET)
    if option is None:
        raise NotOnSale(
            _("Tickets for this screening cannot be bought here and now."), availability
        )
    title = screening.title
    # A checkout the viewer left open for this screening is handed out again (its seat is
    # already held); one for another screening of the film is closed and its seat given back.
    reused = reuse_open_checkout(
        gateway, user, title, OfferKind.TICKET, option.amount, option.currency, screening.id
    )
    if reused is not None:
        return reused
    if is_sold_out(screening):
        raise SoldOut(_("This screening is sold out."))
    # A co-produced film's holders divide the filmmaker's remainder (its split for rentals:
    # a ticket is a rental of one screening), paid by transfers from the platform. With
    # Connect every ticket with a festival share is charged so: a destination charge pays one
    # account, and the festival must be paid on its own (its part by transfer, like holders).
    share_bp = screening.selection.share_bp
    split = bool(split_in_force(title, country, OfferKind.RENT)) or (
        connect_enabled() and bool(share_bp)
    )
    destination, fee = payee_terms(title.studio, option.amount, option.currency, split=split)
    festival = screening.festival
    order = Order(
        public_id=str(uuid.uuid4()),
        user_id=user.id,
        title_id=title.id,
        studio_id=title.studio_id,
        kind=OfferKind.TICKET,
        amount=option.amount,
        currency=option.currency.upper(),
        country=country,
        title_name=title.name,
        studio_name=title.studio.name,
        rental_watch_hours=screening.watch_hours,
        status=OrderStatus.PENDING,
        provider=gateway.name,
        destination_account_id=destination,
        application_fee_amount=fee,
        amount_refunded=0,
        festival_id=festival.id,
        screening_id=screening.id,
        festival_share_bp=share_bp,
    )
    request = order_checkout_request(
        order,
        user,
        _("Ticket: %(title)s at %(festival)s", title=title.name, festival=festival.name),
        _("Live screening: everyone watches together, and it ends when the film ends.")
        if live_film_ends(screening) is not None
        else ngettext(
            "Start watching before the screening closes; then you have %(num)d hour to finish.",
            "Start watching before the screening closes; then you have %(num)d hours to finish.",
            screening.watch_hours,
        ),
        at,
        locale,
        split_sale=split,
    )
    started = open_checkout(gateway, order, request, reserve=lambda: take_seat(screening.id))
    if split:
        snapshot_split(order, title, kind=OfferKind.RENT, sole_owner=True)
    return started


def start_pass_checkout(
    gateway: PaymentGateway,
    user: User,
    festival_pass: FestivalPass,
    country: str | None,
    at: datetime,
    *,
    locale: str | None = None,
) -> StartedCheckout:
    """A pending pass order and its Checkout Session; the festival's studio is paid."""
    availability = pass_availability(festival_pass, country, at)
    option = availability.option(OfferKind.PASS)
    if option is None:
        raise NotOnSale(_("This pass cannot be bought here and now."), availability)
    festival = festival_pass.festival
    # With Connect an N-film pass is charged on the platform: the festival is paid its net by
    # transfer, and each booking pays the booked film's part by transfer from the same charge
    # (``payments.transfers``). An all-access pass pays no film: the festival is paid directly.
    split = connect_enabled() and festival_pass.kind == PassKind.FILMS
    destination, fee = payee_terms(festival.studio, option.amount, option.currency, split=split)
    order = Order(
        public_id=str(uuid.uuid4()),
        user_id=user.id,
        title_id=None,
        studio_id=festival.studio_id,
        kind=OfferKind.PASS,
        amount=option.amount,
        currency=option.currency.upper(),
        country=country,
        title_name=f"{festival.name}: {festival_pass.name}"[:200],
        studio_name=festival.studio.name,
        status=OrderStatus.PENDING,
        provider=gateway.name,
        destination_account_id=destination,
        application_fee_amount=fee,
        amount_refunded=0,
        festival_id=festival.id,
        pass_id=festival_pass.id,
    )
    request = order_checkout_request(
        order,
        user,
        _("Pass: %(name)s", name=order.title_name),
        _("Book screenings of the festival with it, while seats last."),
        at,
        locale,
        split_sale=split,
    )
    started = open_checkout(gateway, order, request)
    if split:
        snapshot_sole_payee(order, festival.studio)
    return started


# -- what payment events do ---------------------------------------------------------------


def grant_for(order: Order, paid_at: datetime) -> Entitlement | None:
    """What a paid order gives: a ticket, a pass, a bundle's titles, or the ordinary
    entitlement; returns the one entitlement the receipt describes (None for several)."""
    if order.kind == OfferKind.TICKET and order.screening_id is not None:
        screening = db.session.get(Screening, order.screening_id)
        assert screening is not None
        return ticket_entitlement(order, screening, paid_at, order.country)
    if order.kind == OfferKind.PASS and order.pass_id is not None:
        grant_holding(order, paid_at)
        return None
    if order.kind == OfferKind.BUNDLE and order.bundle_id is not None:
        from .bundles import grant_bundle  # bundles build on this module's checkout

        grant_bundle(order, paid_at)
        return None
    entitlement = grant_entitlement(order, paid_at)
    if order.preorder:
        follow_release(order, entitlement, paid_at)
    return entitlement


def closed_before_payment(order: Order, at: datetime) -> str | None:
    """Why a ticket order paid at ``at`` cannot be fulfilled, or None: the organiser moved or
    closed its screening while the buyer paid, and it has closed to starting (a ticket for a
    screening moved later simply follows the new window, see ``ticket_entitlement``)."""
    if order.kind != OfferKind.TICKET or order.screening_id is None:
        return None
    screening = db.session.get(Screening, order.screening_id)
    if screening is None or stops_starting(screening) > at:
        return None
    return (
        f"{SCREENING_CLOSED}: screening {screening.id} closed to starting at "
        f"{stops_starting(screening).isoformat()}, before the payment arrived; refunded "
        "automatically"
    )


def retake_seat(order: Order) -> str | None:
    """A ticket order was closed here while its buyer paid (a second tab replaced its
    checkout as the payment went through), and its seat went back on sale then: the seat is
    taken again. Why the ticket cannot be delivered (every seat sold meanwhile), or None."""
    if order.kind != OfferKind.TICKET or order.screening_id is None:
        return None
    try:
        take_seat(order.screening_id)
    except SoldOut:
        return (
            f"{SOLD_OUT}: the seat held for screening {order.screening_id} was sold while the "
            "payment arrived; refunded automatically"
        )
    return None


def order_closed(order: Order) -> None:
    """A pending order failed or expired: its held seat goes back on sale."""
    if order.kind == OfferKind.TICKET and order.screening_id is not None:
        release_seat(order.screening_id)
        log.info(
            "Order %s closed: seat of screening %s released", order.public_id, order.screening_id
        )


def payment_held(order: Order) -> None:
    """A pending ticket order's payment is held for an admin (flagged): it keeps its seat
    while the admin checks it (``held_payment_refunded`` gives it back)."""
    if order.kind == OfferKind.TICKET and order.screening_id is not None:
        order.seat_held_for_review = True


def held_payment_refunded(order: Order) -> None:
    """A held (flagged) order has been given back in full: the seat it held goes back on sale.
    Safe to call again: only the call that clears the order's mark gives the seat back."""
    if order.screening_id is None:
        return
    cleared = db.session.execute(
        sa.update(Order)
        .where(Order.id == order.id, Order.seat_held_for_review.is_(True))
        .values(seat_held_for_review=False)
        .execution_options(synchronize_session="fetch")
    )
    if cleared.rowcount == 1:
        release_seat(order.screening_id)
        log.info("Held order %s refunded: seat released", order.public_id)


def order_refunded(order: Order) -> None:
    """A festival or bundle order just became fully refunded (called once): every entitlement
    it granted is revoked, the seats of tickets never started go back on sale, and a pass is
    revoked."""
    for entitlement in unstarted_tickets(order):
        if entitlement.screening_id:
            release_seat(entitlement.screening_id)
    for entitlement in db.session.scalars(
        sa.select(Entitlement).where(Entitlement.order_id == order.id)
    ):
        entitlement.status = EntitlementStatus.REVOKED
    if order.kind == OfferKind.PASS:
        revoke_holding(order)
        reverse_pass_allocations(order)


def where_to_book_again(
    screening_ids: list[int], country: str | None, at: datetime
) -> dict[int, tuple[str, bool]]:
    """For festival tickets the viewer no longer holds (refunded): each screening's festival
    (its slug) and whether a ticket for that screening can be bought again here and now; if
    not (closed, sold out, not sold here), the festival's programme is the way back."""
    found = db.session.scalars(sa.select(Screening).where(Screening.id.in_(screening_ids)))
    return {
        s.id: (
            s.festival.slug,
            screening_availability(s, country, at).is_available and not is_sold_out(s),
        )
        for s in found
    }
