"""In-memory object store: ids, events, listing, pagination and expansion."""

from __future__ import annotations

import copy
import itertools
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from . import objects
from .money import FeeSchedule, convert
from .params import StripeError, get, integer, no_such

Obj = dict[str, Any]

# Object kinds as they are named in "No such ..." errors.
KIND_NAMES = {
    "checkout.session": "checkout.session",
    "payment_intent": "payment_intent",
    "charge": "charge",
    "balance_transaction": "balance transaction",
    "refund": "refund",
    "dispute": "dispute",
    "account": "account",
    "application_fee": "application fee",
    "transfer": "transfer",
    "event": "event",
}


@dataclass
class RequestContext:
    """Who asked for a change: stamped onto the events it causes."""

    request_id: str | None = None
    idempotency_key: str | None = None
    account: str | None = None
    api_version: str | None = None


DASHBOARD = RequestContext()


@dataclass
class IdempotentResult:
    """The saved outcome of a POST sent with an ``Idempotency-Key``."""

    method: str
    path: str
    params: Obj
    status: int
    body: str


class State:
    """All emulated Stripe objects; every access happens under ``lock``."""

    def __init__(self, fees: FeeSchedule, api_version: str) -> None:
        self.lock = threading.RLock()
        self.fees = fees
        self.api_version = api_version
        self.base_url = ""
        self.reset()

    def reset(self) -> None:
        """Forget every object, event and idempotency key."""
        with self.lock:
            self.objects: dict[str, Obj] = {}
            self.sequence: dict[str, int] = {}
            self.by_kind: dict[str, list[str]] = {}
            self.line_items: dict[str, list[Obj]] = {}
            self.link_tokens: dict[str, Obj] = {}
            self.private: dict[str, Obj] = {}
            self.idempotency: dict[tuple[str, str, str], IdempotentResult] = {}
            self.events: list[Obj] = []
            self.clock_offset = 0.0
            # The account's settlement currency (None: every movement settles in its own
            # currency) and, per presentment currency, the rate converting into it.
            self.settlement_currency: str | None = None
            self.exchange_rates: dict[str, Decimal] = {}
            # Objects living on a connected account (a transfer's destination payment, its
            # balance transaction), by id: read only with that account's ``Stripe-Account``.
            self.account_of: dict[str, str] = {}
            # Rates connected accounts settle at: (from, to) -> major units of ``to`` per unit.
            self.account_rates: dict[tuple[str, str], Decimal] = {}
            # How many of the next refunds stay ``pending`` (the card network has not settled
            # them) until the test makes each one succeed or fail.
            self.pending_refunds = 0
            self._counter = itertools.count()
            self._outbox: list[Obj] | None = None

    # -- settlement ---------------------------------------------------------
    def settle(self, amount: int, currency: str) -> tuple[int, str, Decimal | None]:
        """``amount`` of ``currency`` as it lands in the account's balance: the settled amount,
        its currency and the exchange rate used (None when nothing was converted)."""
        target = self.settlement_currency
        if target is None or target == currency:
            return amount, currency, None
        rate = self.exchange_rates.get(currency)
        if rate is None:
            raise StripeError(f"No exchange rate from {currency} to {target} is configured.")
        return convert(amount, currency, target, rate), target, rate

    def settle_for_account(
        self, amount: int, currency: str, account: Obj
    ) -> tuple[int, str, Decimal | None]:
        """``amount`` of ``currency`` as it lands in a connected account's balance: converted
        into its ``default_currency`` when a rate for that pair is configured, else kept in
        ``currency`` (the account holds a balance in it)."""
        target = account.get("default_currency") or currency
        rate = self.account_rates.get((currency, target))
        if target == currency or rate is None:
            return amount, currency, None
        return convert(amount, currency, target, rate), target, rate

    # -- time -------------------------------------------------------------
    def now(self) -> int:
        """The emulator's clock (real time plus any test-controlled offset)."""
        return int(time.time() + self.clock_offset)

    # -- transactions -----------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[list[Obj]]:
        """Hold the lock and collect the events raised meanwhile.

        Events are delivered by the caller *after* the lock is released, so a
        webhook handler may call back into the emulator without deadlocking.
        """
        with self.lock:
            outer = self._outbox
            outbox: list[Obj] = [] if outer is None else outer
            self._outbox = outbox
            try:
                yield outbox
            finally:
                self._outbox = outer

    # -- objects ----------------------------------------------------------
    def put(self, obj: Obj, account: str | None = None) -> Obj:
        """Store a new object (its ``created`` is stamped if unset), on ``account`` when it
        lives on a connected account rather than on the platform."""
        if not obj.get("created"):
            obj["created"] = self.now()
        if account is not None:
            self.account_of[obj["id"]] = account
        self.objects[obj["id"]] = obj
        self.sequence[obj["id"]] = next(self._counter)
        self.by_kind.setdefault(obj["object"], []).append(obj["id"])
        return obj

    def find(self, object_id: str | None, kind: str, account: str | None = None) -> Obj | None:
        """The object with that id and kind on ``account`` (None: the platform), or ``None``."""
        obj = self.objects.get(object_id or "")
        if obj is None or obj["object"] != kind:
            return None
        return obj if self.account_of.get(obj["id"]) == account else None

    def require(
        self,
        object_id: str,
        kind: str,
        param: str | None = None,
        status: int = 404,
        account: str | None = None,
    ) -> Obj:
        """The object with that id and kind, or Stripe's "No such ..." error."""
        obj = self.find(object_id, kind, account)
        if obj is None:
            raise no_such(KIND_NAMES.get(kind, kind), object_id, param=param, status=status)
        return obj

    def all(self, kind: str, account: str | None = None) -> list[Obj]:
        """Every object of a kind on ``account`` (None: the platform), oldest first."""
        return [
            self.objects[i] for i in self.by_kind.get(kind, []) if self.account_of.get(i) == account
        ]

    def available(self, currency: str, account: str | None = None) -> int:
        """The available balance in ``currency``: the sum of its balance transactions' nets."""
        return sum(
            t["net"]
            for t in self.all("balance_transaction", account)
            if t["currency"] == currency and t["status"] == "available"
        )

    # -- events -----------------------------------------------------------
    def emit(
        self,
        type: str,
        obj: Obj,
        ctx: RequestContext = DASHBOARD,
        *,
        account: str | None = None,
        previous: Obj | None = None,
    ) -> Obj:
        """Record an event with a snapshot of ``obj`` and queue it for delivery."""
        evt = objects.event(
            type,
            copy.deepcopy(obj),
            created=self.now(),
            api_version=ctx.api_version or self.api_version,
            request_id=ctx.request_id,
            idempotency_key=ctx.idempotency_key,
            account=account or ctx.account,
            previous_attributes=previous,
        )
        self.put(evt)
        self.events.append(evt)
        if self._outbox is not None:
            self._outbox.append(evt)
        return evt

    # -- listing ----------------------------------------------------------
    def page(
        self,
        kind: str,
        params: Mapping[str, Any],
        url: str,
        keep: Callable[[Obj], bool] | None = None,
        account: str | None = None,
    ) -> Obj:
        """A list object, newest first, honouring limit/starting_after/ending_before/created."""
        limit = integer(params, "limit", minimum=1)
        limit = 10 if limit is None else limit
        if limit > 100:
            raise StripeError(
                "Invalid integer: limit must be at most 100",
                param="limit",
                code="parameter_invalid_integer",
            )
        items = [
            o
            for o in self.all(kind, account)
            if _created_matches(o, params) and (keep is None or keep(o))
        ]
        items.sort(key=lambda o: self.sequence[o["id"]], reverse=True)
        after, before = params.get("starting_after"), params.get("ending_before")
        ids = [o["id"] for o in items]
        if after:
            if after not in self.sequence:
                raise no_such(KIND_NAMES.get(kind, kind), after, param="starting_after", status=400)
            position = ids.index(after) + 1 if after in ids else len(ids)
            window, has_more = items[position : position + limit], len(items) > position + limit
        elif before:
            if before not in self.sequence:
                raise no_such(KIND_NAMES.get(kind, kind), before, param="ending_before", status=400)
            position = ids.index(before) if before in ids else 0
            start = max(0, position - limit)
            window, has_more = items[start:position], start > 0
        else:
            window, has_more = items[:limit], len(items) > limit
        return {"object": "list", "data": window, "has_more": has_more, "url": url}

    # -- expansion --------------------------------------------------------
    def render(self, obj: Obj, expand: list[str] | None) -> Obj:
        """A deep copy of ``obj`` with the requested ``expand[]`` paths inlined."""
        result = copy.deepcopy(obj)
        for path in expand or []:
            parts = path.split(".")
            if len(parts) - (parts[0] == "data") > 4:
                raise StripeError(
                    f"You cannot expand more than 4 levels of a property. Property: {path}",
                    param="expand",
                )
            self._expand(result, parts, path)
        return result

    def _expand(self, node: Any, parts: list[str], path: str) -> None:
        if isinstance(node, list):
            for item in node:
                self._expand(item, parts, path)
            return
        if not isinstance(node, dict):
            return
        if node.get("object") == "list" and parts[0] == "data":
            self._expand(node["data"], parts[1:], path)
            return
        key, rest = parts[0], parts[1:]
        if node.get("object") == "checkout.session" and key == "line_items":
            node[key] = self.line_items_list(node["id"])
        elif key == "id" or key not in node:
            raise StripeError(f"This property cannot be expanded ({key}).", param="expand")
        value = node[key]
        if isinstance(value, str):
            target = self.objects.get(value)
            if target is None:
                raise StripeError(f"This property cannot be expanded ({key}).", param="expand")
            node[key] = value = copy.deepcopy(target)
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            node[key] = value = [copy.deepcopy(self.objects.get(v, v)) for v in value]
        if rest and value is not None:
            self._expand(value, rest, path)

    def line_items_list(self, session_id: str) -> Obj:
        """The ``line_items`` list of a Checkout Session."""
        data = copy.deepcopy(self.line_items.get(session_id, []))
        return {
            "object": "list",
            "data": data,
            "has_more": False,
            "url": f"/v1/checkout/sessions/{session_id}/line_items",
        }


def _created_matches(obj: Obj, params: Mapping[str, Any]) -> bool:
    created = get(params, "created")
    if created is None:
        return True
    if isinstance(created, str):
        return obj["created"] == _int(created)
    checks = {
        "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b,
    }
    for op, bound in created.items():
        if op not in checks:
            raise StripeError(f"Received unknown parameter: created[{op}]", param=f"created[{op}]")
        if not checks[op](obj["created"], _int(bound, f"created[{op}]")):
            return False
    return True


def _int(raw: Any, param: str = "created") -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise StripeError(f"Invalid integer: {raw}", param=param) from None
