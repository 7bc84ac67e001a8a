"""Studio pages for titles: list, create, edit details, change status, delete."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..genres import genre_label
from ..i18n import current_locale
from ..languages import language_name
from ..models import Order, Studio, Title
from ..public_urls import public_url_for
from ..security import studio_or_404, title_or_404
from ..services import ServiceError
from ..services.accounts.permissions import Action, may
from ..services.catalog import sharing, title_texts
from ..services.catalog import titles as titles_service
from ..services.catalog.availability import SELLABLE_STATUSES
from .title_forms import TitleForm, TitleTextForm

bp = Blueprint("studio_titles", __name__, url_prefix="/studio")


@bp.app_template_global()
def titles_of_studio(studio: Studio) -> list[Title]:
    """The studio's titles, newest first, for the overview."""
    return titles_service.titles_of(studio)


@bp.app_template_global()
def title_status_label(title: Title) -> str:
    return titles_service.status_label(title)


bp.add_app_template_filter(genre_label, "genre_label")


def _language(code: str) -> str:
    return language_name(code, current_locale())


def _render_form(
    form: TitleForm,
    studio: Studio,
    title: Title | None,
    status: int,
    text_form: TitleTextForm | None = None,
):
    return render_template(
        "studio/titles/details.html" if title else "studio/titles/new.html",
        form=form,
        text_form=text_form or TitleTextForm(formdata=None, prefix="text"),
        texts=title_texts.texts_of(title) if title else [],
        studio=studio,
        title=title,
        actions=titles_service.allowed_actions(title) if title else [],
        sell_blockers=titles_service.can_sell(title) if title else [],
        # The embed answers only for a title on sale: a draft's snippet would frame a 404.
        embed_snippet=_embed_snippet(title)
        if title and title.status in SELLABLE_STATUSES
        else None,
        can_edit=may(current_user, studio, Action.EDIT_CATALOGUE),
        can_delete=may(current_user, studio, Action.DELETE_TITLE),
    ), status


def _embed_snippet(title: Title) -> str:
    """The iframe a studio pastes into its own site (the trailer widget)."""
    return sharing.embed_snippet(public_url_for("sharing.embed", slug=title.slug), title.name)


@bp.route("/<slug>/titles/new", methods=["GET", "POST"])
@login_required
def create(slug: str) -> ResponseReturnValue:
    studio = studio_or_404(slug, Action.EDIT_CATALOGUE)
    form = TitleForm()
    if form.validate_on_submit():
        try:
            title = titles_service.create_title(studio, form.to_data())
        except titles_service.TitleInvalid as exc:
            form.show_errors(exc.errors)
        else:
            flash(_("%(title)s is saved as a draft. Upload the film next.", title=title.name))
            return redirect(url_for("studio_media.media", slug=slug, title_id=title.id))
    return _render_form(form, studio, None, 400 if request.method == "POST" else 200)


@bp.route("/<slug>/titles/<int:title_id>/", methods=["GET", "POST"])
@login_required
def details(slug: str, title_id: int) -> ResponseReturnValue:
    action = Action.EDIT_CATALOGUE if request.method == "POST" else Action.VIEW
    studio, title = title_or_404(slug, title_id, action)
    form = TitleForm()
    if request.method == "GET":
        form.fill_from(titles_service.data_of(title))
    elif form.validate_on_submit():
        try:
            titles_service.update_title(title, form.to_data())
        except titles_service.TitleInvalid as exc:
            form.show_errors(exc.errors)
        else:
            flash(_("The details are saved."), "success")
            return redirect(url_for("studio_titles.details", slug=slug, title_id=title.id))
    return _render_form(form, studio, title, 400 if request.method == "POST" else 200)


@bp.post("/<slug>/titles/<int:title_id>/texts")
@login_required
def save_text(slug: str, title_id: int) -> ResponseReturnValue:
    """Add or replace the title's name, tagline and synopsis in one more language."""
    studio, title = title_or_404(slug, title_id, Action.EDIT_CATALOGUE)
    text_form = TitleTextForm(prefix="text")
    if text_form.validate_on_submit():
        try:
            text = title_texts.save_text(
                title,
                text_form.language.data or "",
                text_form.name.data or "",
                text_form.tagline.data or "",
                text_form.synopsis.data or "",
            )
        except title_texts.TextInvalid as exc:
            text_form.show_errors(exc.errors)
        else:
            flash(
                _("The texts in %(language)s are saved.", language=_language(text.language)),
                "success",
            )
            return redirect(
                url_for("studio_titles.details", slug=slug, title_id=title.id) + "#translations"
            )
    form = TitleForm(formdata=None)
    form.fill_from(titles_service.data_of(title))
    return _render_form(form, studio, title, 400, text_form=text_form)


@bp.post("/<slug>/titles/<int:title_id>/texts/<language>/delete")
@login_required
def delete_text(slug: str, title_id: int, language: str) -> ResponseReturnValue:
    _studio, title = title_or_404(slug, title_id, Action.EDIT_CATALOGUE)
    if not title_texts.delete_text(title, language):
        abort(404)
    flash(_("The texts in %(language)s are deleted.", language=_language(language)), "success")
    return redirect(
        url_for("studio_titles.details", slug=slug, title_id=title.id) + "#translations"
    )


@bp.post("/<slug>/titles/<int:title_id>/status")
@login_required
def change_status(slug: str, title_id: int) -> ResponseReturnValue:
    _studio, title = title_or_404(slug, title_id, Action.EDIT_CATALOGUE)
    action = request.form.get("action", "")
    try:
        titles_service.change_status(title, action)
    except ServiceError as exc:
        flash(str(exc), "error")
    else:
        flash(_("The title is now: %(status)s.", status=titles_service.status_label(title)))
    return redirect(url_for("studio_titles.details", slug=slug, title_id=title.id))


@bp.route("/<slug>/titles/<int:title_id>/delete", methods=["GET", "POST"])
@login_required
def delete(slug: str, title_id: int) -> ResponseReturnValue:
    studio, title = title_or_404(slug, title_id, Action.DELETE_TITLE)
    error = None
    if request.method == "POST":
        if request.form.get("confirm_name", "").strip() == title.name:
            name = title.name
            titles_service.delete_title(title)
            flash(_("%(title)s and its files are deleted.", title=name), "success")
            return redirect(url_for("studio.overview", slug=slug))
        error = _("Type the title exactly as shown to confirm.")
    orders = db.session.scalar(
        db.select(db.func.count()).select_from(Order).filter(Order.title_id == title.id)
    )
    return render_template(
        "studio/titles/delete.html", studio=studio, title=title, orders=orders, error=error
    ), (400 if error else 200)
