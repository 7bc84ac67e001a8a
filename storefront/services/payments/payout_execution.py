"""Moving one holder payout's money: a transfer to the holder's connected account, or a
reversal taken from the transfer it belongs to (see ``transfers`` for which payouts exist).

A payout is executed with the idempotency key ``order-<public id>-holder-<studio id>-<cause>``
so a retried job moves money once; a payout that cannot be made yet (the holder cannot receive
money, or a balance is short) is held, and a restore of a reversal never made is netted.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

from ...adapters.payments import (
    InsufficientBalance,
    InvalidPaymentRequest,
    PaymentError,
    PaymentGateway,
)
from ...extensions import db
from ...jobs import defer
from ...models import HolderPayout, Order, PayoutKind, PayoutStatus, Studio, utcnow
from ..accounts.notifications import studio_mails
from ..rights.shares import is_festival_cause
from .holder_ledger import write_holder_payout
from .payout_queue import holder_funded
from .settlement import Obj, settlement_of
from .transfers import (
    OPEN,
    SETTLE_TASK,
    continued_cause,
    payout_mode,
    payouts_of,
    transfer_group,
    whole_cause,
)

log = logging.getLogger(__name__)


def destination(studio: Studio | None, mode: str) -> str | None:
    """Where a holder's money goes, or None while it cannot receive it (held)."""
    if studio is None:
        return None
    if mode == "emulated":
        return f"acct_offline_{studio.id}"
    if studio.stripe_account_id and studio.payouts_enabled:
        return studio.stripe_account_id
    return None


def _idempotency_key(order: Order, payout: HolderPayout) -> str:
    return f"order-{order.public_id}-holder-{payout.studio_id}-{payout.cause}"


def _transfers_left(payout: HolderPayout) -> list[tuple[HolderPayout, int]]:
    """The holder's paid transfers of this order (its own side: a festival that also holds
    the title takes each reversal from its own), newest first, each with what is left of it."""
    moves = payouts_of(payout.order_id)
    festival = is_festival_cause(payout.cause)
    mine = [
        m
        for m in moves
        if m.studio_id == payout.studio_id and is_festival_cause(m.cause) == festival
    ]
    left = []
    for transfer in reversed([m for m in mine if m.kind != PayoutKind.REVERSAL]):
        if transfer.status != PayoutStatus.PAID or not transfer.transfer_id:
            continue
        reversed_ = -sum(
            m.amount
            for m in mine
            if m.kind == PayoutKind.REVERSAL
            and m.transfer_id == transfer.transfer_id
            and m.status == PayoutStatus.PAID
        )
        left.append((transfer, transfer.amount - reversed_))
    return left


def _reversible_transfer(payout: HolderPayout) -> HolderPayout | None:
    """The transfer to take ``payout`` back from. When no one transfer holds that much (a
    restore paid a new one beside what is left of the first), the payout is cut: this part
    takes all that is left of the newest transfer holding some, a new part the rest (Stripe
    refuses reversing more than is left of a transfer)."""
    need = -payout.amount
    left = _transfers_left(payout)
    for transfer, available in left:
        if available >= need:
            return transfer
    transfer, available = next(((t, a) for t, a in left if a > 0), (None, 0))
    if transfer is None:
        return None
    siblings = [m for m in payouts_of(payout.order_id) if m.studio_id == payout.studio_id]
    part = 1 + sum(1 for m in siblings if m.cause.startswith(payout.cause))
    db.session.add(
        HolderPayout(
            order_id=payout.order_id,
            studio_id=payout.studio_id,
            title_id=payout.title_id,
            kind=PayoutKind.REVERSAL,
            cause=continued_cause(payout.cause, part),
            amount=-(need - available),
            currency=payout.currency,
            status=PayoutStatus.PENDING,
        )
    )
    payout.amount = -available
    defer(db.session, SETTLE_TASK, payout.order_id)  # the new part, once this one is made
    return transfer


def _record_holder_side(payout: HolderPayout, txn: Obj | None) -> None:
    """What the holder's own balance moved: its balance transaction as stated (a NOK account
    receiving EUR moved NOK), or, for an account with no balance of its own, the amount sent."""
    if txn is None:
        payout.holder_currency, payout.holder_amount = payout.currency, payout.amount
        payout.holder_exchange_rate = payout.holder_balance_transaction_id = None
        return
    own = settlement_of(txn)
    payout.holder_currency = (own.currency or "").upper() or None
    payout.holder_amount, payout.holder_exchange_rate = own.net, own.exchange_rate
    payout.holder_balance_transaction_id = own.balance_transaction_id


UNDOES = {"dispute_won": "dispute", "refund_failed": "refund"}


def _undone(payout: HolderPayout) -> list[HolderPayout]:
    """The reversal (all its parts) a restore gives back: ``dispute_won:du_1`` gives back
    ``dispute:du_1``, ``refund_failed:re_1:festival`` gives back ``refund:re_1:festival``."""
    head, _, rest = payout.cause.partition(":")
    if payout.kind != PayoutKind.RESTORE or head not in UNDOES:
        return []
    cause = f"{UNDOES[head]}:{rest}"
    return [
        m
        for m in payouts_of(payout.order_id)
        if m.studio_id == payout.studio_id and cause in (m.cause, whole_cause(m.cause))
    ]


def _net_against_reversal(payout: HolderPayout) -> bool:
    """A restore whose reversal was never made moves nothing: both are netted (the holder
    kept the money, it must not get it twice). One whose reversal is partly made, or was
    tried without an answer, waits for it. True when the restore is not to be made now."""
    taken = _undone(payout)
    if not taken or all(m.status == PayoutStatus.PAID for m in taken):
        return False
    tried = any(m.status == PayoutStatus.PENDING and m.attempts for m in taken)
    if tried or any(m.status == PayoutStatus.PAID for m in taken):
        return True  # an unanswered attempt may have been made: its retry tells
    for row in [*taken, payout]:
        row.status, row.failure_reason = PayoutStatus.NETTED, None
        row.completed_at = utcnow()
    for row in taken:
        studio_mails.reversal_settled(row)  # a holder told it owed this hears it no longer does
    log.info("Payout %s netted against its reversal, never made", payout.id)
    return True


def _covering_share(payout: HolderPayout) -> int | None:
    """The share paid to the holder since it owed ``payout`` (the newest, in its currency)
    whose arrival let its balance cover it; None when none did (other money did)."""
    if payout.owed_since is None:
        return None
    return db.session.scalar(
        sa.select(HolderPayout.id)
        .where(
            HolderPayout.studio_id == payout.studio_id,
            HolderPayout.currency == payout.currency,
            HolderPayout.kind != PayoutKind.REVERSAL,
            HolderPayout.status == PayoutStatus.PAID,
            HolderPayout.completed_at >= payout.owed_since,
        )
        .order_by(HolderPayout.completed_at.desc(), HolderPayout.id.desc())
        .limit(1)
    )


def execute_payout(gateway: PaymentGateway, payout_id: int) -> PayoutStatus | None:
    """Move one pending or held payout's money; the caller commits after each call."""
    payout = db.session.get(HolderPayout, payout_id, populate_existing=True)
    if payout is None or payout.status not in OPEN:
        return None
    order = db.session.get(Order, payout.order_id)
    assert order is not None
    if _net_against_reversal(payout):
        return payout.status
    target = destination(payout.studio, payout_mode(gateway))
    # A reversal takes money back from a transfer already made and needs no destination: a
    # holder whose payouts Stripe disabled since is still debited when its buyer is refunded.
    # Only one whose transfer is itself held (not made yet) waits with it.
    transfer = _reversible_transfer(payout) if payout.kind == PayoutKind.REVERSAL else None
    if target is None and transfer is None:
        payout.status = PayoutStatus.HELD
        return payout.status
    metadata = {"order_id": order.public_id, "cause": payout.cause}
    key = _idempotency_key(order, payout)
    try:
        if payout.kind == PayoutKind.REVERSAL:
            if transfer is None:
                return payout.status  # its transfer is not paid yet: reversed after it
            result = gateway.create_transfer_reversal(
                transfer.transfer_id or "", amount=-payout.amount, idempotency_key=key,
                metadata=metadata,
            )  # fmt: skip
            payout.transfer_id, payout.reversal_id = transfer.transfer_id, result["id"]
        else:
            result = gateway.create_transfer(
                amount=payout.amount,
                currency=payout.currency,
                destination=target or "",
                # A restore is paid from the dispute's credit, not from the charge.
                source_transaction=order.charge_id if payout.kind == PayoutKind.TRANSFER else None,
                transfer_group=transfer_group(order),
                idempotency_key=key,
                metadata=metadata,
            )
            payout.transfer_id = result["id"]
    except InsufficientBalance as exc:
        # A balance is short now (the holder's, for a reversal; the platform's available one,
        # for a restore): the movement waits, held with the reason, and every settle sweep
        # tries it again, so nothing is dropped and nothing is made twice (same key).
        payout.attempts += 1
        payout.status = PayoutStatus.HELD
        payout.failure_reason = (exc.detail or str(exc))[:500]
        log.warning("Payout %s held: %s", payout.id, payout.failure_reason)
        if payout.kind == PayoutKind.REVERSAL and payout.owed_since is None:
            payout.owed_since = utcnow()  # the holder owes it until its balance covers it
        studio_mails.reversal_held(payout)  # a holder owing money back hears it, once
        return payout.status
    except InvalidPaymentRequest as exc:
        payout.attempts += 1
        payout.status = PayoutStatus.FAILED
        payout.failure_reason = (exc.detail or str(exc))[:500]
        log.error("Payout %s failed: %s", payout.id, payout.failure_reason)
        if payout.studio is not None:
            # The holder hears why its share did not arrive; each failed attempt is one mail.
            studio_mails.money_failed(
                payout.studio,
                f"payout-{payout.id}-{payout.attempts}",
                abs(payout.amount),
                payout.currency,
                payout.failure_reason,
            )
        return payout.status
    except PaymentError as exc:  # unreachable or busy: stays pending, retried later
        payout.attempts += 1
        payout.failure_reason = (exc.detail or str(exc))[:500]
        log.warning("Payout %s not made yet: %s", payout.id, payout.failure_reason)
        return payout.status
    account = target or (payout.studio.stripe_account_id if payout.studio else None)
    try:
        txn = result.get("balance_transaction")
        if isinstance(txn, str):
            txn = gateway.retrieve_balance_transaction(txn)
        own = gateway.destination_balance_transaction(account, result) if account else None
    except PaymentError as exc:  # the money moved; its record is read again on the retry
        payout.attempts += 1
        payout.failure_reason = (exc.detail or str(exc))[:500]
        log.warning("Payout %s made, not read yet: %s", payout.id, payout.failure_reason)
        return payout.status
    _record_holder_side(payout, own)
    stated = settlement_of(txn)
    payout.balance_transaction_id = stated.balance_transaction_id
    payout.settlement_currency = (stated.currency or "").upper() or None
    payout.settlement_amount, payout.settlement_fee = stated.amount, stated.fee
    payout.settlement_net, payout.exchange_rate = stated.net, stated.exchange_rate
    payout.status = PayoutStatus.PAID
    payout.failure_reason = None
    payout.attempts += 1
    payout.completed_at = utcnow()
    write_holder_payout(order, payout, gateway.name)
    if payout.owed_since is not None:  # what the holder owed is taken: it hears how, once
        payout.settled_from_id = _covering_share(payout)
        studio_mails.reversal_settled(payout)
    if payout.kind != PayoutKind.REVERSAL and payout.studio_id is not None:
        holder_funded(payout.studio_id)  # its held reversals may be covered now
    return payout.status
