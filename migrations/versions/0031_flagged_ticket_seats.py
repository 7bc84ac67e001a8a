"""flagged festival tickets from before 0029 that still hold their seat are marked, so the
admin's full refund gives that seat back (once), as it does for tickets flagged since

Revision ID: 0031_flagged_ticket_seats
Revises: 0030_holder_settlement

"""

import logging
import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0031_flagged_ticket_seats"
down_revision = "0030_holder_settlement"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

# Flags whose seat went back when the order was flagged (the store refunds these by itself:
# what the ticket would give is not there to give). Copied, not imported: a migration keeps
# the meaning it had when it was written.
SEAT_GIVEN_BACK = ("duplicate payment", "screening closed", "screening sold out")
# Events that closed a checkout here before its payment arrived: its seat went back then.
CLOSING_EVENTS = ("checkout.session.expired", "checkout.session.async_payment_failed")
PAYING_EVENTS = ("checkout.session.completed", "checkout.session.async_payment_succeeded")
PAID = re.compile(r"paid (\d+) ")

orders = sa.table(
    "orders",
    sa.column("id", sa.Integer()),
    sa.column("public_id", sa.String()),
    sa.column("user_id", sa.Integer()),
    sa.column("title_id", sa.Integer()),
    sa.column("kind", sa.String()),
    sa.column("status", sa.String()),
    sa.column("screening_id", sa.Integer()),
    sa.column("checkout_session_id", sa.String()),
    sa.column("amount", sa.BigInteger()),
    sa.column("amount_refunded", sa.BigInteger()),
    sa.column("flag_reason", sa.Text()),
    sa.column("created_at", sa.DateTime()),
    sa.column("seat_held_for_review", sa.Boolean()),
)
events = sa.table(
    "webhook_events",
    sa.column("type", sa.String()),
    sa.column("payload", sa.JSON()),
    sa.column("received_at", sa.DateTime()),
)


def _session_of(payload) -> str | None:
    found = ((payload or {}).get("data") or {}).get("object") or {}
    return found.get("id") if isinstance(found, dict) else None


# Before 0029 a ticket whose payment did not match its order was flagged and kept the seat its
# checkout held, and nothing gave it back: not the admin's refund either. Such an order still
# holds its seat now, unless its checkout had been closed here before the payment came (then
# the seat went back at the close): an expiry or failure event for its session, or a later
# checkout of the same viewer for the same film, which replaces (closes) an open one. Where
# that cannot be told, the order is left unmarked: a seat kept too long is one seat unsold,
# a seat given back twice is a screening sold beyond its cap.
def upgrade():
    bind = op.get_bind()
    candidates = [
        row
        for row in bind.execute(
            sa.select(orders).where(
                orders.c.status == "flagged",
                orders.c.kind == "ticket",
                orders.c.screening_id.is_not(None),
                orders.c.seat_held_for_review == sa.false(),
            )
        )
        if not (row.flag_reason or "").startswith(SEAT_GIVEN_BACK)
    ]
    if not candidates:
        return
    closed, paid = set(), {}
    for kind, payload, received_at in bind.execute(
        sa.select(events.c.type, events.c.payload, events.c.received_at).where(
            events.c.type.in_(CLOSING_EVENTS + PAYING_EVENTS)
        )
    ):
        session = _session_of(payload)
        if kind in CLOSING_EVENTS:
            closed.add(session)
        elif session not in paid or received_at < paid[session]:
            paid[session] = received_at
    for order in candidates:
        if order.checkout_session_id in closed or _replaced(bind, order, paid):
            continue
        if order.amount_refunded >= min(order.amount, _paid(order)):
            # Refunded in full before this migration: whether the refund gave the seat back
            # (after 0029) or not (before) cannot be told; an operator checks the screening.
            log.warning(
                "Flagged ticket order %s (screening %s) was refunded before its seat was "
                "tracked: check that screening's seat count",
                order.public_id,
                order.screening_id,
            )
            continue
        bind.execute(
            sa.update(orders).where(orders.c.id == order.id).values(seat_held_for_review=True)
        )


def _paid(order) -> int:
    """What the buyer paid, as the flag says it ("paid 500 EUR but the order is for 800 EUR")."""
    found = PAID.match(order.flag_reason or "")
    return int(found.group(1)) if found else order.amount


def _replaced(bind, order, paid: dict) -> bool:
    """A later ticket checkout of the viewer for the film began before this order's payment
    arrived (or, when its arrival is unknown, at all): this order's checkout was closed."""
    later = sa.select(orders.c.id).where(
        orders.c.user_id == order.user_id,
        orders.c.title_id == order.title_id,
        orders.c.kind == "ticket",
        orders.c.id != order.id,
        orders.c.created_at > order.created_at,
    )
    arrived = paid.get(order.checkout_session_id)
    if arrived is not None:
        later = later.where(orders.c.created_at < arrived)
    return bind.execute(later.limit(1)).first() is not None


def downgrade():
    # Nothing to undo: the marks stay meaningful for 0029, and marks set by the store since
    # cannot be told from these.
    pass
