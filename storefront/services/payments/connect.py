"""Getting paid: which account receives a studio's sales, and whether it can yet.

Connect mode (STRIPE_CONNECT on, with the Stripe backend): each studio onboards its own Stripe
Express account and sales are destination charges to it. Otherwise every sale goes to the
operator's own account (a filmmaker or collective running its own store).
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...adapters.payments import PaymentError, PaymentGateway
from ...extensions import db
from ...models import Studio
from ..accounts.studios import studio_contact
from .events import Outcome, data_object, ignored, processed

Obj = dict[str, Any]

# Stripe's requirement keys in plain words (prefix match); anything else is shown tidied up.
REQUIREMENT_WORDS = (
    ("business_profile.mcc", _l("What kind of business you are")),
    ("business_profile.url", _l("Your website or a description of what you sell")),
    ("business_profile", _l("Details about your business")),
    ("business_type", _l("Whether you sell as a person or a company")),
    ("external_account", _l("A bank account for payouts")),
    ("tos_acceptance", _l("Accepting Stripe's terms of service")),
    ("representative", _l("The name and details of the person responsible")),
    ("individual.verification", _l("A proof of identity")),
    ("individual", _l("Your personal details")),
    ("company", _l("Your company's details")),
    ("owners", _l("Who owns the company")),
    ("directors", _l("Who directs the company")),
    ("executives", _l("Who runs the company")),
    ("settings.payments.statement_descriptor", _l("The name shown on buyers' statements")),
)


def connect_enabled() -> bool:
    """Sales go to each studio's own connected account (not the operator's)."""
    config = current_app.config
    return bool(config.get("STRIPE_CONNECT")) and config.get("PAYMENTS_BACKEND") == "stripe"


def requirement_labels(keys: list[str]) -> list[str]:
    """Stripe's ``requirements.currently_due`` in plain words, without repeats."""
    labels: list[str] = []
    for key in keys:
        words = next((str(w) for prefix, w in REQUIREMENT_WORDS if key.startswith(prefix)), None)
        label = words or key.replace("_", " ").replace(".", ": ").capitalize()
        if label not in labels:
            labels.append(label)
    return labels


def payment_blockers(studio: Studio) -> list[str]:
    """Why this studio cannot receive payments yet (empty when it can)."""
    if not connect_enabled():
        return []
    if not studio.stripe_account_id:
        return [_("The studio has not connected a Stripe account to receive payments.")]
    if not studio.charges_enabled:
        return [_("Stripe has not enabled payments for the studio's account yet.")] + [
            _("Stripe still needs: %(item)s", item=label)
            for label in requirement_labels(studio.payment_requirements or [])
        ]
    return []


def apply_account(studio: Studio, account: Obj) -> None:
    """Mirror what Stripe says about the studio's account."""
    requirements = account.get("requirements") or {}
    studio.charges_enabled = bool(account.get("charges_enabled"))
    studio.payouts_enabled = bool(account.get("payouts_enabled"))
    studio.details_submitted = bool(account.get("details_submitted"))
    studio.payment_requirements = list(requirements.get("currently_due") or [])
    db.session.flush()


def start_onboarding(
    gateway: PaymentGateway, studio: Studio, *, refresh_url: str, return_url: str
) -> str:
    """The Stripe-hosted onboarding URL for the studio, creating its account the first time."""
    if not studio.stripe_account_id:
        email = studio_contact(studio)
        if not email:
            raise PaymentError(
                _("Set your studio's contact email in its profile before connecting payments.")
            )
        account = gateway.create_account(
            email=email,
            country=studio.country,
            idempotency_key=f"studio-{studio.id}-account",
        )
        studio.stripe_account_id = account["id"]
        apply_account(studio, account)
    return gateway.create_account_link(
        studio.stripe_account_id, refresh_url=refresh_url, return_url=return_url
    )


def able_again(account: Obj, previous: Obj) -> bool:
    """Whether an ``account.updated`` event says the account can receive money again: its
    payouts or its transfers capability were off before this change and are on now."""
    capabilities = account.get("capabilities") or {}
    if not account.get("payouts_enabled") or capabilities.get("transfers") not in (None, "active"):
        return False
    before = previous.get("capabilities") or {}
    return previous.get("payouts_enabled") is False or before.get("transfers") not in (
        None,
        "active",
    )


def refresh_account(gateway: PaymentGateway, studio: Studio) -> None:
    """Ask Stripe for the account's state now (on return from onboarding)."""
    if studio.stripe_account_id:
        apply_account(studio, gateway.retrieve_account(studio.stripe_account_id))


def studio_for_account(account_id: str | None) -> Studio | None:
    if not account_id:
        return None
    return db.session.scalar(db.select(Studio).filter_by(stripe_account_id=account_id))


def account_updated(gateway: PaymentGateway, event: Obj, fetched: Any) -> Outcome:
    account = data_object(event)
    studio = studio_for_account(event.get("account") or account.get("id"))
    if studio is None:
        return ignored(f"no studio for account {account.get('id')}")
    apply_account(studio, account)
    return processed(f"studio {studio.slug} payment status updated")


def payout_failed(gateway: PaymentGateway, event: Obj, fetched: Any) -> Outcome:
    """A payout to a studio's bank failed (a Connect event on its account): tell the studio."""
    from ..accounts.notifications import studio_mails

    payout = data_object(event)
    studio = studio_for_account(event.get("account"))
    if studio is None:
        return ignored(f"no studio for account {event.get('account')}")
    studio_mails.payout_failed(studio, payout)
    return processed(f"payout {payout.get('id')} of studio {studio.slug} failed; studio told")
