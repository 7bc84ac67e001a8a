"""The ``/v1`` REST API: authentication, idempotency, error injection and routes."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, g, request

from . import checkout, connect, ledger, transfers
from . import params as p
from .objects import new_id
from .params import StripeError
from .state import IdempotentResult, Obj, RequestContext

if TYPE_CHECKING:
    from .emulator import StripeEmulator

RETRIEVE = {"expand": [None]}
PAGING = {"limit": None, "starting_after": None, "ending_before": None, "created": p.ANY}
PAGING.update(RETRIEVE)


def _json(body: Obj, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = Response(json.dumps(body, indent=2), status=status, mimetype="application/json")
    response.headers["Request-Id"] = getattr(g, "request_id", None) or new_id("req", 14)
    response.headers["Stripe-Version"] = request.headers.get("Stripe-Version", "")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def error_response(error: StripeError) -> Response:
    """Stripe's JSON error body with the matching HTTP status."""
    return _json(error.body(), error.status, error.headers)


def _api_key() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip()
    if header.startswith("Basic "):
        try:
            return base64.b64decode(header[6:]).decode().split(":", 1)[0]
        except ValueError:
            return None
    return None


def _authenticate(emu: StripeEmulator) -> RequestContext:
    key = _api_key()
    if not key:
        raise StripeError(
            "You did not provide an API key. You need to provide your API key in the "
            "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
            "YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details.",
            status=401,
        )
    if not key.startswith("sk_test_") or len(key) < 9:
        masked = key[:8] + "*" * max(0, len(key) - 12) + key[-4:]
        raise StripeError(f"Invalid API Key provided: {masked}", status=401)
    account = request.headers.get("Stripe-Account") or None
    if account and emu.state.find(account, "account") is None:
        raise StripeError(
            f"The provided key '{key[:8]}***{key[-4:]}' does not have access to account "
            f"'{account}' (or that account does not exist). Application access may have "
            "been revoked.",
            status=403,
            code="account_invalid",
        )
    g.api_key = key
    return RequestContext(
        request_id=g.request_id,
        idempotency_key=request.headers.get("Idempotency-Key")
        if request.method == "POST"
        else None,
        account=account,
        api_version=request.headers.get("Stripe-Version") or None,
    )


def _params() -> Obj:
    pairs = list(request.args.items(multi=True))
    if request.method == "POST":
        pairs += list(request.form.items(multi=True))
    return p.decode(pairs)


def register_api(app: Flask, emu: StripeEmulator) -> None:
    """Attach the ``/v1`` routes for ``emu`` to ``app``."""
    state = emu.state

    @app.before_request
    def _inject() -> Response | None:
        g.request_id = new_id("req", 14)
        if request.path.startswith("/_emulator"):
            return None
        delay, failure = emu.take_injections(request.path)
        if delay:
            time.sleep(delay)
        if failure is not None and request.path.startswith("/v1/"):
            return error_response(failure)
        if failure is not None:
            return Response(failure.message, status=failure.status, mimetype="text/plain")
        return None

    def route(
        rule: str, *methods: str, schema: Any = RETRIEVE
    ) -> Callable[[Callable[..., Obj]], None]:
        """Register an API handler ``fn(params, ctx, **url_args) -> object``."""

        def register(fn: Callable[..., Obj]) -> None:
            def view(**kwargs: str) -> Response:
                try:
                    ctx = _authenticate(emu)
                    params = _params()
                except StripeError as exc:
                    return error_response(exc)
                idem = (g.api_key, ctx.account or "", ctx.idempotency_key or "")
                with state.transaction() as outbox:
                    saved = state.idempotency.get(idem) if ctx.idempotency_key else None
                    if saved is not None:
                        return _replay(saved, params)
                    try:
                        if schema is not None:
                            p.check_unknown(params, schema)
                        result = fn(params, ctx, **kwargs)
                        body = state.render(result, p.string_list(params, "expand"))
                    except StripeError as exc:
                        return error_response(exc)
                    if ctx.idempotency_key:
                        state.idempotency[idem] = IdempotentResult(
                            request.method, request.path, params, 200, json.dumps(body)
                        )
                    events = list(outbox)
                emu.dispatcher.dispatch(events)
                return _json(body, headers={"Idempotency-Key": ctx.idempotency_key or ""})

            view.__name__ = fn.__name__
            app.add_url_rule(rule, endpoint=fn.__name__, view_func=view, methods=list(methods))

        return register

    def _replay(saved: IdempotentResult, params: Obj) -> Response:
        key = request.headers.get("Idempotency-Key", "")
        if (saved.method, saved.path) != (request.method, request.path):
            return error_response(
                StripeError(
                    "Keys for idempotent requests can only be used for the same endpoint they "
                    f"were first used for ('{saved.method} {saved.path}' vs '{request.method} "
                    f"{request.path}'). Try using a key other than '{key}' if you meant to "
                    "execute a different request.",
                    type="idempotency_error",
                )
            )
        if saved.params != params:
            return error_response(
                StripeError(
                    "Keys for idempotent requests can only be used with the same parameters "
                    f"they were first used with. Try using a key other than '{key}' if you "
                    "meant to execute a different request.",
                    type="idempotency_error",
                )
            )
        return _json(
            json.loads(saved.body),
            saved.status,
            {"Idempotent-Replayed": "true", "Idempotency-Key": key},
        )

    def retrieve(kind: str, rule: str) -> None:
        def fetch(params: Obj, ctx: RequestContext, object_id: str) -> Obj:
            # With ``Stripe-Account`` the request acts as that connected account: it reads
            # that account's objects (a transfer's destination payment), not the platform's.
            account = None if kind == "account" else ctx.account
            obj = state.require(object_id, kind, account=account)
            if kind == "checkout.session":
                checkout.expire_if_due(state, obj)
            return obj

        fetch.__name__ = "retrieve_" + kind.replace(".", "_")
        route(rule, "GET")(fetch)

    def listing(kind: str, url: str, **filters: Callable[[Obj, Any], bool]) -> None:
        def fetch(params: Obj, ctx: RequestContext) -> Obj:
            if kind == "checkout.session":
                for session in state.all(kind):
                    checkout.expire_if_due(state, session)
            wanted = {name: params[name] for name in filters if params.get(name) is not None}

            def keep(obj: Obj) -> bool:
                return all(filters[name](obj, value) for name, value in wanted.items())

            return state.page(kind, params, url, keep, account=ctx.account)

        fetch.__name__ = "list_" + kind.replace(".", "_")
        route(url, "GET", schema={**PAGING, **dict.fromkeys(filters, p.ANY)})(fetch)

    def field(name: str) -> Callable[[Obj, Any], bool]:
        return lambda obj, value: obj.get(name) == value

    for kind, rule in (
        ("checkout.session", "/v1/checkout/sessions/<object_id>"),
        ("payment_intent", "/v1/payment_intents/<object_id>"),
        ("charge", "/v1/charges/<object_id>"),
        ("balance_transaction", "/v1/balance_transactions/<object_id>"),
        ("refund", "/v1/refunds/<object_id>"),
        ("dispute", "/v1/disputes/<object_id>"),
        ("event", "/v1/events/<object_id>"),
        ("application_fee", "/v1/application_fees/<object_id>"),
        ("transfer", "/v1/transfers/<object_id>"),
        ("account", "/v1/accounts/<object_id>"),
    ):
        retrieve(kind, rule)

    listing(
        "checkout.session",
        "/v1/checkout/sessions",
        payment_intent=field("payment_intent"),
        status=field("status"),
        client_reference_id=field("client_reference_id"),
    )
    listing("payment_intent", "/v1/payment_intents")
    listing(
        "charge",
        "/v1/charges",
        payment_intent=field("payment_intent"),
        transfer_group=field("transfer_group"),
    )
    listing(
        "balance_transaction",
        "/v1/balance_transactions",
        type=field("type"),
        source=field("source"),
        currency=field("currency"),
    )
    listing("refund", "/v1/refunds", charge=field("charge"), payment_intent=field("payment_intent"))
    listing(
        "dispute", "/v1/disputes", charge=field("charge"), payment_intent=field("payment_intent")
    )
    listing(
        "event",
        "/v1/events",
        type=field("type"),
        types=lambda obj, value: obj["type"] in (value if isinstance(value, list) else [value]),
    )
    listing("application_fee", "/v1/application_fees", charge=field("charge"))
    listing(
        "transfer",
        "/v1/transfers",
        destination=field("destination"),
        transfer_group=field("transfer_group"),
    )
    listing("account", "/v1/accounts")  # fmt: skip

    @route("/v1/checkout/sessions", "POST", schema=None)
    def create_checkout_session(params: Obj, ctx: RequestContext) -> Obj:
        return checkout.create_session(state, params, ctx)

    @route("/v1/checkout/sessions/<session_id>/expire", "POST")
    def expire_checkout_session(params: Obj, ctx: RequestContext, session_id: str) -> Obj:
        session = state.require(session_id, "checkout.session")
        checkout.expire_if_due(state, session)
        return checkout.expire(state, session, ctx)

    @route("/v1/checkout/sessions/<session_id>/line_items", "GET", schema=PAGING)
    def list_line_items(params: Obj, ctx: RequestContext, session_id: str) -> Obj:
        state.require(session_id, "checkout.session")
        return state.line_items_list(session_id)

    @route("/v1/refunds", "POST", schema=None)
    def create_refund(params: Obj, ctx: RequestContext) -> Obj:
        return ledger.refund(state, params, ctx)

    @route("/v1/disputes/<dispute_id>", "POST", schema=None)
    def update_dispute(params: Obj, ctx: RequestContext, dispute_id: str) -> Obj:
        return ledger.update_dispute(state, state.require(dispute_id, "dispute"), params, ctx)

    @route("/v1/disputes/<dispute_id>/close", "POST")
    def close_dispute(params: Obj, ctx: RequestContext, dispute_id: str) -> Obj:
        return ledger.close_dispute(state, state.require(dispute_id, "dispute"), won=False, ctx=ctx)

    @route("/v1/transfers", "POST", schema=None)
    def create_transfer(params: Obj, ctx: RequestContext) -> Obj:
        return transfers.create_transfer(state, params, ctx)

    @route("/v1/transfers/<transfer_id>/reversals", "POST", schema=None)
    def create_transfer_reversal(params: Obj, ctx: RequestContext, transfer_id: str) -> Obj:
        transfer = state.require(transfer_id, "transfer")
        return transfers.create_reversal(state, transfer, params, ctx)

    @route("/v1/accounts", "POST", schema=None)
    def create_account(params: Obj, ctx: RequestContext) -> Obj:
        return connect.create_account(state, params)

    @route("/v1/accounts/<account_id>", "POST", schema=None)
    def update_account(params: Obj, ctx: RequestContext, account_id: str) -> Obj:
        acct = state.require(account_id, "account")
        return connect.update_account(state, acct, params, ctx)

    @route("/v1/account_links", "POST", schema=None)
    def create_account_link(params: Obj, ctx: RequestContext) -> Obj:
        return connect.create_account_link(state, params)

    @route("/v1/accounts/<account_id>/login_links", "POST", schema=None)
    def create_login_link(params: Obj, ctx: RequestContext, account_id: str) -> Obj:
        return connect.create_login_link(state, account_id, params)

    @app.errorhandler(404)
    @app.errorhandler(405)
    def _unknown(exc: Exception) -> Response | tuple[str, int]:
        if not request.path.startswith("/v1/"):
            return "Not found", 404
        return error_response(
            StripeError(
                f"Unrecognized request URL ({request.method}: {request.path}). Please see "
                "https://stripe.com/docs or we can help at https://support.stripe.com/.",
                status=404,
            )
        )
