"""``/_emulator`` control routes: the Python API over HTTP, for out-of-process use.

Bodies are JSON (or form fields); answers are JSON.  No authentication: the
emulator only listens on loopback.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, request

from .params import StripeError

if TYPE_CHECKING:
    from .emulator import StripeEmulator


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if isinstance(data, dict):
        return data
    return dict(request.form.items())


def _truthy(value: Any, default: bool = False) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes", "on")
    return bool(value)


def _answer(value: Any, status: int = 200) -> Response:
    return Response(json.dumps(value, indent=2, default=str), status, mimetype="application/json")


def register_control(app: Flask, emu: StripeEmulator) -> None:
    """Attach the control routes for ``emu`` to ``app``."""

    def control(rule: str, method: str = "POST") -> Callable[[Callable[..., Any]], None]:
        def register(fn: Callable[..., Any]) -> None:
            def view(**kwargs: str) -> Response:
                try:
                    return _answer(fn(_body(), **kwargs))
                except StripeError as exc:
                    return _answer(exc.body(), exc.status)
                except (TypeError, ValueError) as exc:
                    return _answer({"error": {"message": str(exc)}}, 400)

            app.add_url_rule(rule, "control_" + fn.__name__, view, methods=[method])

        return register

    @control("/_emulator/reset")
    def reset(body: dict[str, Any]) -> Any:
        emu.reset()
        return {"ok": True}

    @control("/_emulator/webhook_endpoints")
    def add_endpoint(body: dict[str, Any]) -> Any:
        events = body.get("enabled_events")
        connect = body.get("connect")
        endpoint = emu.add_webhook_endpoint(
            body["url"],
            body.get("secret"),
            enabled_events=events.split(",") if isinstance(events, str) else events,
            connect=None if connect is None else _truthy(connect),
        )
        return {**endpoint.describe(), "secret": endpoint.secret}

    @control("/_emulator/webhook_endpoints", "GET")
    def list_endpoints(body: dict[str, Any]) -> Any:
        return [e.describe() for e in emu.webhook_endpoints]

    @control("/_emulator/checkout/sessions/<session_id>/<action>")
    def session_action(body: dict[str, Any], session_id: str, action: str) -> Any:
        extra = {k: body[k] for k in ("email", "card_country") if body.get(k)}
        if action == "pay":
            return emu.pay(session_id, **extra)
        if action == "pay_async":
            return emu.pay_async(session_id, **extra)
        if action == "decline":
            return emu.decline(session_id)
        if action == "expire":
            return emu.expire(session_id)
        if action == "async_result":
            return emu.async_result(session_id, succeeded=_truthy(body.get("succeeded"), True))
        raise ValueError(f"unknown action {action}")

    @control("/_emulator/charges/<charge_id>/dispute")
    def dispute(body: dict[str, Any], charge_id: str) -> Any:
        amount = body.get("amount")
        return emu.dispute(
            charge_id,
            reason=body.get("reason", "fraudulent"),
            amount=None if amount is None else int(amount),
            inquiry=_truthy(body.get("inquiry"), False),
        )

    @control("/_emulator/disputes/<dispute_id>/escalate")
    def escalate_dispute(body: dict[str, Any], dispute_id: str) -> Any:
        return emu.escalate_dispute(dispute_id)

    @control("/_emulator/disputes/<dispute_id>/close")
    def close_dispute(body: dict[str, Any], dispute_id: str) -> Any:
        return emu.close_dispute(dispute_id, won=_truthy(body.get("won"), True))

    @control("/_emulator/refunds/hold_pending")
    def hold_refunds_pending(body: dict[str, Any]) -> Any:
        emu.hold_refunds_pending(int(body.get("count", 1)))
        return {"ok": True}

    @control("/_emulator/refunds/<refund_id>/<action>")
    def settle_refund(body: dict[str, Any], refund_id: str, action: str) -> Any:
        if action == "fail":
            return emu.fail_refund(refund_id, body.get("reason", "expired_or_canceled_card"))
        if action == "succeed":
            return emu.succeed_refund(refund_id)
        raise ValueError(f"unknown action {action}")

    @control("/_emulator/accounts/<account_id>/complete_onboarding")
    def complete_onboarding(body: dict[str, Any], account_id: str) -> Any:
        return emu.complete_onboarding(account_id)

    @control("/_emulator/fail_next")
    def fail_next(body: dict[str, Any]) -> Any:
        emu.fail_next(body["path_prefix"], int(body.get("status", 500)), int(body.get("count", 1)))
        return {"ok": True}

    @control("/_emulator/delay_next")
    def delay_next(body: dict[str, Any]) -> Any:
        emu.delay_next(body["path_prefix"], float(body["seconds"]), int(body.get("count", 1)))
        return {"ok": True}

    @control("/_emulator/events", "GET")
    def events(body: dict[str, Any]) -> Any:
        return emu.events

    @control("/_emulator/deliveries", "GET")
    def deliveries(body: dict[str, Any]) -> Any:
        return [d.as_dict() for d in emu.deliveries]

    @control("/_emulator/balance_transactions", "GET")
    def balance_transactions(body: dict[str, Any]) -> Any:
        return emu.balance_transactions(request.args.get("account") or None)

    @control("/_emulator/account_rates")
    def account_rates(body: dict[str, Any]) -> Any:
        emu.account_rates(body["source"], body["rates"])
        return {"ok": True}

    @control("/_emulator/pay_out")
    def pay_out(body: dict[str, Any]) -> Any:
        account = body.get("account") or None
        return emu.pay_out(account, int(body["amount"]), body["currency"])

    @control("/_emulator/webhooks/hold")
    def hold(body: dict[str, Any]) -> Any:
        emu.hold_webhooks = _truthy(body.get("hold"), True)
        return {"hold": emu.hold_webhooks}

    @control("/_emulator/webhooks/release")
    def release(body: dict[str, Any]) -> Any:
        return [d.as_dict() for d in emu.release_held(reverse=_truthy(body.get("reverse")))]

    @control("/_emulator/events/<event_id>/deliver")
    def deliver(body: dict[str, Any], event_id: str) -> Any:
        found = emu.deliver(
            event_id,
            times=int(body.get("times", 1)),
            concurrently=_truthy(body.get("concurrently")),
        )
        return [d.as_dict() for d in found]

    @control("/_emulator/clock/advance")
    def advance(body: dict[str, Any]) -> Any:
        emu.advance_clock(float(body["seconds"]))
        return {"now": emu.now()}
