"""The studio's money pages: getting paid (Stripe Connect onboarding), orders and refunds.

Studio members see their own studio's orders (404 for anyone else); admins see every studio's.
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..adapters.payments import PaymentError, PaymentGateway
from ..extensions import db
from ..i18n import current_locale
from ..models import Order, Studio
from ..money import format_amount, to_major_string
from ..public_urls import public_url_for
from ..security import admin_required, studio_or_404
from ..services import ServiceError
from ..services.accounts.permissions import Action, may
from ..services.payments.connect import (
    connect_enabled,
    payment_blockers,
    refresh_account,
    requirement_labels,
    start_onboarding,
)
from ..services.payments.orders import entitlement_of, flagged_orders
from ..services.payments.refunds import (
    failed_refunds,
    last_refunded_at,
    parse_refund_amount,
    refundable_amount,
    request_refund,
)
from .forms import page_argument
from .payment_forms import ConnectForm, RefundForm

bp = Blueprint("studio_payments", __name__)
log = logging.getLogger(__name__)
PAGE_SIZE = 50


STATUS_LABELS = {
    "pending": _l("Awaiting payment"),
    "paid": _l("Paid"),
    "failed": _l("Payment failed"),
    "expired": _l("Expired"),
    "refunded": _l("Refunded"),
    "partially_refunded": _l("Partly refunded"),
    "disputed": _l("Disputed"),
    "flagged": _l("Held for checking"),
    "active": _l("Active"),
    "suspended": _l("Suspended during a dispute"),
    "revoked": _l("Revoked"),
}


KIND_LABELS = {
    "rent": _l("Rental"),
    "buy": _l("Purchase"),
    "ticket": _l("Festival ticket"),
    "pass": _l("Festival pass"),
    "bundle": _l("Bundle"),
}


@bp.app_template_filter("order_kind")
def order_kind_label(value: object) -> str:
    """What an order sold, in words: a ticket or a pass is not a purchase of the film."""
    key = getattr(value, "value", value)
    return str(KIND_LABELS.get(str(key), key))


@bp.app_template_filter("payment_status")
def payment_status_label(value: object) -> str:
    """An order or entitlement status in words."""
    key = getattr(value, "value", value)
    return str(STATUS_LABELS.get(str(key), key))


def _gateway() -> PaymentGateway:
    return current_app.extensions["payments"]


@bp.route("/studio/<slug>/payments")
@login_required
def payments(slug: str) -> ResponseReturnValue:
    studio = studio_or_404(slug, Action.VIEW_SALES)
    return render_template(
        "studio/payments.html",
        studio=studio,
        connect=connect_enabled(),
        blockers=payment_blockers(studio),
        requirements=requirement_labels(studio.payment_requirements or []),
        can_connect=may(current_user, studio, Action.MANAGE_PAYMENTS),
        form=ConnectForm(),
    )


def _onboarding_redirect(studio: Studio) -> ResponseReturnValue:
    if not connect_enabled():
        abort(404)
    try:
        url = start_onboarding(
            _gateway(),
            studio,
            refresh_url=public_url_for("studio_payments.onboarding_refresh", slug=studio.slug),
            return_url=public_url_for("studio_payments.onboarding_return", slug=studio.slug),
        )
    except PaymentError as exc:
        flash(str(exc), "error")
        return redirect(url_for("studio_payments.payments", slug=studio.slug), code=303)
    return redirect(url, code=303)


@bp.post("/studio/<slug>/payments/connect")
@login_required
def connect(slug: str) -> ResponseReturnValue:
    studio = studio_or_404(slug, Action.MANAGE_PAYMENTS)
    if not ConnectForm().validate_on_submit():
        abort(400)
    return _onboarding_redirect(studio)


@bp.route("/studio/<slug>/payments/refresh")
@login_required
def onboarding_refresh(slug: str) -> ResponseReturnValue:
    """Stripe sends the owner here when an onboarding link has expired: make a new one."""
    return _onboarding_redirect(studio_or_404(slug, Action.MANAGE_PAYMENTS))


@bp.route("/studio/<slug>/payments/return")
@login_required
def onboarding_return(slug: str) -> ResponseReturnValue:
    studio = studio_or_404(slug, Action.MANAGE_PAYMENTS)
    if not connect_enabled():
        abort(404)
    try:
        refresh_account(_gateway(), studio)
    except PaymentError as exc:
        flash(str(exc), "error")
    else:
        if studio.charges_enabled:
            flash(_("Your Stripe account is ready: your films can be sold."), "success")
        else:
            flash(_("Stripe still needs a few details before your films can be sold."), "info")
    return redirect(url_for("studio_payments.payments", slug=studio.slug), code=303)


@bp.route("/studio/<slug>/orders")
@login_required
def orders(slug: str) -> ResponseReturnValue:
    studio = studio_or_404(slug, Action.VIEW_SALES)
    page = page_argument()
    listing = db.paginate(
        db.select(Order).filter_by(studio_id=studio.id).order_by(Order.id.desc()),
        page=page,
        per_page=PAGE_SIZE,
        error_out=False,
    )
    return render_template("studio/orders.html", studio=studio, orders=listing)


@bp.route("/studio/<slug>/orders/<public_id>", methods=["GET", "POST"])
@login_required
def order(slug: str, public_id: str) -> ResponseReturnValue:
    studio = studio_or_404(slug, Action.REFUND if request.method == "POST" else Action.VIEW_SALES)
    found = db.session.scalar(db.select(Order).filter_by(public_id=public_id, studio_id=studio.id))
    if found is None:
        abort(404)
    form = RefundForm()
    status = 200
    confirming = False
    if form.validate_on_submit() and form.refund_all.data and form.confirm_all.data != "yes":
        confirming = True  # a full refund ends the viewer's access: ask once more
    elif form.validate_on_submit():
        locale = current_locale()
        try:
            amount = (
                refundable_amount(found)
                if form.refund_all.data
                else parse_refund_amount(form.amount.data, found, locale)
            )
            request_refund(_gateway(), found, amount, asked_by=current_user)
        except ServiceError as exc:
            form.amount.errors = [str(exc)]
            status = 400
        except PaymentError as exc:
            form.amount.errors = [str(exc)]
            status = 503
        else:
            flash(
                _(
                    "Refund of %(amount)s requested. The order changes once the payment provider "
                    "confirms it.",
                    amount=format_amount(amount, found.currency, locale),
                ),
                "success",
            )
            return redirect(
                url_for("studio_payments.order", slug=slug, public_id=public_id), code=303
            )
    elif request.method == "POST":
        status = 400
    remaining = refundable_amount(found)
    if request.method == "GET" and remaining:
        form.amount.data = to_major_string(remaining, found.currency)
    return render_template(
        "studio/order.html",
        studio=studio,
        order=found,
        entitlement=entitlement_of(found),
        remaining=remaining,
        refunded_at=last_refunded_at(found) if found.amount_refunded else None,
        failed_refunds=failed_refunds(found),
        confirming=confirming,
        form=form,
    ), status


@bp.route("/admin/orders/flagged")
@admin_required
def flagged() -> ResponseReturnValue:
    orders = flagged_orders()
    studios = {s.id: s for s in db.session.scalars(db.select(Studio))} if orders else {}
    return render_template("admin/flagged_orders.html", orders=orders, studios=studios)
