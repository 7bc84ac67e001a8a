"""Paying rights holders: separate charges and transfers, reversals, amounts owed.

A co-produced title's sale (an order with a split snapshot, see ``services.rights.shares``)
is charged on the platform's own account, its payment carrying ``transfer_group`` =
``order-<public id>``. After fulfilment a job (``rights.settle_order``) brings the order's
holder payouts in line with its ledger rows, in ledger order:

- the sale: each holder's share of the net settlement amount (gross - tax - Stripe's fee -
  platform fee, in the balance transaction's currency), one transfer per holder with
  ``source_transaction`` = the charge, so no transfer outruns the funds;
- a refund: each holder's transfer reversed in proportion to the amount refunded so far (the
  refund that completes the order takes back what is left); Stripe keeps its fee, so the
  platform bears it;
- a dispute opened (Stripe debits the platform then): each holder's remaining share is
  recovered by reversal; the dispute fee is borne by the platform;
- a dispute won (Stripe credits the platform back): what was recovered is transferred again;
- a refund that failed (its amount back on the platform's balance, its rows undone): what it
  took back from each party is transferred again.

A festival ticket charged so pays the festival too: its agreed part of the net comes first
(``promotion.festival_money.festival_split``), the holders divide the rest; its movements are
payouts with causes suffixed ``:festival``, reversed and restored in the same proportion. An
N-film pass charged so pays the festival, then each booking's film (``pass_transfers``).

Every movement is a ``HolderPayout`` row (unique per order, holder and cause) executed with
the idempotency key ``order-<public id>-holder-<studio id>-<cause>``, so a retried job moves
money once. States: pending, held, paid, failed with the processor's reason, netted.

Sale transfers carry ``source_transaction`` (Stripe makes them whatever the available balance,
from the charge's funds). Restores do not: their money is the dispute's credit or the failed
refund's amount, back on the platform's balance, not the charge's, so Stripe pays them from the
available balance and refuses them (``balance_insufficient``) when it is short, e.g. after an
automatic payout. A reversal is refused likewise when the holder's balance cannot cover it
(Stripe reverses a ``transfer_group`` transfer only then), e.g. after the holder's payout.

Held: the movement cannot be made yet, the reason saying why: the holder's account cannot
receive payouts (made when ``account.updated`` says it can), or a balance is short. Every settle
sweep tries held payouts again, and money reaching a holder settles at once the orders whose
reversals from it are held, so what a holder owes back is taken from its next shares as they
arrive. Meanwhile its statement shows the reversal as waiting (negative), beside what it was
really paid, so the two add up to where it stands; once it is taken (or netted) the holder
hears how, once, and its statement says from which share. A restore whose reversal was never
made (a dispute won, or a refund failed, while the reversal was held) is netted with it:
neither moves money, so the holder, which kept its share, is not paid it twice. A restore
waits instead when its reversal is partly made or was tried without an answer.

What the holder's own balance moved is recorded on each payout made (``holder_*``): Stripe's
destination payment (or the refund of it, for a reversal) on the connected account, in its
settlement currency with Stripe's rate; the holder is shown that, beside the amount sent.
Offline test payments emulate the transfers. With Stripe but without Connect the same
amounts are recorded as owed, and the operator records manual payouts.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app

from ...adapters.payments import PaymentGateway
from ...extensions import db
from ...jobs import defer
from ...models import (
    EntryType,
    HolderPayout,
    LedgerEntry,
    Order,
    PayoutKind,
    PayoutStatus,
)
from ...models.ledger import REFUND_TYPES, SALE_TYPES
from ..rights.shares import (
    FESTIVAL,
    SALE,
    has_split,
    record_order_shares,
)
from .connect import connect_enabled
from .fees import platform_fee, share
from .holder_ledger import write_holder_payout
from .pass_transfers import add_bookings, booked_after, booking_title_id

log = logging.getLogger(__name__)
SETTLE_TASK = "rights.settle_order"
OPEN = (PayoutStatus.PENDING, PayoutStatus.HELD)
OPENED = (EntryType.DISPUTE, EntryType.PLATFORM_DISPUTE)
WON = (EntryType.DISPUTE_WON, EntryType.PLATFORM_DISPUTE_WON)


def transfer_group(order: Order) -> str:
    return f"order-{order.public_id}"


def payout_mode(gateway: PaymentGateway) -> str:
    """``emulated`` (offline test payments), ``connect`` (transfers) or ``owed`` (by hand)."""
    if gateway.name == "offline":
        return "emulated"
    return "connect" if connect_enabled() else "owed"


def order_changed(order: Order | None) -> None:
    """After a payment event changed ``order``: settle its holders once the work commits."""
    if order is not None and has_split(order.id):
        defer(db.session, SETTLE_TASK, order.id)


def distributable(gateway: PaymentGateway, order: Order, sale: LedgerEntry) -> tuple[int, str]:
    """What the sale really brought in, in the settlement currency of its balance transaction."""
    currency = (sale.settlement_currency or order.currency).upper()
    settled_net = sale.settlement_net if sale.settlement_net is not None else sale.net
    stated = getattr(sale, "settlement_amount", None)  # on rows that carry it
    if stated is not None:
        settled_gross = int(stated)
    elif currency == order.currency.upper():
        settled_gross = sale.gross
    else:  # Stripe's own conversion of this charge, never a rate of ours
        txn = gateway.retrieve_balance_transaction(sale.balance_transaction_id or "")
        settled_gross = int(txn["amount"])
    tax = share(sale.tax, sale.gross, settled_gross)
    fee = 0
    if payout_mode(gateway) != "owed":
        config = current_app.config
        fee = platform_fee(
            settled_gross,
            currency,
            config.get("PLATFORM_FEE_PERCENT"),
            config.get("PLATFORM_FEE_FIXED"),
        )
    return settled_net - tax - fee, currency


def _ledger_rows(order: Order) -> list[LedgerEntry]:
    kinds = (*SALE_TYPES, *REFUND_TYPES, *OPENED, *WON)
    return list(
        db.session.scalars(
            sa.select(LedgerEntry)
            .where(LedgerEntry.order_id == order.id, LedgerEntry.entry_type.in_(kinds))
            .order_by(LedgerEntry.id)
        )
    )


def payouts_of(order_id: int) -> list[HolderPayout]:
    return list(
        db.session.scalars(
            sa.select(HolderPayout)
            .where(HolderPayout.order_id == order_id)
            .order_by(HolderPayout.id)
        )
    )


def continued_cause(cause: str, part: int) -> str:
    """The cause of part ``part`` of a reversal that no single transfer can bear (it is made
    from several): ``refund:re_1:festival`` -> ``refund:re_1/2:festival``."""
    head, _, rest = cause.partition(":")
    ident, colon, tail = rest.partition(":")
    return f"{head}:{ident}/{part}{colon}{tail}"


def whole_cause(cause: str) -> str | None:
    """The movement a continued part belongs to (None for a whole movement)."""
    head, _, rest = cause.partition(":")
    ident, colon, tail = rest.partition(":")
    if "/" not in ident:
        return None
    return f"{head}:{ident.split('/', 1)[0]}{colon}{tail}"


class Movements:
    """The order's payouts by (holder, cause), adding the missing ones. A movement made in
    parts (``continued_cause``) counts as one, its amount the sum of its parts."""

    def __init__(self, order: Order, currency: str, status: PayoutStatus) -> None:
        self.order, self.currency, self.status = order, currency, status
        self.rows: dict[tuple[int | None, str], HolderPayout] = {}
        self.parts: dict[tuple[int | None, str], int] = {}
        for p in payouts_of(order.id):
            whole = whole_cause(p.cause)
            if whole is None:
                self.rows[(p.studio_id, p.cause)] = p
            else:
                self.parts[(p.studio_id, whole)] = (
                    self.parts.get((p.studio_id, whole), 0) + p.amount
                )

    def amount_of(self, studio_id: int | None, cause: str) -> int | None:
        """The whole amount of a stored movement, or None if there is none."""
        existing = self.rows.get((studio_id, cause))
        if existing is None:
            return None
        return existing.amount + self.parts.get((studio_id, cause), 0)

    def ensure(self, studio_id: int | None, cause: str, kind: PayoutKind, amount: int) -> int:
        """The amount of the movement (the stored one if it exists)."""
        stored = self.amount_of(studio_id, cause)
        if stored is not None:
            return stored
        if amount == 0:
            return 0
        row = HolderPayout(
            order_id=self.order.id,
            studio_id=studio_id,
            title_id=self.order.title_id or booking_title_id(cause),
            kind=kind,
            cause=cause,
            amount=amount,
            currency=self.currency,
            status=self.status,
        )
        db.session.add(row)
        self.rows[(studio_id, cause)] = row
        return amount


def _parties(
    gateway: PaymentGateway, order: Order, sale: LedgerEntry, status: PayoutStatus
) -> tuple[Movements, dict[tuple[int | None, str], int]]:
    """Each party's whole part of the sale, keyed by (studio, cause suffix): the festival's
    agreed part of a festival ticket first (``festival_split``), then the holders' shares of
    what is left. The net is divided once, so no party bears another's part."""
    from ..promotion.festival_money import festival_split  # festivals build on payments

    net, currency = distributable(gateway, order, sale)
    festival = festival_split(order, net)
    holders_net = festival.remainder if festival is not None else net
    shares = record_order_shares(order, holders_net, currency, status=status)
    moves = Movements(order, shares[0].currency, status)
    parts = {(p.studio_id, ""): p.amount for p in shares}
    if festival is not None:
        sid = festival.festival_studio_id
        amount = moves.ensure(sid, SALE + FESTIVAL, PayoutKind.TRANSFER, festival.festival_part)
        parts[(sid, FESTIVAL)] = amount
    return moves, parts


def sync_order(gateway: PaymentGateway, order: Order) -> list[HolderPayout]:
    """Write the payouts the order's ledger calls for (idempotent): the holders' and, for a
    festival ticket, the festival's, each taken back in the same proportion."""
    if not has_split(order.id):
        return []
    rows = _ledger_rows(order)
    sale = next((r for r in rows if r.entry_type in SALE_TYPES), None)
    if sale is None:
        return []
    status = PayoutStatus.OWED if payout_mode(gateway) == "owed" else PayoutStatus.PENDING
    moves, share_of = _parties(gateway, order, sale, status)
    if order.pass_id is not None:
        add_bookings(order, moves, share_of)  # each booked film: one more party
    balance = dict(share_of)
    refund_back = dict.fromkeys(share_of, 0)
    taken: dict[str, dict[tuple[int | None, str], int]] = {}
    refunded = 0
    since: dict[tuple[int | None, str], int] = {}  # refunded before a pass booking was paid
    for row in rows:
        if row.entry_type in REFUND_TYPES and row.gross > 0:
            # A refund that failed (``refund_failures``): each party gets back what it took.
            refunded -= row.gross
            for key in share_of:
                took = moves.amount_of(key[0], f"refund:{row.refund_id or row.id}{key[1]}")
                cause = f"refund_failed:{row.refund_id or row.id}{key[1]}"
                back = moves.ensure(key[0], cause, PayoutKind.RESTORE, -(took or 0))
                refund_back[key] -= back
                balance[key] += back
        elif row.entry_type in REFUND_TYPES:
            refunded += -row.gross
            cause = f"refund:{row.refund_id or row.id}"
            for key, whole in share_of.items():
                if booked_after(order, moves, key, cause):
                    since[key] = refunded  # the festival bore it alone
                    continue
                part = share(refunded - since.get(key, 0), order.amount, whole)
                target = whole if refunded >= order.amount else part
                amount = min(max(target - refund_back[key], 0), balance[key])
                amount = -moves.ensure(key[0], cause + key[1], PayoutKind.REVERSAL, -amount)
                refund_back[key] += amount
                balance[key] -= amount
        elif row.entry_type in OPENED and row.dispute_id:
            cause = f"dispute:{row.dispute_id}"
            disputed = -row.gross
            taken[row.dispute_id] = {}
            for key, whole in share_of.items():
                if booked_after(order, moves, key, cause):
                    continue
                everything = disputed >= order.amount - refunded
                amount = balance[key] if everything else share(disputed, order.amount, whole)
                amount = -moves.ensure(
                    key[0], cause + key[1], PayoutKind.REVERSAL, -min(amount, balance[key])
                )
                taken[row.dispute_id][key] = amount
                balance[key] -= amount
        elif row.entry_type in WON and row.dispute_id:
            cause = f"dispute_won:{row.dispute_id}"
            for key in share_of:
                back = taken.get(row.dispute_id, {}).get(key, 0)
                balance[key] += moves.ensure(key[0], cause + key[1], PayoutKind.RESTORE, back)
    db.session.flush()
    if status == PayoutStatus.OWED:
        _book_owed(gateway, order)
    return payouts_of(order.id)


def _book_owed(gateway: PaymentGateway, order: Order) -> None:
    """Single-account mode: an amount owed is the party's from the moment it is owed, so each
    one is booked when written (the party's row and the operator's side of it). Paying it by
    hand later changes its state only: the ledger already counts it, once."""
    booked = set(
        db.session.scalars(
            sa.select(LedgerEntry.source_event_id).where(
                LedgerEntry.order_id == order.id, LedgerEntry.source_event_id.like("payout:%")
            )
        )
    )
    for payout in payouts_of(order.id):
        if payout.status == PayoutStatus.OWED and f"payout:{payout.id}" not in booked:
            write_holder_payout(order, payout, gateway.name)
