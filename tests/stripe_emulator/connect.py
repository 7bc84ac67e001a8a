"""Connect: Express accounts, onboarding links and Express dashboard links."""

from __future__ import annotations

import copy
import re
import secrets
from typing import Any

from . import objects
from . import params as p
from .catalog import BUSINESS_PROFILE, CURRENCY_BY_COUNTRY, EURO_COUNTRIES
from .params import ANY, StripeError
from .state import DASHBOARD, Obj, RequestContext, State

ACCOUNT_CREATE = {
    "type": None,
    "country": None,
    "email": None,
    "capabilities": ANY,
    "business_type": None,
    "metadata": ANY,
    "business_profile": ANY,
    "controller": ANY,
    "default_currency": None,
    "settings": ANY,
    "tos_acceptance": ANY,
    "individual": ANY,
    "company": ANY,
    "external_account": ANY,
    "expand": [None],
}
ACCOUNT_UPDATE = {
    key: ACCOUNT_CREATE[key]
    for key in ("email", "metadata", "business_profile", "settings", "business_type", "expand")
}
ACCOUNT_LINK_CREATE = {
    "account": None,
    "type": None,
    "refresh_url": None,
    "return_url": None,
    "collect": None,
    "collection_options": ANY,
    "expand": [None],
}
BUSINESS_TYPES = ("individual", "company", "non_profit", "government_entity")
LINK_LIFETIME = 300


def _requirements(due: list[str]) -> Obj:
    return {
        "alternatives": [],
        "current_deadline": None,
        "currently_due": list(due),
        "disabled_reason": "requirements.past_due" if due else None,
        "errors": [],
        "eventually_due": list(due),
        "past_due": list(due),
        "pending_verification": [],
    }


EXPRESS_REQUIREMENTS = [
    "business_profile.mcc",
    "business_profile.url",
    "business_type",
    "external_account",
    "representative.first_name",
    "representative.last_name",
    "tos_acceptance.date",
    "tos_acceptance.ip",
]


def account(**fields: Any) -> Obj:
    """A connected ``account`` that has not been onboarded yet."""
    acct_id = objects.new_id("acct", 16)
    obj: Obj = {
        "id": acct_id,
        "object": "account",
        "business_profile": dict.fromkeys(BUSINESS_PROFILE),
        "business_type": None,
        "capabilities": {},
        "charges_enabled": False,
        "controller": {
            "fees": {"payer": "application"},
            "is_controller": True,
            "losses": {"payments": "application"},
            "requirement_collection": "stripe",
            "stripe_dashboard": {"type": "express"},
            "type": "application",
        },
        "country": "US",
        "created": 0,
        "default_currency": "usd",
        "details_submitted": False,
        "email": None,
        "external_accounts": objects.empty_list(f"/v1/accounts/{acct_id}/external_accounts"),
        "future_requirements": _requirements([]),
        "livemode": False,
        "metadata": {},
        "payouts_enabled": False,
        "requirements": _requirements(EXPRESS_REQUIREMENTS),
        "settings": {
            "dashboard": {"display_name": None, "timezone": "Etc/UTC"},
            "payouts": {
                "debit_negative_balances": True,
                "schedule": {"delay_days": 2, "interval": "daily"},
                "statement_descriptor": None,
            },
        },
        "tos_acceptance": {"date": None, "ip": None, "user_agent": None},
        "type": "express",
    }
    obj.update(fields)
    return obj


def onboarded(acct: Obj, now: int) -> None:
    """Mark an account as having finished onboarding (in place)."""
    acct["charges_enabled"] = True
    acct["payouts_enabled"] = True
    acct["details_submitted"] = True
    acct["requirements"] = _requirements([])
    acct["capabilities"] = dict.fromkeys(acct["capabilities"], "active")
    acct["tos_acceptance"] = {"date": now, "ip": "127.0.0.1", "user_agent": "Mozilla/5.0"}


def create_account(state: State, params: Obj) -> Obj:
    """``POST /v1/accounts``."""
    p.check_unknown(params, ACCOUNT_CREATE)
    kind = p.string(params, "type") or "express"
    if kind not in ("express", "standard", "custom"):
        raise StripeError(f"Invalid type: {kind}", param="type")
    country = (p.string(params, "country") or "US").upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise StripeError(f"Country '{country}' is unknown.", param="country")
    email = p.string(params, "email")
    if email is not None and "@" not in email:
        raise StripeError(f"Invalid email address: {email}", param="email", code="email_invalid")
    business_type = p.string(params, "business_type")
    if business_type is not None and business_type not in BUSINESS_TYPES:
        raise StripeError(
            f"Invalid business_type: must be one of {', '.join(BUSINESS_TYPES)}",
            param="business_type",
        )
    requested = p.get(params, "capabilities") or {}
    capabilities = {
        name: "inactive"
        for name in requested
        if p.boolean(params, f"capabilities.{name}.requested")
    }
    currency = "eur" if country in EURO_COUNTRIES else CURRENCY_BY_COUNTRY.get(country, "usd")
    acct = account(
        type=kind,
        country=country,
        email=email,
        business_type=business_type,
        capabilities=capabilities,
        default_currency=p.string(params, "default_currency") or currency,
        metadata=p.metadata(params),
        created=state.now(),
    )
    if kind != "express":
        acct["controller"] = {"is_controller": True, "type": "application"}
    profile = p.get(params, "business_profile")
    if isinstance(profile, dict):
        acct["business_profile"].update(
            {k: v for k, v in profile.items() if k in acct["business_profile"]}
        )
    return state.put(acct)


def update_account(state: State, acct: Obj, params: Obj, ctx: RequestContext) -> Obj:
    """``POST /v1/accounts/{id}`` (email, metadata, business profile)."""
    p.check_unknown(params, ACCOUNT_UPDATE)
    before = copy.deepcopy(acct)
    if p.string(params, "email") is not None:
        acct["email"] = p.string(params, "email")
    if p.get(params, "metadata") is not None:
        raw = p.get(params, "metadata") or {}
        acct["metadata"].update(p.metadata(params))
        for key, value in raw.items() if isinstance(raw, dict) else ():
            if value == "":
                acct["metadata"].pop(key, None)
    profile = p.get(params, "business_profile")
    if isinstance(profile, dict):
        acct["business_profile"].update(
            {k: v for k, v in profile.items() if k in acct["business_profile"]}
        )
    _account_updated(state, acct, before, ctx)
    return acct


def _account_updated(state: State, acct: Obj, before: Obj, ctx: RequestContext) -> None:
    previous = {k: v for k, v in before.items() if acct.get(k) != v}
    if previous:
        state.emit("account.updated", acct, ctx, account=acct["id"], previous=previous)


def create_account_link(state: State, params: Obj) -> Obj:
    """``POST /v1/account_links``: a single-use onboarding URL on the emulator."""
    p.check_unknown(params, ACCOUNT_LINK_CREATE)
    account_id = p.string(params, "account", required=True) or ""
    acct = state.require(account_id, "account", param="account", status=400)
    kind = p.string(params, "type", required=True)
    if kind not in ("account_onboarding", "account_update"):
        raise StripeError(
            "Invalid type: must be one of account_onboarding or account_update", param="type"
        )
    if kind == "account_update" and acct["type"] == "express":
        raise StripeError(
            "You cannot create `account_update` type Account Links for Express accounts.",
            param="type",
        )
    refresh_url = p.url(params, "refresh_url", required=True)
    return_url = p.url(params, "return_url", required=True)
    token = secrets.token_urlsafe(18)
    now = state.now()
    state.link_tokens[token] = {
        "account": account_id,
        "refresh_url": refresh_url,
        "return_url": return_url,
        "expires_at": now + LINK_LIFETIME,
        "used": False,
    }
    return {
        "object": "account_link",
        "created": now,
        "expires_at": now + LINK_LIFETIME,
        "url": f"{state.base_url}/setup/e/{account_id}/{token}",
    }


def usable_link(state: State, token: str) -> Obj | None:
    """The onboarding link for ``token`` if it is neither used nor expired."""
    link = state.link_tokens.get(token)
    if link is None or link["used"] or state.now() > link["expires_at"]:
        return None
    return link


def complete_onboarding(state: State, account_id: str, ctx: RequestContext = DASHBOARD) -> Obj:
    """The account holder finishes onboarding (or provides what Stripe asked for since):
    charges, payouts and transfers become enabled."""
    acct = state.require(account_id, "account")
    if acct["details_submitted"] and acct["charges_enabled"] and acct["payouts_enabled"]:
        return acct
    before = copy.deepcopy(acct)
    onboarded(acct, state.now())
    _account_updated(state, acct, before, ctx)
    return acct


def disable_payouts(state: State, account_id: str, ctx: RequestContext = DASHBOARD) -> Obj:
    """Stripe disables a connected account's payouts and transfers later (requirements past
    due): transfers to it are refused; reversals of earlier transfers still debit it."""
    acct = state.require(account_id, "account")
    before = copy.deepcopy(acct)
    acct["payouts_enabled"] = False
    acct["capabilities"]["transfers"] = "inactive"
    acct["requirements"] = _requirements(["individual.verification.document"])
    _account_updated(state, acct, before, ctx)
    return acct


def create_login_link(state: State, account_id: str, params: Obj) -> Obj:
    """``POST /v1/accounts/{id}/login_links`` for the Express dashboard."""
    p.check_unknown(params, {"expand": [None]})
    acct = state.require(account_id, "account")
    if acct["type"] != "express":
        raise StripeError("Login links can only be created for Express accounts.")
    if not acct["details_submitted"]:
        raise StripeError(
            "Cannot create a login link for an account that has not completed onboarding."
        )
    return {
        "object": "login_link",
        "created": state.now(),
        "url": f"{state.base_url}/express/{account_id}/{secrets.token_urlsafe(12)}",
    }
