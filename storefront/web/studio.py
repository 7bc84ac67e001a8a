"""The studio area: create a studio, edit its profile, manage members."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..models import Studio, StudioRole
from ..security import is_safe_next, studio_or_404
from ..services import ServiceError
from ..services.accounts import studios as studios_service
from ..services.accounts.permissions import Action, may
from .forms import ROLE_LABELS, InviteForm, RoleForm, StudioForm

bp = Blueprint("studio", __name__, url_prefix="/studio")


@bp.route("/")
@login_required
def index() -> ResponseReturnValue:
    studios = studios_service.studios_of(current_user)
    if len(studios) == 1:
        return redirect(url_for("studio.overview", slug=studios[0].slug))
    return render_template("studio/index.html", studios=studios)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create() -> ResponseReturnValue:
    if not current_user.email_verified:
        # A studio can invite people and sell films: its owner's address must be real.
        return render_template("studio/needs_verified_email.html"), 403
    form = StudioForm()
    if request.method == "GET" and not form.contact_email.data:
        form.contact_email.data = current_user.email
        form.timezone.data = current_user.timezone or "UTC"  # the owner's zone, to start with
    if request.method == "GET":
        # Said before anything is typed; posting anyway is refused by the service.
        problem = studios_service.studio_limit_problem(current_user)
        if problem:
            form.form_errors.append(problem)
    elif form.validate_on_submit():
        try:
            studio = studios_service.create_studio(
                current_user,
                form.name.data,
                form.country.data,
                form.contact_email.data,
                form.bio.data or "",
                form.website.data or "",
                timezone=form.timezone.data or "UTC",
            )
        except ServiceError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("Your studio %(name)s is ready.", name=studio.name), "success")
            back = request.args.get("next")  # e.g. the rights invitation it was created for
            if is_safe_next(back):
                return redirect(back)  # type: ignore[arg-type]
            return redirect(url_for("studio.overview", slug=studio.slug))
    return render_template("studio/form.html", form=form, studio=None), (
        400 if request.method == "POST" else 200
    )


@bp.route("/<slug>/")
@login_required
def overview(slug: str) -> ResponseReturnValue:
    studio = studio_or_404(slug, Action.VIEW)
    return render_template("studio/overview.html", studio=studio)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str) -> ResponseReturnValue:
    studio = studio_or_404(slug, Action.EDIT_PROFILE)
    form = StudioForm(obj=studio)
    if form.validate_on_submit():
        studios_service.update_studio(
            studio,
            name=form.name.data,
            country=form.country.data,
            contact_email=form.contact_email.data,
            bio=form.bio.data or "",
            website=form.website.data or "",
            sale_alerts=form.sale_alerts.data or "off",
            timezone=form.timezone.data or studio.timezone,
        )
        flash(_("The studio profile is saved."), "success")
        return redirect(url_for("studio.overview", slug=studio.slug))
    return render_template("studio/form.html", form=form, studio=studio), (
        400 if request.method == "POST" else 200
    )


@bp.app_template_global()
def studio_may(studio: Studio, action: str) -> bool:
    """For templates: show a control only to those the permission table lets use it."""
    return may(current_user, studio, action)


@bp.app_template_global()
def role_label(role: str) -> str:
    return str(ROLE_LABELS[StudioRole(role)])


@bp.route("/<slug>/members", methods=["GET", "POST"])
@login_required
def members(slug: str) -> ResponseReturnValue:
    action = Action.MANAGE_MEMBERS if request.method == "POST" else Action.VIEW
    studio = studio_or_404(slug, action)
    form = InviteForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                studios_service.invite_member(studio, current_user, form.email.data, form.role.data)
            except ServiceError as exc:
                form.email.errors.append(str(exc))
                status = 400
            else:
                flash(_("Invitation sent to %(email)s.", email=form.email.data), "success")
                return redirect(url_for("studio.members", slug=studio.slug))
        else:
            status = 400
    return render_template(
        "studio/members.html",
        studio=studio,
        form=form,
        role_form=RoleForm(),
        can_manage=may(current_user, studio, Action.MANAGE_MEMBERS),
    ), status


@bp.route("/<slug>/members/<int:member_id>/remove", methods=["POST"])
@login_required
def remove_member(slug: str, member_id: int) -> ResponseReturnValue:
    studio = studio_or_404(slug, Action.MANAGE_MEMBERS)
    try:
        handed_to = studios_service.remove_member(studio, member_id)
    except ServiceError as exc:
        flash(str(exc), "error")
    else:
        flash(_("The member was removed."), "success")
        if handed_to:
            flash(
                _(
                    "Their address was the studio's contact email: the studio's mail now "
                    "goes to %(email)s, who has been told.",
                    email=handed_to,
                ),
                "info",
            )
        elif handed_to == "":
            flash(
                _(
                    "Their address was the studio's contact email, and no other owner has a "
                    "confirmed address to take its place: set a contact email in the profile."
                ),
                "error",
            )
    return redirect(url_for("studio.members", slug=studio.slug))


@bp.post("/<slug>/members/<int:member_id>/role")
@login_required
def change_role(slug: str, member_id: int) -> ResponseReturnValue:
    studio = studio_or_404(slug, Action.MANAGE_MEMBERS)
    form = RoleForm()
    if not form.validate_on_submit():
        # Back to the members page, which shows why: a 400 with a Location is not followed,
        # and left the owner on a bare "Redirecting..." page with no reason.
        flash(_("Choose a role from the list."), "error")
        return redirect(url_for("studio.members", slug=studio.slug), code=303)
    try:
        studios_service.change_role(studio, member_id, form.role.data)
    except ServiceError as exc:
        flash(str(exc), "error")
    else:
        flash(_("The role is changed."), "success")
    return redirect(url_for("studio.members", slug=studio.slug))


@bp.route("/invites/<token>", methods=["GET", "POST"])
@login_required
def accept_invite(token: str) -> ResponseReturnValue:
    if request.method == "GET":
        return render_template("studio/accept_invite.html", token=token)

    try:
        studio = studios_service.accept_invite(token, current_user)
    except studios_service.InviteNeedsVerifiedEmail as exc:
        return render_template(
            "studio/accept_invite.html", token=token, error=str(exc), needs_verification=True
        ), 403
    except ServiceError as exc:
        return render_template("studio/accept_invite.html", token=token, error=str(exc)), 400
    flash(_("You are now a member of %(studio)s.", studio=studio.name), "success")
    return redirect(url_for("studio.overview", slug=studio.slug))
