"""Rights holders' payouts: settle an order's holders, and sweep what is still open.

Each gateway call is committed on its own, so a transfer made is recorded even if a later one
fails, and no database lock is held while the processor answers; the idempotency key of each
payout makes a retried job move the money once.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app
from huey import Huey, crontab

from ..extensions import db
from ..jobs import in_app_context, on_worker_start

log = logging.getLogger(__name__)


def settle(order_id: int) -> int:
    """Write the order's holder payouts, then execute each open one; returns how many paid."""
    from ..models import PayoutStatus
    from ..services.payments import payout_execution, payout_queue, transfers
    from ..services.payments.locks import lock_order

    gateway = current_app.extensions["payments"]
    order = lock_order(order_id)
    if order is None:
        return 0
    transfers.sync_order(gateway, order)
    db.session.commit()
    paid = 0
    # PostgreSQL: hold the order's row lock across each call, so two jobs never send the same
    # idempotency key at once (Stripe answers the second with a conflict). SQLite cannot hold
    # a row lock without blocking every writer; there one job's key replays the other's result.
    serialise = db.session.get_bind().dialect.name != "sqlite"
    for payout_id in payout_queue.open_payout_ids(order_id):
        if serialise:
            lock_order(order_id)
        paid += payout_execution.execute_payout(gateway, payout_id) == PayoutStatus.PAID
        db.session.commit()
    return paid


def _sweep() -> int:
    from ..services.payments.payout_queue import orders_to_settle

    order_ids = orders_to_settle()
    db.session.commit()
    for order_id in order_ids:
        try:
            settle(order_id)
        except Exception:  # one order's trouble must not stop the others
            db.session.rollback()
            log.exception("Settling order %s failed", order_id)
    return len(order_ids)


def register_tasks(huey: Huey, app: Flask) -> dict[str, Any]:
    settle_task = huey.task(retries=5, retry_delay=5, name="rights.settle_order")(
        in_app_context(app, settle)
    )
    sweep = huey.periodic_task(crontab(minute="*/5"), name="rights.settle_open_payouts")(
        in_app_context(app, _sweep)
    )
    on_worker_start(app, lambda: sweep())
    return {"rights.settle_order": settle_task, "rights.settle_open_payouts": sweep}
