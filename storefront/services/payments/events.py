"""What handling one payment event produced, and the types of the handlers that produce it
(the table of handlers by event type is `webhooks.HANDLERS`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...adapters.payments import PaymentGateway
from ...models import Order

Obj = dict[str, Any]


@dataclass
class Outcome:
    """``result``: processed, flagged, ignored, or waiting (kept and retried later)."""

    result: str
    message: str
    order: Order | None = None

    @property
    def final(self) -> bool:
        return self.result != "waiting"


def processed(message: str, order: Order | None = None) -> Outcome:
    return Outcome("processed", message, order)


def ignored(message: str) -> Outcome:
    return Outcome("ignored", message)


def waiting(message: str, order: Order | None = None) -> Outcome:
    return Outcome("waiting", message, order)


def flagged(message: str, order: Order) -> Outcome:
    return Outcome("flagged", message, order)


# prefetch(gateway, event) -> data read from the processor before any lock is taken
Prefetch = Callable[[PaymentGateway, Obj], Any]
# apply(gateway, event, prefetched) -> Outcome, inside the event's transaction
Apply = Callable[[PaymentGateway, Obj, Any], Outcome]


def no_prefetch(gateway: PaymentGateway, event: Obj) -> None:
    return None


def data_object(event: Obj) -> Obj:
    return (event.get("data") or {}).get("object") or {}
