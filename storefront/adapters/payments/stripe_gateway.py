"""Stripe through the official SDK: Checkout, Connect Express, refunds and signed webhooks."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import stripe

from .base import (
    CHARGE_EXPANSIONS,
    REFUND_EXPANSIONS,
    SESSION_PAYMENT_EXPANSIONS,
    WEBHOOK_TOLERANCE_SECONDS,
    CheckoutRequest,
    CheckoutSession,
    InsufficientBalance,
    InvalidPaymentRequest,
    InvalidWebhook,
    Obj,
    PaymentDeclined,
    PaymentError,
    PaymentRateLimited,
    PaymentUnavailable,
    parse_event,
)
from .signing import signed_at

log = logging.getLogger(__name__)


@contextmanager
def _translated(operation: str) -> Iterator[None]:
    """Turn the SDK's errors into the app's small hierarchy, logging what happened."""
    try:
        yield
    except stripe.RateLimitError as exc:
        log.warning("Stripe rate-limited %s: %s", operation, exc.user_message or exc)
        raise PaymentRateLimited(str(exc)) from exc
    except stripe.APIConnectionError as exc:  # unreachable, timed out, connection reset
        log.warning("Stripe unreachable during %s: %s", operation, exc)
        raise PaymentUnavailable(str(exc)) from exc
    except stripe.CardError as exc:
        log.info("Card declined during %s: %s", operation, exc.code)
        raise PaymentDeclined(str(exc)) from exc
    except stripe.InvalidRequestError as exc:
        if exc.code == "balance_insufficient":  # a balance is short now, not a bad request
            log.warning("Stripe refused %s for now: %s", operation, exc)
            raise InsufficientBalance(str(exc)) from exc
        log.error("Stripe refused %s: %s", operation, exc)
        raise InvalidPaymentRequest(str(exc)) from exc
    except stripe.IdempotencyError as exc:
        log.error("Stripe refused %s: %s", operation, exc)
        raise InvalidPaymentRequest(str(exc)) from exc
    except (stripe.AuthenticationError, stripe.PermissionError) as exc:
        log.error("Stripe refused our credentials during %s: %s", operation, exc)
        raise PaymentUnavailable(str(exc)) from exc
    except stripe.APIError as exc:  # 5xx on Stripe's side
        log.warning("Stripe failed during %s: %s", operation, exc)
        raise PaymentUnavailable(str(exc)) from exc
    except stripe.StripeError as exc:
        log.error("Stripe error during %s: %s", operation, exc)
        raise PaymentError(str(exc)) from exc


def _plain(obj: Any) -> Obj:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


class StripeGateway:
    """Payments through Stripe (or any server speaking its API, via ``api_base``)."""

    name = "stripe"
    supports_connect = True
    page_size = 100  # Stripe's largest page; lists are followed across every page

    def __init__(
        self,
        secret_key: str,
        webhook_secret: str,
        *,
        api_base: str | None = None,
        max_network_retries: int = 2,
        timeout_seconds: float = 10,
    ) -> None:
        bases = {"api": api_base, "connect": api_base, "files": api_base} if api_base else None
        # Connect quickly or give up; a read may take longer (Stripe answers within seconds).
        http = stripe.RequestsClient(timeout=(min(5.0, timeout_seconds), timeout_seconds))
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses=bases,  # type: ignore[arg-type]
            max_network_retries=max_network_retries,
            http_client=http,
        )
        self._webhook_secret = webhook_secret
        self._api_base = api_base

    def redirect_origins(self) -> list[str]:
        """Stripe's hosted checkout and onboarding (or the server standing in for Stripe)."""
        if self._api_base:
            parts = urlsplit(self._api_base)
            return [f"{parts.scheme}://{parts.netloc}"]
        return ["https://checkout.stripe.com", "https://connect.stripe.com"]

    # -- Checkout ---------------------------------------------------------
    def create_checkout_session(self, request: CheckoutRequest) -> CheckoutSession:
        product: dict[str, Any] = {"name": request.product_name}
        if request.product_description:
            product["description"] = request.product_description
        price: dict[str, Any] = {
            "currency": request.currency.lower(),
            "unit_amount": request.amount,
            "product_data": product,
        }
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [{"price_data": price, "quantity": 1}],
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "client_reference_id": request.order_ref,
            "metadata": dict(request.metadata),
            "expires_at": request.expires_at,
            "payment_intent_data": {"metadata": dict(request.metadata)},
        }
        if request.customer_email:
            params["customer_email"] = request.customer_email
        if request.locale:
            params["locale"] = request.locale
        if request.automatic_tax:
            # The price shown is the price paid: tax is included in it, never added on top.
            price["tax_behavior"] = "inclusive"
            params["automatic_tax"] = {"enabled": True}
        if request.transfer_group:
            params["payment_intent_data"]["transfer_group"] = request.transfer_group
        if request.destination_account:
            params["payment_intent_data"]["transfer_data"] = {
                "destination": request.destination_account
            }
            if request.application_fee:
                params["payment_intent_data"]["application_fee_amount"] = request.application_fee
        with _translated("checkout session creation"):
            session = self._client.v1.checkout.sessions.create(
                params,  # type: ignore[arg-type]
                options={"idempotency_key": request.idempotency_key},
            )
        return CheckoutSession(id=session.id, url=session.url or "")

    def retrieve_checkout_session(self, session_id: str, *, expand_payment: bool = True) -> Obj:
        params = {"expand": list(SESSION_PAYMENT_EXPANSIONS)} if expand_payment else {}
        with _translated("checkout session retrieval"):
            return _plain(self._client.v1.checkout.sessions.retrieve(session_id, params))

    def expire_checkout_session(self, session_id: str) -> Obj:
        with _translated("checkout session expiry"):
            return _plain(self._client.v1.checkout.sessions.expire(session_id))

    # -- refunds and charges ---------------------------------------------
    def list_refunds(self, charge_id: str) -> list[Obj]:
        params = {
            "charge": charge_id,
            "limit": self.page_size,
            "expand": list(REFUND_EXPANSIONS),
        }
        with _translated("refund listing"):
            page = self._client.v1.refunds.list(params)  # type: ignore[arg-type]
            refunds = [_plain(r) for r in page.auto_paging_iter()]
        return sorted(refunds, key=lambda r: r["created"])

    def create_refund(
        self, charge_id: str, amount: int, *, idempotency_key: str, connect: bool
    ) -> Obj:
        params: dict[str, Any] = {"charge": charge_id, "amount": amount}
        if connect:
            # Destination charge: take the money back from the studio's account and give the
            # platform's fee back in proportion, so the studio is not charged for the fee.
            params.update(reverse_transfer=True, refund_application_fee=True)
        with _translated("refund"):
            refund = self._client.v1.refunds.create(
                params,  # type: ignore[arg-type]
                options={"idempotency_key": idempotency_key},
            )
        return _plain(refund)

    def application_fee_refunds(self, fee_id: str) -> list[Obj]:
        params = {"expand": ["refunds.data.balance_transaction"]}
        with _translated("application fee retrieval"):
            fee = _plain(self._client.v1.application_fees.retrieve(fee_id, params))
        return list((fee.get("refunds") or {}).get("data") or [])

    def list_charges(self, *, created_gte: int | None = None) -> Iterator[Obj]:
        params: dict[str, Any] = {"limit": self.page_size, "expand": list(CHARGE_EXPANSIONS)}
        if created_gte is not None:
            params["created"] = {"gte": created_gte}
        with _translated("charge listing"):
            page = self._client.v1.charges.list(params)  # type: ignore[arg-type]
            for charge in page.auto_paging_iter():
                yield _plain(charge)

    def list_disputes(self, charge_id: str) -> list[Obj]:
        params = {"charge": charge_id, "limit": self.page_size}
        with _translated("dispute listing"):
            page = self._client.v1.disputes.list(params)  # type: ignore[arg-type]
            return [_plain(d) for d in page.auto_paging_iter()]

    # -- Connect ------------------------------------------------------------
    def create_account(self, *, email: str, country: str, idempotency_key: str) -> Obj:
        params = {
            "type": "express",
            "country": country,
            "email": email,
            "capabilities": {
                "card_payments": {"requested": True},
                "transfers": {"requested": True},
            },
        }
        with _translated("account creation"):
            account = self._client.v1.accounts.create(
                params,  # type: ignore[arg-type]
                options={"idempotency_key": idempotency_key},
            )
        return _plain(account)

    def create_account_link(self, account_id: str, *, refresh_url: str, return_url: str) -> str:
        params = {
            "account": account_id,
            "type": "account_onboarding",
            "refresh_url": refresh_url,
            "return_url": return_url,
        }
        with _translated("account link creation"):
            return self._client.v1.account_links.create(params).url  # type: ignore[arg-type]

    def retrieve_account(self, account_id: str) -> Obj:
        with _translated("account retrieval"):
            return _plain(self._client.v1.accounts.retrieve(account_id))

    # -- separate charges and transfers ----------------------------------------
    def create_transfer(
        self,
        *,
        amount: int,
        currency: str,
        destination: str,
        source_transaction: str | None,
        transfer_group: str | None,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> Obj:
        params: dict[str, Any] = {
            "amount": amount,
            "currency": currency.lower(),
            "destination": destination,
            "metadata": dict(metadata),
            "expand": ["balance_transaction"],
        }
        if source_transaction:
            # Tied to the charge: the transfer waits for its funds instead of outrunning them.
            params["source_transaction"] = source_transaction
        if transfer_group:
            params["transfer_group"] = transfer_group
        with _translated("transfer"):
            transfer = self._client.v1.transfers.create(
                params,  # type: ignore[arg-type]
                options={"idempotency_key": idempotency_key},
            )
        return _plain(transfer)

    def create_transfer_reversal(
        self, transfer_id: str, *, amount: int, idempotency_key: str, metadata: dict[str, str]
    ) -> Obj:
        params = {
            "amount": amount,
            "metadata": dict(metadata),
            "expand": ["balance_transaction"],
        }
        with _translated("transfer reversal"):
            reversal = self._client.v1.transfers.reversals.create(
                transfer_id,
                params,  # type: ignore[arg-type]
                options={"idempotency_key": idempotency_key},
            )
        return _plain(reversal)

    def list_transfers(self, transfer_group: str) -> list[Obj]:
        params = {"transfer_group": transfer_group, "limit": self.page_size}
        with _translated("transfer listing"):
            page = self._client.v1.transfers.list(params)  # type: ignore[arg-type]
            transfers = [_plain(t) for t in page.auto_paging_iter()]
        return sorted(transfers, key=lambda t: t["created"])

    def retrieve_balance_transaction(self, txn_id: str) -> Obj:
        with _translated("balance transaction retrieval"):
            return _plain(self._client.v1.balance_transactions.retrieve(txn_id))

    def destination_balance_transaction(self, account_id: str, movement: Obj) -> Obj | None:
        # The destination payment and its refund live on the connected account: Stripe serves
        # them only to a request made as that account (the Stripe-Account header).
        params: dict[str, Any] = {"expand": ["balance_transaction"]}
        options: dict[str, Any] = {"stripe_account": account_id}
        with _translated("destination payment retrieval"):
            if movement.get("object") == "transfer_reversal":
                refund_id = movement.get("destination_payment_refund")
                if not refund_id:
                    return None
                found = self._client.v1.refunds.retrieve(refund_id, params, options=options)  # type: ignore[arg-type]
            else:
                payment_id = movement.get("destination_payment")
                if not payment_id:
                    return None
                found = self._client.v1.charges.retrieve(payment_id, params, options=options)  # type: ignore[arg-type]
        txn = _plain(found).get("balance_transaction")
        return txn if isinstance(txn, dict) else None

    # -- webhooks -------------------------------------------------------------
    def construct_event(self, payload: bytes, signature: str | None) -> Obj:
        # stripe.Webhook.construct_event is verify_header + building an SDK object; the build
        # step crashes on signed bodies that are JSON but not objects, so the signature is
        # checked with the same SDK function and the exact bytes Stripe signed are parsed here.
        try:
            stripe.WebhookSignature.verify_header(
                payload.decode("utf-8"),
                signature or "",
                self._webhook_secret,
                tolerance=WEBHOOK_TOLERANCE_SECONDS,
            )
        except stripe.SignatureVerificationError as exc:
            raise InvalidWebhook(f"bad signature: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise InvalidWebhook("body is not UTF-8") from exc
        # The SDK refuses only timestamps too old; one too far ahead is as untrustworthy.
        if signed_at(signature) > time.time() + WEBHOOK_TOLERANCE_SECONDS:
            raise InvalidWebhook("timestamp outside the tolerance (in the future)")
        return parse_event(payload)
