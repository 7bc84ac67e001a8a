"""Webhook endpoints, Stripe-compatible signing and delivery (sync, async or held)."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from .objects import new_id

Obj = dict[str, Any]
# A callable endpoint receives the raw body and headers and answers either
# ``(status, body)`` or a response object with ``status_code``/``get_data``
# (such as a Flask test-client response).
Handler = Callable[[bytes, dict[str, str]], Any]
USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header value for ``payload``."""
    t = int(time.time()) if timestamp is None else int(timestamp)
    signed = f"{t}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


@dataclass
class WebhookEndpoint:
    """Where events are sent; ``connect`` None receives platform and Connect events."""

    url: str | Handler
    secret: str
    enabled_events: tuple[str, ...] = ("*",)
    connect: bool | None = None
    id: str = field(default_factory=lambda: new_id("we"))

    def wants(self, event: Obj) -> bool:
        """Whether this endpoint subscribes to ``event``."""
        if self.connect is not None and self.connect != ("account" in event):
            return False
        return "*" in self.enabled_events or event["type"] in self.enabled_events

    def describe(self) -> Obj:
        """JSON-friendly summary (for the control API)."""
        url = self.url if isinstance(self.url, str) else repr(self.url)
        return {"id": self.id, "url": url, "enabled_events": list(self.enabled_events),
                "connect": self.connect}  # fmt: skip


@dataclass
class Delivery:
    """One attempt to deliver one event to one endpoint."""

    event_id: str
    event_type: str
    endpoint_id: str
    url: str
    attempt: int
    status: int | None
    body: str
    error: str | None
    signature: str
    sent_at: float
    duration: float

    @property
    def ok(self) -> bool:
        """Whether the endpoint acknowledged the event with a 2xx."""
        return self.status is not None and 200 <= self.status < 300

    def as_dict(self) -> Obj:
        """JSON-friendly form."""
        return {**asdict(self), "ok": self.ok}


class Dispatcher:
    """Sends events to endpoints and records every attempt."""

    def __init__(
        self,
        *,
        mode: str = "sync",
        delay: float = 0.0,
        retries: int = 0,
        retry_delay: float = 0.0,
        timeout: float = 10.0,
    ) -> None:
        if mode not in ("sync", "async"):
            raise ValueError("mode must be 'sync' or 'async'")
        self.mode = mode
        self.delay = delay
        self.retries = retries
        self.retry_delay = retry_delay
        self.timeout = timeout
        self._lock = threading.Lock()
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self.reset()

    def reset(self) -> None:
        """Forget endpoints, deliveries and held events."""
        self.wait()
        with self._lock:
            self.endpoints: list[WebhookEndpoint] = []
            self.deliveries: list[Delivery] = []
            self.held: list[Obj] = []
            self.hold = False
            self._threads: list[threading.Thread] = []

    # -- dispatching ------------------------------------------------------
    def dispatch(self, events: list[Obj]) -> None:
        """Hand freshly created events over according to the delivery mode."""
        for event in events:
            event["pending_webhooks"] = sum(1 for e in self.endpoints if e.wants(event))
        if not events:
            return
        if self.hold:
            with self._lock:
                self.held.extend(events)
        elif self.mode == "sync":
            for event in events:
                self.deliver(event)
        else:
            self._spawn(self._deliver_later, events)

    def _deliver_later(self, events: list[Obj]) -> None:
        if self.delay:
            time.sleep(self.delay)
        for event in events:
            self.deliver(event)

    def _spawn(self, target: Callable[..., Any], *args: Any) -> threading.Thread:
        thread = threading.Thread(target=target, args=args, daemon=True, name="webhook-delivery")
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()
        return thread

    def wait(self, timeout: float = 10.0) -> bool:
        """Block until background deliveries finish; False on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                pending = [t for t in getattr(self, "_threads", []) if t.is_alive()]
            if not pending:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            pending[0].join(remaining)

    def take_held(self, event_id: str) -> None:
        """Drop an event from the held queue (it is being delivered explicitly)."""
        with self._lock:
            self.held = [e for e in self.held if e["id"] != event_id]

    # -- delivering -------------------------------------------------------
    def deliver(self, event: Obj, times: int = 1, concurrently: bool = False) -> list[Delivery]:
        """Send ``event`` to every subscribed endpoint, ``times`` times."""
        if not concurrently or times == 1:
            results: list[Delivery] = []
            for _ in range(times):
                for endpoint in list(self.endpoints):
                    if endpoint.wants(event):
                        results.extend(self._send(endpoint, event))
            return results
        barrier = threading.Barrier(times)
        collected: list[list[Delivery]] = [[] for _ in range(times)]

        def run(slot: int) -> None:
            barrier.wait()
            for endpoint in list(self.endpoints):
                if endpoint.wants(event):
                    collected[slot].extend(self._send(endpoint, event))

        threads = [
            threading.Thread(target=run, args=(i,), daemon=True, name="webhook-concurrent")
            for i in range(times)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return [d for chunk in collected for d in chunk]

    def _send(self, endpoint: WebhookEndpoint, event: Obj) -> list[Delivery]:
        attempts: list[Delivery] = []
        for attempt in range(1, self.retries + 2):
            if attempt > 1 and self.retry_delay:
                time.sleep(self.retry_delay)
            payload = json.dumps(event, indent=2).encode()
            signature = sign(payload, endpoint.secret)
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": signature,
                "User-Agent": USER_AGENT,
                "Cache-Control": "no-cache",
            }
            started = time.monotonic()
            status, body, error = self._post(endpoint, payload, headers)
            record = Delivery(
                event_id=event["id"],
                event_type=event["type"],
                endpoint_id=endpoint.id,
                url=endpoint.url if isinstance(endpoint.url, str) else repr(endpoint.url),
                attempt=attempt,
                status=status,
                body=body,
                error=error,
                signature=signature,
                sent_at=time.time(),
                duration=time.monotonic() - started,
            )
            with self._lock:
                self.deliveries.append(record)
            attempts.append(record)
            if record.ok:
                with self._lock:
                    event["pending_webhooks"] = max(0, event.get("pending_webhooks", 1) - 1)
                break
        return attempts

    def _post(
        self, endpoint: WebhookEndpoint, payload: bytes, headers: dict[str, str]
    ) -> tuple[int | None, str, str | None]:
        if callable(endpoint.url):
            try:
                answer = endpoint.url(payload, dict(headers))
            except Exception as exc:  # a crashing handler is a failed delivery
                return None, "", f"{type(exc).__name__}: {exc}"
            if isinstance(answer, tuple):
                return int(answer[0]), str(answer[1]), None
            return int(answer.status_code), answer.get_data(as_text=True), None
        request = urllib.request.Request(endpoint.url, data=payload, headers=headers, method="POST")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return response.status, response.read().decode("utf-8", "replace"), None
        except urllib.error.HTTPError as exc:
            body = exc.read().decode("utf-8", "replace")
            exc.close()
            return exc.code, body, None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            # Refused, timed out, or cut short (a node killed mid-answer): Stripe counts each
            # as a failed delivery and retries it.
            return None, "", f"{type(exc).__name__}: {exc}"
