"""Buying a title: the rent/buy POST, the pages around the processor's hosted checkout, and the
status the confirmation page polls. Access is only ever granted by fulfilment (webhooks).
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    get_template_attribute,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import escape

from ..extensions import client_address, db, limiter
from ..i18n import current_locale
from ..models import Festival, OfferKind, Order, OrderStatus, Title, utcnow
from ..money import to_input_string
from ..services import ServiceError
from ..services.accounts import consents
from ..services.catalog.availability import SELLABLE_STATUSES, NotAvailable
from ..services.catalog.title_texts import shown_text
from ..services.payments.checkout import AlreadyHasAccess, CheckoutUnavailable, start_checkout
from ..services.payments.fulfilment import CLOSED_SCREENING, SOLD_OUT_SCREENING, refund_reason
from ..services.payments.orders import (
    entitlement_of,
    order_by_public_id,
)
from ..services.payments.selling import COMP_PROVIDER
from ..services.promotion.codes import CodeRefused
from ..services.promotion.preorders import NO_DATE
from ..services.promotion.pwyw import AmountRefused
from ..services.watching.access import gives_access, opening_refusal
from .availability_text import why_not_offered
from .checkout_page import choose_page
from .links import title_url, watch_url
from .payment_forms import BuyForm
from .viewer import viewer_country

bp = Blueprint("checkout", __name__)
log = logging.getLogger(__name__)


def _title_or_404(slug: str) -> Title:
    """A title on the store; drafts and removed titles are 404 like unknown slugs."""
    title = db.session.scalar(db.select(Title).filter_by(slug=slug))
    if title is None or title.status not in SELLABLE_STATUSES:
        abort(404)
    return title


def _own_order_or_404(public_id: str) -> Order:
    order = order_by_public_id(public_id)
    if order is None or order.user_id != current_user.id:
        abort(404)
    return order


def _refused(title: Title, message: str, access_slug: str | None = None) -> ResponseReturnValue:
    return render_template(
        "checkout/refused.html",
        title=title,
        shown=shown_text(title, current_locale()),
        message=message,
        watch_href=watch_url(access_slug) if access_slug else None,
        title_href=title_url(title.slug),
    ), 409


def _code_limit() -> str:
    return current_app.config["CODE_RATE_LIMIT"]


def _no_code_typed() -> bool:
    # Where the view reads the code: the query on GET, the form on POST. ``request.values``
    # put the query first, so an empty ``?code=`` hid the form's code from the limit.
    source = request.form if request.method == "POST" else request.args
    return not any(value.strip() for value in source.getlist("code"))


def _code_account() -> str:
    return f"code:{current_user.id}" if current_user.is_authenticated else client_address()


@bp.route("/buy/<slug>", methods=["GET", "POST"])
@login_required
# Each code tried says whether it exists, and studios choose guessable ones (PRESS): tries are
# limited per account, and per address so that more accounts bring no more tries.
@limiter.limit(_code_limit, key_func=_code_account, exempt_when=_no_code_typed)
@limiter.limit(_code_limit, exempt_when=_no_code_typed)
def start(slug: str) -> ResponseReturnValue:
    """GET: what can be bought here, at which price and terms (with a code, if one was
    typed). POST: go and pay for it; a comp needs no payment and goes straight to the order."""
    title = _title_or_404(slug)
    now = utcnow()
    country = viewer_country()
    form = BuyForm()
    if not form.is_submitted():
        code = (request.args.get("code") or "").strip()[:60]
        return choose_page(title, country, now, code)
    if not form.validate():
        abort(400)
    gateway = current_app.extensions["payments"]
    try:
        started = start_checkout(
            gateway,
            current_user,
            title,
            form.kind.data,
            country,
            now,
            locale=current_locale(),
            code=(form.code.data or "").strip() or None,
            amount=form.amount.data,
        )
    except CodeRefused as exc:
        return choose_page(title, country, now, exc.code, refusal=exc.message), 409
    except AmountRefused as exc:
        code = (form.code.data or "").strip()  # the floor refused may be the code's
        page = choose_page(
            title, country, now, code, amount_refusal=str(exc), amount_typed=form.amount.data
        )
        return page, 409
    except CheckoutUnavailable as exc:
        # The pending order is kept (committed with this redirect) and expires later.
        flash(str(exc), "error")
        return redirect(url_for("checkout.problem", public_id=exc.order.public_id), code=303)
    except AlreadyHasAccess as exc:
        return _refused(title, str(exc), access_slug=title.slug)
    except NotAvailable as exc:
        return _refused(title, why_not_offered(exc.availability, exc.kind))
    except ServiceError as exc:
        return _refused(title, str(exc))
    if form.share_email.data:
        consents.record_consent(current_user, title.id, started.order.id)
    if started.url is None:  # a comp: granted already, nothing to pay (the order page says so)
        return redirect(url_for("checkout.done", public_id=started.order.public_id), code=303)
    return redirect(started.url, code=303)


@bp.route("/orders/<public_id>/problem")
@login_required
def problem(public_id: str) -> ResponseReturnValue:
    order = _own_order_or_404(public_id)
    slug = order.title.slug if order.title else None
    return render_template(
        "checkout/problem.html",
        order=order,
        form=BuyForm(kind=order.kind.value),
        title_href=title_url(slug),
        slug=slug,
    )


@bp.route("/orders/<public_id>/done")
@login_required
def done(public_id: str) -> ResponseReturnValue:
    """Where the processor sends the buyer back: waits for fulfilment, never grants access."""
    order = _own_order_or_404(public_id)
    # A festival order leads back to its festival: a pass has nothing to watch by itself,
    # its screenings are booked there.
    festival = db.session.get(Festival, order.festival_id) if order.festival_id else None
    festival_url = (
        url_for("festivals.page", festival=festival.slug)
        if festival is not None and festival.published
        else None
    )
    # Named as the checkout page named it, in the viewer's language (the order keeps the
    # name at the time of the sale for the records).
    shown = shown_text(order.title, current_locale()) if order.title else None
    return render_template(
        "checkout/done.html",
        order=order,
        shown=shown,
        state=_state(order, page=True),
        festival_url=festival_url,
    )


@bp.route("/orders/<public_id>/status")
@login_required
def status(public_id: str) -> ResponseReturnValue:
    order = _own_order_or_404(public_id)
    return _state(order)


@bp.route("/orders/<public_id>/cancel")
@login_required
def cancel(public_id: str) -> ResponseReturnValue:
    """The buyer left the hosted checkout: nothing was charged; the order expires later."""
    order = _own_order_or_404(public_id)
    if order.status != OrderStatus.PENDING:  # opened again later: the order page says how it went
        return redirect(url_for("checkout.done", public_id=order.public_id), code=303)
    flash(_("Payment cancelled: nothing was charged."), "info")
    return redirect(title_url(order.title.slug if order.title else None), code=303)


def _state(order: Order, *, page: bool = False) -> dict[str, object]:
    """What the confirmation page shows: ``ready`` once the viewer can watch. On the ``page``
    itself a moment is a <time> the browser shows on its own clock; the poll gets text."""
    entitlement = entitlement_of(order)
    now = utcnow()
    ready = entitlement is not None and gives_access(entitlement, now)
    # Paid for something that opens later (a pre-order, a screening moved later): not a
    # failure, so no "Try again" that would take a second payment.
    waiting = entitlement is not None and opening_refusal(entitlement, now) is not None
    slug = order.title.slug if order.title else None
    final = order.status not in (OrderStatus.PENDING,) or ready
    messages = {
        OrderStatus.PENDING: _("Confirming your payment…"),
        OrderStatus.PAID: _("Payment confirmed."),
        OrderStatus.FAILED: _("The payment did not go through. Nothing was charged."),
        OrderStatus.EXPIRED: _("This checkout has expired. Nothing was charged."),
        OrderStatus.FLAGGED: _(
            "We received your payment but need to check it before you can watch. We will "
            "contact you."
        ),
        OrderStatus.REFUNDED: _("This order was refunded."),
        OrderStatus.PARTIALLY_REFUNDED: _("Payment confirmed."),
        OrderStatus.DISPUTED: _("This payment is disputed; access is on hold."),
    }
    message = messages[order.status]
    if order.provider == COMP_PROVIDER and order.status == OrderStatus.PAID:
        message = _("Your code covers the whole price: the film is yours, nothing was charged.")
    if waiting and order.preorder and order.status == OrderStatus.PAID:
        message = _preorder_message(entitlement.not_before, page)  # type: ignore[union-attr]
    elif waiting and order.kind == OfferKind.TICKET and order.status == OrderStatus.PAID:
        message = _at(
            _("Your ticket is confirmed: you can watch from %(when)s."),
            entitlement.not_before,  # type: ignore[union-attr]
            page,
        )
    reason = refund_reason(order)
    too_late = reason in (CLOSED_SCREENING, SOLD_OUT_SCREENING)
    # The money was taken and is being checked or disputed: paying again would charge twice.
    held = order.status in (OrderStatus.FLAGGED, OrderStatus.DISPUTED)
    if reason == CLOSED_SCREENING:
        message = _(
            "The screening closed before your payment arrived, so there is nothing to watch. "
            "Your payment is refunded in full, automatically; it reaches your card or bank "
            "within a few days."
        )
    elif reason == SOLD_OUT_SCREENING:
        message = _(
            "The last seat of this screening was sold while your payment arrived. Your "
            "payment is refunded in full, automatically; it reaches your card or bank within "
            "a few days."
        )
    return {
        "status": order.status.value,
        "ready": ready,
        "final": final,
        "message": message,
        "watch_url": watch_url(slug) if ready else None,
        "retry_url": _retry_url(order, slug)
        if not ready and not too_late and not waiting and not held
        else None,
    }


def _retry_url(order: Order, slug: str | None) -> str | None:
    """Where to buy again: a festival's ticket or pass on the festival's page (the film's own
    checkout sells neither), anything else at the film's checkout."""
    if order.festival_id is not None:
        festival = db.session.get(Festival, order.festival_id)
        if festival is None or not festival.published:
            return None
        anchor = f"screening-{order.screening_id}" if order.screening_id else "passes"
        return url_for("festivals.page", festival=festival.slug, _anchor=anchor)
    return url_for("checkout.start", slug=slug) if slug else None


def _preorder_message(opens: datetime | None, page: bool) -> str:
    """When a paid pre-order opens, as the library says it."""
    if opens is None or opens >= NO_DATE:
        return _("Pre-ordered: the studio has not set a new release date yet.")
    return _at(_("Pre-ordered: you can watch it from %(when)s."), opens, page)


def _at(sentence: str, moment: datetime, page: bool) -> str:
    """A translated ``sentence`` with ``%(when)s`` filled in: as text in the account's zone,
    or on a page as the local_time macro's <time>, which local-times.js rewrites on the
    browser's own clock as every other page's times are."""
    if not page:
        return sentence % {"when": format_datetime(moment, "long")}
    local_time = get_template_attribute("_macros.html", "local_time")
    return escape(sentence) % {"when": local_time(moment)}


@bp.app_template_filter("money_input")
def money_input(amount: int, currency: str) -> str:
    """Minor units as a person would type them into the pay-what-you-want field."""
    return to_input_string(amount, currency)
