"""The offline test checkout page: stands in for Stripe's hosted page when no keys are set.

Clearly labelled as a test; "Pay" makes the offline gateway produce the same events Stripe
would, which are then fulfilled by the same code. Only served with PAYMENTS_BACKEND=offline.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request
from flask.typing import ResponseReturnValue

from ..adapters.payments import InvalidPaymentRequest, OfflineGateway
from ..public_urls import public_url_for

bp = Blueprint("test_checkout", __name__, url_prefix="/payments/test-checkout")


def page_url(session_id: str) -> str:
    """The test page of an offline Checkout Session (used by the gateway)."""
    return public_url_for("test_checkout.page", session_id=session_id)


def _gateway() -> OfflineGateway:
    gateway = current_app.extensions.get("payments")
    if not isinstance(gateway, OfflineGateway):
        abort(404)
    return gateway


@bp.route("/<session_id>", methods=["GET"])
def page(session_id: str, declined: bool = False) -> ResponseReturnValue:
    session = _gateway().session_for_page(session_id) or abort(404)
    return render_template(
        "checkout/test_page.html", checkout_session=session, declined=declined
    ), 402 if declined else 200


@bp.post("/<session_id>/pay")
def pay(session_id: str) -> ResponseReturnValue:
    gateway = _gateway()
    try:
        session = gateway.pay(session_id, email=request.form.get("email") or None)
    except InvalidPaymentRequest:
        return page(session_id)
    return redirect(session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id), 303)


@bp.post("/<session_id>/decline")
def decline(session_id: str) -> ResponseReturnValue:
    try:
        _gateway().decline(session_id)
    except InvalidPaymentRequest:
        return page(session_id)
    return page(session_id, declined=True)
