"""Concurrent deliveries of the same event, over HTTP to a live multi-threaded server: exactly
one effect, on SQLite and on PostgreSQL (run the suite with TEST_DATABASE_URL for the latter).
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from storefront.extensions import db
from storefront.models import Entitlement, EntryType, LedgerEntry, Order, OrderStatus, WebhookEvent
from tests.browser.conftest import LiveServer

from .conftest import WEBHOOK_SECRET, checkout, latest_order, session_id_from


@pytest.fixture
def live(app, emu):  # type: ignore[no-untyped-def]
    with LiveServer(app) as server:
        emu.add_webhook_endpoint(server.url + "/webhooks/stripe", WEBHOOK_SECRET)
        yield server


def count(model: type, **filters: object) -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count()).select_from(model).filter_by(**filters))


def statuses(deliveries) -> Counter:  # type: ignore[no-untyped-def]
    assert all(d.status == 200 for d in deliveries), [(d.status, d.body) for d in deliveries]
    return Counter(json.loads(d.body)["status"] for d in deliveries)


def acknowledged(deliveries) -> bool:  # type: ignore[no-untyped-def]
    """Every delivery answered 2xx: stored once (received), or already stored (duplicate); a
    delivery racing the first may also answer received, its job then finds nothing to do."""
    found = statuses(deliveries)
    return set(found) <= {"received", "duplicate"} and found["received"] >= 1


def test_ten_concurrent_deliveries_of_a_payment_have_one_effect(
    live, viewer_client, viewer, film, emu
):
    emu.hold_webhooks = True
    emu.pay(session_id_from(checkout(viewer_client, film, "rent").location))
    completed = next(e for e in emu.held_events if e["type"] == "checkout.session.completed")

    deliveries = emu.deliver(completed["id"], times=10, concurrently=True)

    assert len(deliveries) == 10
    assert acknowledged(deliveries)
    assert latest_order(viewer).status == OrderStatus.PAID
    assert count(Order, status=OrderStatus.PAID) == 1
    assert count(Entitlement) == 1
    assert count(LedgerEntry) == 1 and count(LedgerEntry, entry_type=EntryType.SALE) == 1
    assert count(WebhookEvent, id=completed["id"]) == 1


def test_concurrent_refund_deliveries_record_the_refund_once(
    live, viewer_client, viewer, film, emu, sdk
):
    emu.pay(session_id_from(checkout(viewer_client, film, "buy").location))
    emu.hold_webhooks = True
    sdk.v1.refunds.create({"charge": emu.objects("charge")[0]["id"], "amount": 300})
    refunded = next(e for e in emu.held_events if e["type"] == "charge.refunded")

    deliveries = emu.deliver(refunded["id"], times=10, concurrently=True)

    assert acknowledged(deliveries)
    assert count(LedgerEntry, entry_type=EntryType.REFUND) == 1
    assert latest_order(viewer).amount_refunded == 300


def test_payment_and_refund_racing_each_other_end_correct(
    live, viewer_client, viewer, film, emu, sdk
):
    emu.hold_webhooks = True
    emu.pay(session_id_from(checkout(viewer_client, film, "buy").location))
    sdk.v1.refunds.create({"charge": emu.objects("charge")[0]["id"], "amount": 500})
    completed = next(e for e in emu.held_events if e["type"] == "checkout.session.completed")
    refunded = next(e for e in emu.held_events if e["type"] == "charge.refunded")

    import threading

    results: list = []
    threads = [
        threading.Thread(
            target=lambda i=i: results.extend(
                emu.deliver((completed if i % 2 else refunded)["id"], times=1)
            )
        )
        for i in range(10)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert all(d.status == 200 for d in results)
    order = latest_order(viewer)
    assert order.status == OrderStatus.PARTIALLY_REFUNDED and order.amount_refunded == 500
    assert count(Entitlement) == 1
    assert count(LedgerEntry, entry_type=EntryType.SALE) == 1
    assert count(LedgerEntry, entry_type=EntryType.REFUND) == 1
