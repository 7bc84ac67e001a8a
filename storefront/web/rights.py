"""Co-productions on the web: the owner's rights page for a title (holders, invitations, split
rules), the owner's view of each sale's split, a holder's statement, and accepting an
invitation. Holders are not studio members: their pages are their own studio's."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..extensions import db
from ..i18n import current_locale
from ..models import HolderPayout, Studio, Title
from ..regions import REGIONS
from ..security import title_or_404
from ..services import ServiceError
from ..services.accounts.permissions import Action, may
from ..services.payments.payout_queue import retry_failed
from ..services.rights import holders, splits, statements
from ..services.rights.statement_workbook import statement_xlsx_chunks
from .forms import HolderInviteForm
from .studio_revenue import download

bp = Blueprint("rights", __name__)
SPARE_RULES = 2

PAYOUT_STATES = {
    "pending": _l("Being paid"),
    "held": _l("Held until it can be made (payouts not set up yet, or a balance short)"),
    "paid": _l("Paid"),
    "failed": _l("Failed"),
    "owed": _l("Owed, to be paid by the store"),
    "netted": _l("Cancelled: the amount taken back was never taken"),
}
MOVEMENTS = {
    "sale": _l("Share of a sale"),
    "refund": _l("Refund"),
    "dispute": _l("Dispute opened"),
    "dispute_won": _l("Dispute won"),
    "refund_failed": _l("Refund failed"),
}


@bp.app_template_filter("payout_state")
def payout_state(value: object) -> str:
    key = str(getattr(value, "value", value))
    return str(PAYOUT_STATES.get(key, key))


@bp.app_template_filter("payout_movement")
def payout_movement(cause: str) -> str:
    key = cause.split(":", 1)[0]
    return str(MOVEMENTS.get(key, key))


@bp.app_template_test("owed_back")
def owed_back(amount: int) -> bool:
    return statements.owes_back(amount)


@bp.app_template_filter("percent")
def percent(basis_points: int) -> str:
    return splits.format_percent(basis_points, current_locale()) + " %"


def _rule_inputs(holder_ids: list[int]) -> list[splits.RuleInput]:
    """The rules as posted: rule-N-mode, rule-N-countries, rule-N-kind, rule-N-share-<id>."""
    count = min(request.form.get("rules", 0, type=int), 50)
    return [
        splits.RuleInput(
            mode=request.form.get(f"rule-{n}-mode", "worldwide"),
            countries=request.form.get(f"rule-{n}-countries", ""),
            kind=request.form.get(f"rule-{n}-kind", ""),
            shares={sid: request.form.get(f"rule-{n}-share-{sid}", "") for sid in holder_ids},
        )
        for n in range(count)
    ]


def _render(  # type: ignore[no-untyped-def]
    studio: Studio,
    title: Title,
    inputs: list[splits.RuleInput],
    status: int = 200,
    invite_email: str = "",
):
    can_manage = may(current_user, studio, Action.MANAGE_PAYMENTS)
    spare = SPARE_RULES if inputs else SPARE_RULES + 1  # the usual split has three rules
    shown = inputs + [splits.RuleInput() for _ in range(spare if can_manage else 0)]
    return render_template(
        "studio/rights/title.html",
        studio=studio,
        title=title,
        holders=holders.holders_of(title),
        invitations=[r for r in holders.holder_rows(title) if r.accepted_at is None],
        holder_row_ids={r.studio_id: r.id for r in holders.holder_rows(title) if r.accepted_at},
        rules=shown,
        regions=REGIONS,
        can_manage=can_manage,
        invite_email=invite_email,
        split_warning=splits.split_warning(title, current_locale()) if status == 200 else None,
    ), status


@bp.route("/studio/<slug>/titles/<int:title_id>/rights", methods=["GET", "POST"])
@login_required
def title_rights(slug: str, title_id: int) -> ResponseReturnValue:
    action = Action.MANAGE_PAYMENTS if request.method == "POST" else Action.VIEW_SALES
    studio, title = title_or_404(slug, title_id, action)
    if request.method == "GET":
        return _render(studio, title, splits.inputs_from_rules(title, current_locale()))
    ids = [s.id for s in holders.holders_of(title)]
    inputs = _rule_inputs(ids)
    try:
        splits.save_rules(title, inputs, set(ids), current_locale())
    except ServiceError as exc:
        flash(str(exc), "error")
        # Shown again as typed, a rule with its countries but no percentages yet included.
        typed = [i for i in inputs if not i.is_blank() or i.countries.strip()]
        return _render(studio, title, typed, 400)
    flash(_("The split of %(title)s is saved.", title=title.name), "success")
    return redirect(url_for("rights.title_rights", slug=studio.slug, title_id=title.id))


@bp.post("/studio/<slug>/titles/<int:title_id>/rights/invite")
@login_required
def invite(slug: str, title_id: int) -> ResponseReturnValue:
    studio, title = title_or_404(slug, title_id, Action.MANAGE_PAYMENTS)
    form = HolderInviteForm()
    email = form.email.data or ""
    error = None
    if not form.validate():
        error = _("Enter the email address of the person to invite.")
    else:
        try:
            holders.invite_holder(title, current_user, email)
        except ServiceError as exc:
            error = str(exc)
    if error:
        flash(error, "error")
        return _render(
            studio,
            title,
            splits.inputs_from_rules(title, current_locale()),
            400,
            invite_email=email,
        )
    flash(_("Invitation sent to %(email)s.", email=email), "success")
    return redirect(url_for("rights.title_rights", slug=studio.slug, title_id=title.id)), 303


@bp.route(
    "/studio/<slug>/titles/<int:title_id>/rights/holders/<int:holder_id>/revoke",
    methods=["GET", "POST"],
)
@login_required
def revoke(slug: str, title_id: int, holder_id: int) -> ResponseReturnValue:
    """Confirm, then end a holder's rights (or withdraw an invitation) in the title."""
    studio, title = title_or_404(slug, title_id, Action.MANAGE_PAYMENTS)
    row = holders.holder_row(title, holder_id)
    if row is None:
        abort(404)
    back = url_for("rights.title_rights", slug=studio.slug, title_id=title.id)
    status = 200
    if request.method == "POST":
        if request.form.get("confirm") == "yes":
            name = row.studio.name if row.studio else row.email
            holders.revoke_holder(title, row, current_user)
            done = _("%(holder)s no longer holds %(title)s.", holder=name, title=title.name)
            flash(done, "success")
            return redirect(back), 303
        flash(_("Tick the box to confirm, or go back to keep the holder."), "error")
        status = 400
    rules = splits.rules_sharing(title, row.studio_id) if row.studio_id else []
    return render_template(
        "studio/rights/revoke.html",
        studio=studio,
        title=title,
        row=row,
        rules=rules,
        back=back,
    ), status


@bp.route("/studio/<slug>/titles/<int:title_id>/rights/sales")
@login_required
def title_sales(slug: str, title_id: int) -> ResponseReturnValue:
    studio, title = title_or_404(slug, title_id, Action.VIEW_SALES)
    sales = statements.title_sales(title)
    # Every payee of a sale by name: a festival paid for a ticket, a holder since revoked.
    names = {p.studio_id: p.studio.name for s in sales for p in s.payouts if p.studio}
    return render_template(
        "studio/rights/sales.html",
        studio=studio,
        title=title,
        sales=sales,
        names=names | {s.id: s.name for s in holders.holders_of(title)},
        can_retry=may(current_user, studio, Action.MANAGE_PAYMENTS),
    )


@bp.post("/studio/<slug>/titles/<int:title_id>/rights/payouts/<int:payout_id>/retry")
@login_required
def retry(slug: str, title_id: int, payout_id: int) -> ResponseReturnValue:
    studio, title = title_or_404(slug, title_id, Action.MANAGE_PAYMENTS)
    payout = db.session.get(HolderPayout, payout_id)
    if payout is None or payout.title_id != title.id:
        abort(404)
    if retry_failed(payout):
        flash(_("The payment will be tried again."), "success")
    else:
        flash(_("This payment is not failed: there is nothing to try again."), "info")
    return redirect(url_for("rights.title_sales", slug=studio.slug, title_id=title.id)), 303


def _holder_studio(slug: str) -> Studio:
    from ..security import studio_or_404

    return studio_or_404(slug, Action.VIEW_SALES)


@bp.route("/studio/<slug>/holdings")
@login_required
def holdings(slug: str) -> ResponseReturnValue:
    studio = _holder_studio(slug)
    return render_template(
        "studio/rights/holdings.html",
        studio=studio,
        titles=holders.held_titles(studio),
        statement=statements.holder_statement(studio),
    )


@bp.route("/studio/<slug>/holdings.csv")
@login_required
def holdings_csv(slug: str) -> ResponseReturnValue:
    studio = _holder_studio(slug)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(statements.statement_csv_rows(studio))
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{studio.slug}-shares.csv"'},
    )


@bp.route("/studio/<slug>/holdings.xlsx")
@login_required
def holdings_xlsx(slug: str) -> ResponseReturnValue:
    studio = _holder_studio(slug)
    return download(
        statement_xlsx_chunks(studio),
        f"{studio.slug}-shares.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@bp.route("/rights/invites/<token>", methods=["GET", "POST"])
@login_required
def accept_invite(token: str) -> ResponseReturnValue:
    try:
        invitation = holders.invitation(token)
        holders.check_invitee(invitation, current_user)
    except ServiceError as exc:
        return render_template("studio/rights/accept.html", error=str(exc), studios=[]), 400
    title = db.session.get(Title, invitation.title_id)
    owned = holders.studios_owned_by(current_user)
    status = 200
    error = None
    if request.method == "GET" and invitation.accepted_at is not None:
        # Opened again: say who holds the film now, to its owner only.
        accepted = next((s for s in owned if s.id == invitation.studio_id), None)
        if accepted is None:
            error = _("This invitation has already been used.")
            return render_template("studio/rights/accept.html", error=error, studios=[]), 400
        return render_template("studio/rights/accept.html", accepted=accepted, studios=[])
    if request.method == "POST":
        try:
            row = holders.accept_invite(
                token, current_user, request.form.get("studio", 0, type=int)
            )
        except ServiceError as exc:
            error, status = str(exc), 400
        else:
            studio = db.session.get(Studio, row.studio_id)
            flash(_("%(studio)s now holds rights in this film.", studio=studio.name), "success")  # type: ignore[union-attr]
            return redirect(url_for("rights.holdings", slug=studio.slug)), 303  # type: ignore[union-attr]
    return render_template(
        "studio/rights/accept.html",
        title=title,
        studios=owned,
        error=error,
        token=token,
    ), status
