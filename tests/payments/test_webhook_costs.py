"""What acknowledging a webhook costs the database: a premiere delivers hundreds of events a
minute, and Stripe counts a slow answer as a failed delivery."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from storefront.extensions import db
from storefront.models import OrderStatus, WebhookEvent
from tests.stripe_emulator import StripeEmulator

from .conftest import WEBHOOK_SECRET, fresh, latest_order
from .test_webhooks import post


@pytest.fixture
def settings(settings: dict) -> dict:
    settings["JOBS_IMMEDIATE"] = False  # fulfilment is queued for the worker, as in production
    return settings


def test_a_new_event_is_stored_with_one_write_and_not_read_back(client, paid_event, statements):
    response = post(client, paid_event, StripeEmulator.sign(paid_event, WEBHOOK_SECRET))

    assert response.status_code == 200 and response.get_json()["status"] == "received"
    assert [s.split()[0] for s in statements if "webhook_events" in s] == ["INSERT"]
    stored = db.session.get(WebhookEvent, response.get_json()["id"])
    assert stored is not None and stored.processed_at is None  # the worker's to fulfil


def test_a_repeated_delivery_is_read_once_to_tell_whether_it_was_processed(
    client, paid_event, statements
):
    signed = StripeEmulator.sign(paid_event, WEBHOOK_SECRET)
    post(client, paid_event, signed)
    statements.clear()

    again = post(client, paid_event, signed)

    assert again.get_json()["status"] == "received"  # stored, still waiting for the worker
    assert [s.split()[0] for s in statements if "webhook_events" in s] == ["INSERT", "SELECT"]


def test_the_event_insert_is_compiled_once_not_on_every_delivery(client, paid_event, app):
    from sqlalchemy.engine.default import CACHE_HIT

    hits: list[object] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("INSERT INTO WEBHOOK_EVENTS"):
            hits.append(context.cache_hit)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        signed = StripeEmulator.sign(paid_event, WEBHOOK_SECRET)
        post(client, paid_event, signed)
        post(client, paid_event, signed)  # the same statement again: taken from the cache
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)

    assert len(hits) == 2 and hits[1] == CACHE_HIT


def test_on_postgresql_a_stored_event_is_committed_by_its_own_insert(app, paid_event):
    """One round trip instead of BEGIN, INSERT and COMMIT: the insert is the delivery's whole
    unit of work, so it stays stored whatever the request does after it."""
    from storefront.services.payments.webhooks import receive

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs the insert in the request's transaction")
    db.session.remove()
    event_id = json.loads(paid_event)["id"]
    receipt = receive(
        app.extensions["payments"], paid_event, StripeEmulator.sign(paid_event, WEBHOOK_SECRET)
    )
    with db.engine.connect() as other:  # another connection sees it at once
        seen = other.scalar(sa.select(WebhookEvent.id).where(WebhookEvent.id == event_id))
    db.session.rollback()  # a failure after the insert does not lose the event

    assert receipt.status == "received" and seen == event_id
    assert fresh(WebhookEvent, event_id) is not None


def test_an_event_stored_inside_a_begun_transaction_is_part_of_it(app, paid_event, viewer):
    """The offline gateway stores events from jobs that may have written first: there the
    insert commits or rolls back with the rest of the work."""
    from storefront.models import User
    from storefront.services.payments.webhooks import receive

    user_id = viewer.id
    db.session.remove()
    db.session.get(User, user_id).display_name = "Changed first"
    db.session.flush()  # the transaction has begun
    receive(app.extensions["payments"], paid_event, StripeEmulator.sign(paid_event, WEBHOOK_SECRET))
    db.session.rollback()

    assert fresh(WebhookEvent, json.loads(paid_event)["id"]) is None


def _queue_payments(app, make_user, film, emu, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    """Several viewers pay; their events are stored and queued for the worker (a backlog)."""
    from tests.conftest import PASSWORD

    from .conftest import checkout, session_id_from

    emu.hold_webhooks = True
    for _ in range(count):
        buyer = app.test_client()
        buyer.post("/login", data={"email": make_user().email, "password": PASSWORD})
        emu.pay(session_id_from(checkout(buyer, film, "rent").location))
    ids = []
    for event in emu.held_events:
        if event["type"] == "checkout.session.completed":
            body = json.dumps(event).encode()
            assert (
                post(app.test_client(), body, StripeEmulator.sign(body, WEBHOOK_SECRET)).status_code
                == 200
            )
            ids.append(event["id"])
    db.session.remove()
    return ids


def test_a_payment_is_fulfilled_without_reading_the_events_queued_behind_it(
    app, make_user, film, emu
):
    from storefront.services.payments.webhooks import process_event

    first, *behind = _queue_payments(app, make_user, film, emu, 3)
    read: list[str] = []
    record = lambda target, *args: read.append(target.id)  # noqa: E731
    sa.event.listen(WebhookEvent, "load", record)
    try:
        outcome = process_event(app.extensions["payments"], first)
    finally:
        sa.event.remove(WebhookEvent, "load", record)

    # A premiere queues hundreds: each payment reading them all again grows with the queue.
    assert outcome is not None and outcome.final and set(read) == {first}
    db.session.commit()
    assert [fresh(WebhookEvent, i).processed_at for i in behind] == [None, None]


def test_the_periodic_retry_leaves_a_queued_event_to_its_job_until_the_job_looks_lost(
    app, make_user, film, emu
):
    from storefront.jobs import QUEUED_JOB_GRACE
    from storefront.models import utcnow
    from storefront.services.payments.webhooks import retry_waiting

    (queued,) = _queue_payments(app, make_user, film, emu, 1)
    gateway = app.extensions["payments"]

    assert retry_waiting(gateway) == 0  # its job is about to fulfil it
    assert fresh(WebhookEvent, queued).processed_at is None

    later = utcnow() + QUEUED_JOB_GRACE + timedelta(seconds=1)
    assert retry_waiting(gateway, now=later) == 1  # the queue lost the job: fulfilled anyway
    db.session.commit()
    assert fresh(WebhookEvent, queued).processed_at is not None
    assert latest_order().status == OrderStatus.PAID
