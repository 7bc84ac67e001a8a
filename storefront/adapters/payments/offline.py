"""Offline test payments: the embedded default when no Stripe keys are configured.

A clearly labelled TEST checkout page served by the app itself stands in for Stripe's hosted
page. Paying there creates the objects Stripe would (payment intent, charge, balance
transaction; refunds later) in a small SQLite file of its own, and signed events shaped like
Stripe's; ``notify(event_id)`` hands each event to the app, which delivers it through the very
same verification and fulfilment code as a Stripe webhook. No money moves. Refused in
production (storefront.config.check_config).

The fake processing fee, so the ledger is exercised as with Stripe: 2.9 % of the amount
(rounded half up) plus 0.30 of the currency for two-decimal currencies, 0 for zero-decimal
ones (JPY) and 0.300 for three-decimal ones (KWD). Refunds keep the fee, as Stripe does.
Connect accounts are not emulated; transfers to rights holders are (offline_transfers).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from babel.numbers import get_currency_precision

from . import signing
from .base import (
    SESSION_PAYMENT_EXPANSIONS,
    CheckoutRequest,
    CheckoutSession,
    InvalidPaymentRequest,
    Obj,
    parse_event,
)
from .offline_store import SCHEMA, Store, empty_list, new_id, public
from .offline_transfers import OfflineTransfers

FEE_PERCENT = Decimal("2.9")


def offline_fee(amount: int, currency: str) -> int:
    """The documented fake processing fee for ``amount`` minor units of ``currency``."""
    digits = get_currency_precision(currency.upper())
    fixed = 30 * 10 ** (digits - 2) if digits >= 2 else 0
    percent = (Decimal(amount) * FEE_PERCENT / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return min(amount, int(percent) + fixed)


class OfflineGateway(OfflineTransfers):
    """Test payments without a processor (see the module docstring)."""

    name = "offline"
    supports_connect = False

    def redirect_origins(self) -> list[str]:
        """The test checkout page is the store's own."""
        return []

    def __init__(
        self,
        path: str | Path,
        webhook_secret: str,
        *,
        page_url: Callable[[str], str],
        notify: Callable[[str], None] | None = None,
    ) -> None:
        self.path = str(path)
        self._secret = webhook_secret
        self._page_url = page_url
        self.notify = notify
        self._init_lock = threading.Lock()
        self._ready = False

    # -- storage --------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        conn.row_factory = sqlite3.Row
        if not self._ready:
            with self._init_lock:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(SCHEMA)
                self._ready = True
        return conn

    @contextmanager
    def _tx(self) -> Iterator[Store]:
        """One write transaction; events it emits are announced after it commits."""
        conn = self._connect()
        tx = Store(conn)
        try:
            conn.execute("BEGIN IMMEDIATE")
            yield tx
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()
        if self.notify is not None:
            for event_id in tx.emitted:
                self.notify(event_id)

    def _read(self, object_id: str, kind: str | None = None) -> Obj:
        conn = self._connect()
        try:
            return Store(conn).get(object_id, kind)
        finally:
            conn.close()

    # -- the gateway protocol -----------------------------------------------------
    def create_checkout_session(self, request: CheckoutRequest) -> CheckoutSession:
        with self._tx() as tx:
            known = tx.conn.execute(
                "SELECT object_id FROM idempotency WHERE key = ?", (request.idempotency_key,)
            ).fetchone()
            if known is not None:
                session = tx.get(known["object_id"], "checkout.session")
                return CheckoutSession(session["id"], session["url"])
            session_id = new_id("cs")
            now = int(time.time())
            session = {
                "id": session_id,
                "object": "checkout.session",
                "amount_subtotal": request.amount,
                "amount_total": request.amount,
                "automatic_tax": {"enabled": False, "liability": None, "status": None},
                "cancel_url": request.cancel_url,
                "client_reference_id": request.order_ref,
                "created": now,
                "currency": request.currency.lower(),
                "customer_details": None,
                "customer_email": request.customer_email,
                "expires_at": request.expires_at,
                "livemode": False,
                "locale": request.locale,
                "metadata": dict(request.metadata),
                "mode": "payment",
                "payment_intent": None,
                "payment_status": "unpaid",
                "status": "open",
                "success_url": request.success_url,
                "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
                "url": self._page_url(session_id),
                "_product": {
                    "name": request.product_name,
                    "description": request.product_description,
                },
            }
            tx.put(session)
            tx.conn.execute(
                "INSERT INTO idempotency (key, object_id) VALUES (?, ?)",
                (request.idempotency_key, session_id),
            )
        return CheckoutSession(session_id, session["url"])

    def retrieve_checkout_session(self, session_id: str, *, expand_payment: bool = True) -> Obj:
        conn = self._connect()
        try:
            tx = Store(conn)
            session = tx.get(session_id, "checkout.session")
            if expand_payment:
                for path in SESSION_PAYMENT_EXPANSIONS:
                    tx.expand(session, path.split("."))
            return public(session)
        finally:
            conn.close()

    def expire_checkout_session(self, session_id: str) -> Obj:
        with self._tx() as tx:
            session = tx.get(session_id, "checkout.session")
            if session["status"] != "open":
                raise InvalidPaymentRequest(f"session {session_id} is {session['status']}")
            session.update(status="expired", url=None)
            tx.put(session)
            tx.emit("checkout.session.expired", session)
        return public(session)

    def list_refunds(self, charge_id: str) -> list[Obj]:
        conn = self._connect()
        try:
            tx = Store(conn)
            refunds = [r for r in tx.all("refund") if r["charge"] == charge_id]
            for refund in refunds:
                tx.expand(refund, ["balance_transaction"])
            return refunds
        finally:
            conn.close()

    def create_refund(
        self, charge_id: str, amount: int, *, idempotency_key: str, connect: bool
    ) -> Obj:
        with self._tx() as tx:
            known = tx.conn.execute(
                "SELECT object_id FROM idempotency WHERE key = ?", (idempotency_key,)
            ).fetchone()
            if known is not None:
                return tx.get(known["object_id"], "refund")
            charge = tx.get(charge_id, "charge")
            remaining = charge["amount"] - charge["amount_refunded"]
            if amount < 1 or amount > remaining:
                raise InvalidPaymentRequest(f"refund of {amount} exceeds {remaining} left")
            now = int(time.time())
            refund = {
                "id": new_id("re"),
                "object": "refund",
                "amount": amount,
                "balance_transaction": None,
                "charge": charge_id,
                "created": now,
                "currency": charge["currency"],
                "metadata": {},
                "payment_intent": charge["payment_intent"],
                "reason": None,
                "status": "succeeded",
                "transfer_reversal": None,
            }
            txn = tx.balance_transaction(-amount, charge["currency"], "refund", refund["id"], 0)
            refund["balance_transaction"] = txn["id"]
            tx.put(refund)
            charge["amount_refunded"] += amount
            charge["refunded"] = charge["amount_refunded"] == charge["amount"]
            charge["refunds"]["data"].insert(0, refund)
            tx.put(charge)
            tx.conn.execute(
                "INSERT INTO idempotency (key, object_id) VALUES (?, ?)",
                (idempotency_key, refund["id"]),
            )
            tx.emit("charge.refunded", charge)
            tx.emit("refund.created", refund)
        return refund

    def list_charges(self, *, created_gte: int | None = None) -> Iterator[Obj]:
        conn = self._connect()
        try:
            tx = Store(conn)
            charges = tx.all("charge")
            for charge in charges:
                tx.expand(charge, ["balance_transaction"])
        finally:
            conn.close()
        for charge in reversed(charges):
            if created_gte is None or charge["created"] >= created_gte:
                yield charge

    def application_fee_refunds(self, fee_id: str) -> list[Obj]:
        """Offline test payments have no application fees."""
        return []

    def list_disputes(self, charge_id: str) -> list[Obj]:
        """Offline test payments are never disputed."""
        return []

    def create_account(self, *, email: str, country: str, idempotency_key: str) -> Obj:
        raise InvalidPaymentRequest("offline test payments have no connected accounts")

    def create_account_link(self, account_id: str, *, refresh_url: str, return_url: str) -> str:
        raise InvalidPaymentRequest("offline test payments have no connected accounts")

    def retrieve_account(self, account_id: str) -> Obj:
        raise InvalidPaymentRequest("offline test payments have no connected accounts")

    def construct_event(self, payload: bytes, signature: str | None) -> Obj:
        signing.verify(payload, signature, self._secret)
        return parse_event(payload)

    # -- what the test checkout page does ---------------------------------------------
    def session_for_page(self, session_id: str) -> Obj | None:
        """The session with its product, for the test page (None when unknown)."""
        try:
            session = self._read(session_id, "checkout.session")
        except InvalidPaymentRequest:
            return None
        if session["status"] == "open" and time.time() >= session["expires_at"]:
            self.expire_checkout_session(session_id)
            session = self._read(session_id, "checkout.session")
        return session

    def pay(self, session_id: str, email: str | None = None) -> Obj:
        """The buyer presses "Pay": charge, balance transaction, completed session, events."""
        with self._tx() as tx:
            session = tx.get(session_id, "checkout.session")
            if session["status"] != "open":
                raise InvalidPaymentRequest(f"session {session_id} is {session['status']}")
            amount, currency, now = session["amount_total"], session["currency"], int(time.time())
            intent_id, charge_id = new_id("pi"), new_id("ch")
            txn = tx.balance_transaction(
                amount, currency, "charge", charge_id, offline_fee(amount, currency)
            )
            charge = {
                "id": charge_id,
                "object": "charge",
                "amount": amount,
                "amount_captured": amount,
                "amount_refunded": 0,
                "application_fee": None,
                "application_fee_amount": None,
                "balance_transaction": txn["id"],
                "billing_details": {"email": session["customer_email"] or email},
                "captured": True,
                "created": now,
                "currency": currency,
                "disputed": False,
                "livemode": False,
                "metadata": dict(session["metadata"]),
                "paid": True,
                "payment_intent": intent_id,
                "refunded": False,
                "refunds": empty_list(f"/v1/charges/{charge_id}/refunds"),
                "status": "succeeded",
                "transfer": None,
                "transfer_data": None,
            }
            intent = {
                "id": intent_id,
                "object": "payment_intent",
                "amount": amount,
                "amount_received": amount,
                "application_fee_amount": None,
                "created": now,
                "currency": currency,
                "latest_charge": charge_id,
                "metadata": dict(session["metadata"]),
                "status": "succeeded",
                "transfer_data": None,
            }
            tx.put(charge)
            tx.put(intent)
            session.update(
                status="complete",
                payment_status="paid",
                payment_intent=intent_id,
                url=None,
                customer_details={"email": session["customer_email"] or email},
            )
            tx.put(session)
            tx.emit("charge.succeeded", charge)
            tx.emit("checkout.session.completed", session)
        return public(session)

    def decline(self, session_id: str) -> Obj:
        """The buyer presses "Decline": nothing is charged and the session stays open."""
        session = self._read(session_id, "checkout.session")
        if session["status"] != "open":
            raise InvalidPaymentRequest(f"session {session_id} is {session['status']}")
        return public(session)

    # -- delivery ---------------------------------------------------------------
    def signed_event(self, event_id: str) -> tuple[bytes, str]:
        """The event's body and a fresh ``Stripe-Signature`` header for it."""
        conn = self._connect()
        try:
            row = conn.execute("SELECT body FROM events WHERE id = ?", (event_id,)).fetchone()
        finally:
            conn.close()
        if row is None:
            raise InvalidPaymentRequest(f"no such event {event_id}")
        payload = row["body"].encode()
        return payload, signing.sign(payload, self._secret)

    def mark_delivered(self, event_id: str) -> None:
        with self._tx() as tx:
            tx.conn.execute("UPDATE events SET delivered = 1 WHERE id = ?", (event_id,))

    def undelivered_events(self, older_than_seconds: float = 0) -> list[str]:
        conn = self._connect()
        try:
            rows = conn.execute(
                "SELECT id FROM events WHERE delivered = 0 AND created <= ? ORDER BY rowid",
                (time.time() - older_than_seconds,),
            ).fetchall()
        finally:
            conn.close()
        return [row["id"] for row in rows]
