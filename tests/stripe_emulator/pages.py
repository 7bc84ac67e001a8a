"""Hosted pages: Checkout, Connect onboarding, Express dashboard and receipts.

Plain HTML with clearly labelled buttons so browser tests can drive them.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from flask import Flask, Response, redirect, request

from . import checkout, connect
from .money import format_amount
from .params import StripeError
from .state import Obj

if TYPE_CHECKING:
    from .emulator import StripeEmulator

COUNTRIES = ("US", "GB", "DE", "FR", "NL", "IE", "ES", "IT", "SE", "CA", "AU", "JP", "BR", "IN")


def _page(title: str, body: str, status: int = 200) -> Response:
    html = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title>"
        "<style>body{font-family:sans-serif;max-width:32rem;margin:3rem auto}"
        "button{font-size:1rem;margin:.25rem .5rem .25rem 0;padding:.5rem 1rem}"
        ".error{color:#b00020}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )
    return Response(html, status=status, mimetype="text/html")


def success_redirect(session: Obj) -> Response:
    """303 to the session's success URL with ``{CHECKOUT_SESSION_ID}`` filled in."""
    url = (session["success_url"] or "/").replace("{CHECKOUT_SESSION_ID}", session["id"])
    return redirect(url, code=303)


def register_pages(app: Flask, emu: StripeEmulator) -> None:
    """Attach the hosted pages for ``emu`` to ``app``."""
    state = emu.state

    def checkout_page(session_id: str, error: str | None = None, status: int = 200) -> Response:
        with state.transaction() as outbox:
            session = state.find(session_id, "checkout.session")
            if session is not None:
                checkout.expire_if_due(state, session)
                session = dict(session)
                items = state.line_items.get(session_id, [])
                extra = dict(state.private.get(session_id, {}))
            events = list(outbox)
        emu.dispatcher.dispatch(events)
        if session is None:
            return _page("Not found", "<h1>Something went wrong</h1><p>Unknown session.</p>", 404)
        if session["status"] == "expired":
            return _page(
                "Session expired",
                "<h1>Session expired</h1><p>This Checkout Session has expired.</p>"
                + _back_link(session),
            )
        if session["status"] == "complete":
            success = escape(
                (session["success_url"] or "").replace("{CHECKOUT_SESSION_ID}", session["id"])
            )
            return _page(
                "Payment complete",
                "<h1>Payment complete</h1><p>This Checkout Session is already complete.</p>"
                f"<p><a href='{success}'>Continue</a></p>",
            )
        amount = format_amount(session["amount_total"], session["currency"], session["locale"])
        lines = "".join(
            f"<li><span class='product'>{escape(item['description'])}</span> × "
            f"{item['quantity']}</li>"
            for item in items
        )
        description = extra.get("product_description")
        email = session["customer_email"]
        email_field = (
            f"<p>Email: <strong>{escape(email)}</strong></p>"
            if email
            else "<p><label>Email <input type='email' name='email' "
            "value='jenny.rosen@example.com'></label></p>"
        )
        options = "".join(
            f"<option{' selected' if c == emu.card_country else ''}>{c}</option>" for c in COUNTRIES
        )
        notice = f"<p class='error' role='alert'>{escape(error)}</p>" if error else ""
        base = f"/c/pay/{escape(session_id)}"
        body = (
            f"<h1>Checkout</h1><ul class='line-items'>{lines}</ul>"
            + (f"<p class='description'>{escape(description)}</p>" if description else "")
            + f"<p>Total: <strong class='amount'>{escape(amount)}</strong></p>{notice}"
            f"<form method='post' action='{base}/pay'>{email_field}"
            f"<p><label>Card country <select name='card_country'>{options}</select></label></p>"
            "<button type='submit' data-testid='pay'>Pay</button>"
            f"<button type='submit' formaction='{base}/decline' data-testid='decline'>"
            "Decline</button>"
            f"<button type='submit' formaction='{base}/pay-async' data-testid='pay-async'>"
            "Pay later (async)</button>"
            "</form>" + _back_link(session)
        )
        return _page("Checkout", body, status)

    def _back_link(session: Obj) -> str:
        if not session.get("cancel_url"):
            return ""
        return f"<p><a href='{escape(session['cancel_url'])}' data-testid='cancel'>Cancel</a></p>"

    @app.get("/c/pay/<session_id>")
    def hosted_checkout(session_id: str) -> Response:
        return checkout_page(session_id)

    def _act(session_id: str, action: str) -> Response:
        form = request.form
        country = form.get("card_country") or emu.card_country
        try:
            if action == "decline":
                emu.decline(session_id)
                return checkout_page(session_id, "Your card was declined.", 402)
            session = emu.transact(
                lambda: checkout.complete(
                    state,
                    state.require(session_id, "checkout.session"),
                    delayed=action == "pay-async",
                    email=form.get("email") or None,
                    card_country=country,
                )
            )
        except StripeError as exc:
            if exc.code == "resource_missing":
                return checkout_page(session_id)
            return checkout_page(session_id, exc.message, 400)
        return success_redirect(session)

    @app.post("/c/pay/<session_id>/<any(pay, decline, 'pay-async'):action>")
    def hosted_checkout_action(session_id: str, action: str) -> Response:
        return _act(session_id, action)

    @app.get("/setup/e/<account_id>/<token>")
    def onboarding(account_id: str, token: str) -> Response:
        with state.lock:
            link = connect.usable_link(state, token)
            known = state.link_tokens.get(token)
        if link is None or link["account"] != account_id:
            if known is not None:
                return redirect(known["refresh_url"], code=302)
            return _page("Link expired", "<h1>This link is invalid</h1>", 404)
        base = f"/setup/e/{escape(account_id)}/{escape(token)}"
        return _page(
            "Onboarding",
            f"<h1>Set up payouts</h1><p>Account <code>{escape(account_id)}</code></p>"
            f"<form method='post' action='{base}/complete'>"
            "<button type='submit' data-testid='complete-onboarding'>Complete onboarding</button>"
            f"<button type='submit' formaction='{base}/leave' data-testid='leave'>Leave</button>"
            "</form>",
        )

    @app.post("/setup/e/<account_id>/<token>/<any(complete, leave):action>")
    def onboarding_action(account_id: str, token: str, action: str) -> Response:
        with state.lock:
            link = connect.usable_link(state, token)
            known = state.link_tokens.get(token)
            if link is not None:
                link["used"] = True
        if link is None or link["account"] != account_id:
            if known is not None:
                return redirect(known["refresh_url"], code=303)
            return _page("Link expired", "<h1>This link is invalid</h1>", 404)
        if action == "leave":
            return redirect(link["refresh_url"], code=303)
        emu.complete_onboarding(account_id)
        return redirect(link["return_url"], code=303)

    @app.get("/express/<account_id>/<token>")
    def express_dashboard(account_id: str, token: str) -> Response:
        return _page(
            "Express dashboard",
            f"<h1>Express dashboard</h1><p>Account <code>{escape(account_id)}</code></p>",
        )

    @app.get("/receipts/<charge_id>")
    def receipt(charge_id: str) -> Response:
        with state.lock:
            charge = state.find(charge_id, "charge")
            charge = dict(charge) if charge else None
        if charge is None:
            return _page("Not found", "<h1>Receipt not found</h1>", 404)
        amount = format_amount(charge["amount"], charge["currency"])
        return _page(
            "Receipt",
            f"<h1>Receipt</h1><p>Amount paid: <strong>{escape(amount)}</strong></p>"
            f"<p>Refunded: {escape(format_amount(charge['amount_refunded'], charge['currency']))}"
            "</p>",
        )
