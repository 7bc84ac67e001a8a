"""What acknowledging a webhook costs the database: a premiere delivers hundreds of events a
minute, and Stripe counts a slow answer as a failed delivery."""

from __future__ import annotations

import pytest

from storefront.extensions import db
from storefront.models import WebhookEvent
from tests.stripe_emulator import StripeEmulator

from .conftest import WEBHOOK_SECRET
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
