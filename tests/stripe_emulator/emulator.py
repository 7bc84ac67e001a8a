"""``StripeEmulator``: the server lifecycle and the Python API used by tests."""

from __future__ import annotations

import copy
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from . import checkout, connect, ledger
from .api import register_api
from .control import register_control
from .money import FeeSchedule
from .pages import register_pages
from .params import StripeError
from .refund_failures import RefundControls
from .state import DASHBOARD, Obj, State
from .transfers import BalanceControls
from .webhooks import Delivery, Dispatcher, Handler, WebhookEndpoint, sign

T = TypeVar("T")
DEFAULT_API_VERSION = "2026-10-28.endive"

_ERROR_BODIES = {
    429: ("invalid_request_error", "rate_limit",
          "Too many requests hit the API too quickly. We recommend an exponential backoff "
          "of your requests."),
    401: ("invalid_request_error", None, "Invalid API Key provided."),
    402: ("card_error", "card_declined", "Your card was declined."),
    403: ("invalid_request_error", None, "This API key does not have access to this resource."),
    404: ("invalid_request_error", "resource_missing", "No such resource (injected)."),
    409: ("idempotency_error", None,
          "There is currently another in-progress request using this Idempotent Key."),
}  # fmt: skip


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Do not print one line per request."""


@dataclass
class _Injection:
    prefix: str
    remaining: int
    status: int | None = None
    seconds: float = 0.0


class StripeEmulator(RefundControls, BalanceControls):
    """A stateful local Stripe API (v1 subset), hosted pages and webhook sender."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        fee_percent: Decimal | float | str | None = None,
        fee_fixed: int | None = None,
        fees: Mapping[str, tuple[Decimal | float | str, int]] | None = None,
        dispute_fee: int = 1500,
        dispute_fees: Mapping[str, int] | None = None,
        webhook_mode: str = "sync",
        webhook_delay: float = 0.0,
        webhook_retries: int = 0,
        webhook_retry_delay: float = 0.0,
        webhook_timeout: float = 10.0,
        api_version: str = DEFAULT_API_VERSION,
        card_country: str = "US",
    ) -> None:
        self.host, self.port = host, port
        fee_schedule = FeeSchedule.build(fee_percent, fee_fixed, fees, dispute_fee, dispute_fees)
        self.state = State(fee_schedule, api_version)
        self._webhook_defaults = {
            "mode": webhook_mode,
            "delay": webhook_delay,
            "retries": webhook_retries,
            "retry_delay": webhook_retry_delay,
            "timeout": webhook_timeout,
        }
        self.dispatcher = Dispatcher(**self._webhook_defaults)
        self.card_country = card_country
        self._injections: list[_Injection] = []
        self._injection_lock = threading.Lock()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.app = self._create_app()

    def _create_app(self) -> Flask:
        app = Flask(__name__)
        register_api(app, self)
        register_pages(app, self)
        register_control(app, self)
        return app

    # -- lifecycle --------------------------------------------------------
    def start(self) -> StripeEmulator:
        """Serve on a background thread; returns ``self``."""
        if self._server is not None:
            return self
        server = make_server(
            self.host, self.port, self.app, threaded=True, request_handler=_QuietHandler
        )
        server.daemon_threads = True  # type: ignore[attr-defined]
        self._server = server
        self.port = server.server_port
        self.state.base_url = self.url
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.1,), name="stripe-emulator", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve on the calling thread (for the command-line entry point)."""
        self.start()
        assert self._thread is not None
        self._thread.join()

    def stop(self) -> None:
        """Stop serving and wait for background webhook deliveries."""
        self.dispatcher.wait()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> StripeEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL (``http://127.0.0.1:PORT``) for ``api``/``connect``/``files``."""
        return f"http://{self.host}:{self.port}"

    def reset(self) -> None:
        """Forget all objects, events, endpoints, injections and option changes."""
        self.dispatcher.reset()
        for name, value in self._webhook_defaults.items():
            setattr(self.dispatcher, name, value)
        self.state.reset()
        with self._injection_lock:
            self._injections.clear()

    # -- plumbing shared by the HTTP layers -------------------------------
    def transact(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` under the state lock, then deliver the events it raised."""
        with self.state.transaction() as outbox:
            result = copy.deepcopy(fn())
            events = list(outbox)
        self.dispatcher.dispatch(events)
        return result

    def take_injections(self, path: str) -> tuple[float, StripeError | None]:
        """Consume the delay and failure queued for a request path."""
        delay, failure = 0.0, None
        with self._injection_lock:
            for item in self._injections:
                if item.remaining <= 0 or not path.startswith(item.prefix):
                    continue
                if item.status is None and not delay:
                    delay, item.remaining = item.seconds, item.remaining - 1
                elif item.status is not None and failure is None:
                    failure, item.remaining = _injected_error(item.status), item.remaining - 1
            self._injections = [i for i in self._injections if i.remaining > 0]
        return delay, failure

    # -- webhooks ---------------------------------------------------------
    def add_webhook_endpoint(
        self,
        url: str | Handler,
        secret: str | None = None,
        *,
        enabled_events: list[str] | tuple[str, ...] | None = None,
        connect: bool | None = None,
    ) -> WebhookEndpoint:
        """Register where events go: a URL, or a callable ``(body, headers)``."""
        endpoint = WebhookEndpoint(
            url=url,
            secret=secret or "whsec_" + secrets.token_hex(16),
            enabled_events=tuple(enabled_events or ("*",)),
            connect=connect,
        )
        self.dispatcher.endpoints.append(endpoint)
        return endpoint

    def remove_webhook_endpoint(self, endpoint_id: str) -> None:
        """Stop sending events to an endpoint."""
        self.dispatcher.endpoints = [e for e in self.dispatcher.endpoints if e.id != endpoint_id]

    @property
    def webhook_endpoints(self) -> list[WebhookEndpoint]:
        """The registered endpoints."""
        return list(self.dispatcher.endpoints)

    @property
    def webhook_mode(self) -> str:
        """``"sync"`` (deliver before the triggering call returns) or ``"async"``."""
        return self.dispatcher.mode

    @webhook_mode.setter
    def webhook_mode(self, mode: str) -> None:
        if mode not in ("sync", "async"):
            raise ValueError("webhook_mode must be 'sync' or 'async'")
        self.dispatcher.mode = mode

    @property
    def webhook_delay(self) -> float:
        """Seconds an asynchronous delivery waits before sending."""
        return self.dispatcher.delay

    @webhook_delay.setter
    def webhook_delay(self, seconds: float) -> None:
        self.dispatcher.delay = seconds

    @property
    def webhook_retries(self) -> int:
        """Extra attempts after a non-2xx answer or a connection error."""
        return self.dispatcher.retries

    @webhook_retries.setter
    def webhook_retries(self, retries: int) -> None:
        self.dispatcher.retries = retries

    @property
    def hold_webhooks(self) -> bool:
        """When true, new events are kept for :meth:`deliver`/:meth:`release_held`."""
        return self.dispatcher.hold

    @hold_webhooks.setter
    def hold_webhooks(self, hold: bool) -> None:
        self.dispatcher.hold = hold

    @property
    def events(self) -> list[Obj]:
        """Every event so far, oldest first (copies)."""
        with self.state.lock:
            return copy.deepcopy(self.state.events)

    @property
    def held_events(self) -> list[Obj]:
        """Events waiting to be delivered while :attr:`hold_webhooks` is set."""
        return copy.deepcopy(self.dispatcher.held)

    @property
    def deliveries(self) -> list[Delivery]:
        """Every delivery attempt so far."""
        return list(self.dispatcher.deliveries)

    def deliver(self, event_id: str, times: int = 1, concurrently: bool = False) -> list[Delivery]:
        """(Re)send one event now, possibly several times at once."""
        with self.state.lock:
            event = self.state.require(event_id, "event")
        self.dispatcher.take_held(event_id)
        return self.dispatcher.deliver(event, times=times, concurrently=concurrently)

    def release_held(self, reverse: bool = False) -> list[Delivery]:
        """Deliver every held event, in order (or reversed)."""
        held = list(reversed(self.dispatcher.held) if reverse else self.dispatcher.held)
        results: list[Delivery] = []
        for event in held:
            results.extend(self.deliver(event["id"]))
        return results

    def wait_for_webhooks(self, timeout: float = 10.0) -> bool:
        """Wait for asynchronous deliveries to finish."""
        return self.dispatcher.wait(timeout)

    @staticmethod
    def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
        """A ``Stripe-Signature`` header value, exactly as Stripe computes it."""
        return sign(payload, secret, timestamp)

    # -- customer, bank and account-holder actions ------------------------
    def _session(self, session_id: str) -> Obj:
        return self.state.require(session_id, "checkout.session")

    def pay(
        self, session_id: str, *, email: str | None = None, card_country: str | None = None
    ) -> Obj:
        """The customer pays by card (same as the hosted page's "Pay")."""
        country = card_country or self.card_country
        return self.transact(
            lambda: checkout.complete(
                self.state, self._session(session_id), email=email, card_country=country
            )
        )

    def pay_async(
        self, session_id: str, *, email: str | None = None, card_country: str | None = None
    ) -> Obj:
        """The customer pays with a delayed method ("Pay later (async)")."""
        country = card_country or self.card_country
        return self.transact(
            lambda: checkout.complete(
                self.state,
                self._session(session_id),
                delayed=True,
                email=email,
                card_country=country,
            )
        )

    def async_result(self, session_id: str, succeeded: bool = True) -> Obj:
        """The delayed payment settles (``async_payment_succeeded``/``_failed``)."""
        return self.transact(
            lambda: checkout.settle_delayed(
                self.state, self._session(session_id), succeeded=succeeded
            )
        )

    def decline(self, session_id: str) -> Obj:
        """The card is declined; the session stays open."""
        return self.transact(lambda: checkout.decline(self.state, self._session(session_id)))

    def expire(self, session_id: str) -> Obj:
        """Expire an open session (as Stripe does once ``expires_at`` passes)."""
        return self.transact(
            lambda: checkout.expire(self.state, self._session(session_id), DASHBOARD)
        )

    def dispute(
        self,
        charge_id: str,
        reason: str = "fraudulent",
        amount: int | None = None,
        inquiry: bool = False,
    ) -> Obj:
        """The cardholder disputes a charge (``charge.dispute.created``; a chargeback also
        ``charge.dispute.funds_withdrawn``, an inquiry withdraws nothing)."""
        return self.transact(
            lambda: ledger.open_dispute(self.state, charge_id, reason, amount, inquiry=inquiry)
        )

    def escalate_dispute(self, dispute_id: str) -> Obj:
        """An inquiry becomes a chargeback (``charge.dispute.funds_withdrawn``)."""
        return self.transact(
            lambda: ledger.escalate_dispute(self.state, self.state.require(dispute_id, "dispute"))
        )

    def close_dispute(self, dispute_id: str, won: bool = True) -> Obj:
        """The bank rules on a dispute (``charge.dispute.closed``)."""
        return self.transact(
            lambda: ledger.close_dispute(
                self.state, self.state.require(dispute_id, "dispute"), won=won
            )
        )

    def settle_in(self, currency: str, rates: Mapping[str, Decimal | str]) -> None:
        """Settle the platform's balance in ``currency``: movements in other currencies are
        converted at ``rates`` (presentment currency -> major units of ``currency`` per major
        unit) and their balance transactions carry ``exchange_rate``. ``reset()`` undoes it."""
        with self.state.lock:
            self.state.settlement_currency = currency.lower()
            self.state.exchange_rates = {
                code.lower(): Decimal(str(rate)) for code, rate in rates.items()
            }

    def complete_onboarding(self, account_id: str) -> Obj:
        """The account holder finishes onboarding (``account.updated``)."""
        return self.transact(lambda: connect.complete_onboarding(self.state, account_id))

    def disable_payouts(self, account_id: str) -> Obj:
        """Stripe disables the account's payouts and transfers (``account.updated``)."""
        return self.transact(lambda: connect.disable_payouts(self.state, account_id))

    # -- fault injection and time -----------------------------------------
    def fail_next(self, path_prefix: str, status: int = 500, count: int = 1) -> None:
        """Answer the next ``count`` requests under ``path_prefix`` with an error."""
        with self._injection_lock:
            self._injections.append(_Injection(path_prefix, count, status=status))

    def delay_next(self, path_prefix: str, seconds: float, count: int = 1) -> None:
        """Hold the next ``count`` requests under ``path_prefix`` for ``seconds``."""
        with self._injection_lock:
            self._injections.append(_Injection(path_prefix, count, seconds=seconds))

    def now(self) -> int:
        """The emulator's clock."""
        return self.state.now()

    def advance_clock(self, seconds: float) -> None:
        """Move the emulator's clock forward (sessions and account links expire)."""
        with self.state.lock:
            self.state.clock_offset += seconds

    # -- inspection -------------------------------------------------------
    def get(self, object_id: str) -> Obj:
        """Any stored object by id (a copy)."""
        with self.state.lock:
            if object_id not in self.state.objects:
                raise KeyError(object_id)
            return copy.deepcopy(self.state.objects[object_id])

    def objects(self, kind: str, account: str | None = None) -> list[Obj]:
        """Every object of a kind (``"charge"``, ``"refund"``...) on the platform, or on the
        connected ``account``, oldest first."""
        with self.state.lock:
            return copy.deepcopy(self.state.all(kind, account))

    def balance_transactions(self, account: str | None = None) -> list[Obj]:
        """The platform's (or a connected account's) balance transactions, oldest first;
        their ``net`` sum is that balance."""
        return self.objects("balance_transaction", account)


def _injected_error(status: int) -> StripeError:
    type_, code, message = _ERROR_BODIES.get(
        status, ("api_error", None, "An unknown error occurred (injected by the emulator).")
    )
    return StripeError(message, status=status, type=type_, code=code)
