"""``POST /webhooks/stripe``: the processor's events, the only path that fulfils orders."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from ..adapters.payments import InvalidWebhook, PaymentError
from ..extensions import client_address, csrf
from ..services.payments import webhooks

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
log = logging.getLogger(__name__)


@bp.post("/stripe")
@csrf.exempt
def stripe_events() -> ResponseReturnValue:
    payload = request.get_data(cache=False)  # the raw bytes the signature covers
    gateway = current_app.extensions["payments"]
    try:
        receipt = webhooks.receive(gateway, payload, request.headers.get("Stripe-Signature"))
    except InvalidWebhook as exc:
        log.warning("Rejected a webhook from %s: %s", client_address(), exc)
        return jsonify({"error": "invalid webhook"}), 400
    except PaymentError as exc:
        # Could not read what the event needs from the processor: it will deliver it again.
        log.warning("Webhook deferred, processor unavailable: %s", exc.detail)
        return jsonify({"error": "try again later"}), 503
    return jsonify({"id": receipt.event_id, "status": receipt.status, "detail": receipt.message})
