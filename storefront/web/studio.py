"""The studio area: create a studio, edit its profile, manage members."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..security import is_studio_owner, studio_or_404
from ..services import ServiceError
from ..services.accounts import studios as studios_service
from .forms import InviteForm, StudioForm

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
    form = StudioForm()
    if request.method == "GET" and not form.contact_email.data:
        form.contact_email.data = current_user.email
    if form.validate_on_submit():
        studio = studios_service.create_studio(
            current_user,
            form.name.data,
            form.country.data,
            form.contact_email.data,
            form.bio.data or "",
            form.website.data or "",
        )
        flash(_("Your studio %(name)s is ready.", name=studio.name), "success")
        return redirect(url_for("studio.overview", slug=studio.slug))
    return render_template("studio/form.html", form=form, studio=None), (
        400 if request.method == "POST" else 200
    )


@bp.route("/<slug>/")
@login_required
def overview(slug: str) -> ResponseReturnValue:
    studio = studio_or_404(slug)
    return render_template("studio/overview.html", studio=studio)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str) -> ResponseReturnValue:
    studio = studio_or_404(slug, owner=True)
    form = StudioForm(obj=studio)
    if form.validate_on_submit():
        studios_service.update_studio(
            studio,
            name=form.name.data,
            country=form.country.data,
            contact_email=form.contact_email.data,
            bio=form.bio.data or "",
            website=form.website.data or "",
        )
        flash(_("The studio profile is saved."), "success")
        return redirect(url_for("studio.overview", slug=studio.slug))
    return render_template("studio/form.html", form=form, studio=studio), (
        400 if request.method == "POST" else 200
    )


@bp.route("/<slug>/members", methods=["GET", "POST"])
@login_required
def members(slug: str) -> ResponseReturnValue:
    studio = studio_or_404(slug)
    form = InviteForm()
    status = 200
    if request.method == "POST":
        if not is_studio_owner(current_user, studio):
            return render_template("errors/error.html", code=403), 403
        if form.validate_on_submit():
            try:
                studios_service.invite_member(studio, current_user, form.email.data)
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
        is_owner=is_studio_owner(current_user, studio),
    ), status


@bp.route("/<slug>/members/<int:member_id>/remove", methods=["POST"])
@login_required
def remove_member(slug: str, member_id: int) -> ResponseReturnValue:
    studio = studio_or_404(slug, owner=True)
    try:
        studios_service.remove_member(studio, member_id)
    except ServiceError as exc:
        flash(str(exc), "error")
    else:
        flash(_("The member was removed."), "success")
    return redirect(url_for("studio.members", slug=studio.slug))


@bp.route("/invites/<token>", methods=["GET", "POST"])
@login_required
def accept_invite(token: str) -> ResponseReturnValue:
    if request.method == "GET":
        return render_template("studio/accept_invite.html", token=token)

    try:
        studio = studios_service.accept_invite(token, current_user)
    except ServiceError as exc:
        return render_template("studio/accept_invite.html", token=token, error=str(exc)), 400
    flash(_("You are now a member of %(studio)s.", studio=studio.name), "success")
    return redirect(url_for("studio.overview", slug=studio.slug))
