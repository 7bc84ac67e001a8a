"""The Media tab of a title: film and trailer uploads, pipeline status, images, subtitles."""

from __future__ import annotations

from typing import TypeVar

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..extensions import db
from ..i18n import current_locale
from ..languages import language_name
from ..models import (
    AssetKind,
    AssetStatus,
    AudioTrack,
    ImageKind,
    MediaAsset,
    SubtitleTrack,
    Title,
    TitleImage,
    UploadSession,
    UploadStatus,
)
from ..security import title_or_404
from ..services import ServiceError
from ..services.accounts.permissions import Action, may
from ..services.catalog import titles as titles_service
from ..services.media import audio as audio_service
from ..services.media import audio_files as audio_files_service
from ..services.media import images as images_service
from ..services.media import pipeline, upload_faults
from ..services.media import subtitles as subtitles_service
from .request_guards import accepts_files
from .title_forms import AudioTrackForm, ImageForm, SubtitleForm

bp = Blueprint("studio_media", __name__, url_prefix="/studio")

IN_PROGRESS = frozenset({AssetStatus.UPLOADED, AssetStatus.PROBING, AssetStatus.TRANSCODING})
ASSET_STATUS_LABELS = {
    AssetStatus.UPLOADING: _l("Uploading"),
    AssetStatus.UPLOADED: _l("Uploaded, waiting to be processed"),
    AssetStatus.PROBING: _l("Checking the file"),
    AssetStatus.TRANSCODING: _l("Preparing for streaming"),
    AssetStatus.READY: _l("Ready"),
    AssetStatus.FAILED: _l("Failed"),
    AssetStatus.SUPERSEDED: _l("Replaced"),
}
KIND_LABELS = {AssetKind.FEATURE: _l("Film"), AssetKind.TRAILER: _l("Trailer")}


def asset_json(asset: MediaAsset) -> dict:
    """What the Media tab shows about an asset, also polled while it is processed."""
    data = pipeline.asset_status(asset)  # status, progress, probe facts, reason
    data.update(
        status_label=str(ASSET_STATUS_LABELS[asset.status]),
        in_progress=asset.status in IN_PROGRESS,
        filename=asset.original_filename,
        size=asset.size_bytes,
    )
    for rendition in data["renditions"]:
        rendition["status_label"] = str(ASSET_STATUS_LABELS[AssetStatus(rendition["status"])])
    if asset.kind == AssetKind.AUDIO and request.view_args and "slug" in request.view_args:
        ids = {"slug": request.view_args["slug"], "title_id": asset.title_id}
        data["delete_url"] = url_for(
            "studio_media.delete_audio_file", **ids, audio_file_id=asset.id
        )
        data["retry_url"] = (
            url_for("studio_media.retry_audio_file", **ids, audio_file_id=asset.id)
            if audio_files_service.can_retry(asset)
            else None
        )
    return data


def _assets_and_audio(title: Title) -> tuple[dict[str, MediaAsset | None], list[MediaAsset]]:
    """The film and trailer in use, and every uploaded audio file (each one is shown)."""
    assets = _current_assets(title)
    assets.pop(AssetKind.AUDIO.value, None)
    return assets, audio_files_service.audio_files(title.id)


def _current_assets(title: Title) -> dict[str, MediaAsset | None]:
    return {kind.value: titles_service.current_asset(title, kind) for kind in AssetKind}


def _active_session(asset: MediaAsset | None) -> UploadSession | None:
    if asset is None or asset.status != AssetStatus.UPLOADING:
        return None
    return db.session.scalar(
        db.select(UploadSession).filter_by(asset_id=asset.id, status=UploadStatus.ACTIVE)
    )


def _limit(field, setting: str, message_id: str) -> int:
    """Give a file field its size limit, for the browser to check before sending: a body over
    the limit is refused unread, with the form gone."""
    limit = int(current_app.config[setting])
    marks = {"data-max-bytes": limit, "data-too-large": message_id}
    field.render_kw = {**(field.render_kw or {}), **marks}
    return limit


def _render(title: Title, studio, image_form=None, subtitle_form=None, status: int = 200):
    image_form = image_form or ImageForm()
    subtitle_form = subtitle_form or SubtitleForm()
    image_limit = _limit(image_form.image, "IMAGE_MAX_BYTES", "image-too-large")
    subtitle_limit = _limit(subtitle_form.file, "SUBTITLE_MAX_BYTES", "file-too-large")
    assets = _current_assets(title)  # the audio one too: its uploader may resume a session
    audio_files = audio_files_service.audio_files(title.id)
    shown = [a for kind, a in assets.items() if kind != AssetKind.AUDIO.value] + audio_files
    in_progress = any(a is not None and a.status in IN_PROGRESS for a in shown)
    return render_template(
        "studio/titles/media.html",
        studio=studio,
        title=title,
        assets=assets,
        in_progress=in_progress,
        sessions={kind: _active_session(asset) for kind, asset in assets.items()},
        kind_labels=KIND_LABELS,
        asset_json=asset_json,
        posters=images_service.images_of(title, ImageKind.POSTER),
        stills=images_service.images_of(title, ImageKind.STILL),
        tracks=subtitles_service.tracks_of(title),
        audio_tracks=audio_service.current_tracks(title.id),
        audio_files=audio_files,
        audio_form=AudioTrackForm,
        audio_kind_labels=audio_service.AUDIO_KIND_LABELS,
        image_form=image_form,
        subtitle_form=subtitle_form,
        image_too_large=images_service.too_large_message(image_limit),
        subtitle_too_large=subtitles_service.too_large_message(subtitle_limit),
        upload_lost_message=upload_faults.lost_message(),
        can_edit=may(current_user, studio, Action.EDIT_CATALOGUE),
    ), status


@bp.get("/<slug>/titles/<int:title_id>/media")
@login_required
def media(slug: str, title_id: int) -> ResponseReturnValue:
    studio, title = title_or_404(slug, title_id, Action.VIEW)
    return _render(title, studio)


@bp.get("/<slug>/titles/<int:title_id>/media/status")
@login_required
def media_status(slug: str, title_id: int) -> ResponseReturnValue:
    _studio, title = title_or_404(slug, title_id, Action.VIEW)
    current, audio_files = _assets_and_audio(title)
    assets = [asset for asset in current.values() if asset is not None]
    return jsonify(
        {
            "title_status": title.status.value,
            "title_status_label": titles_service.status_label(title),
            "assets": [asset_json(asset) for asset in assets],
            "audio_files": [asset_json(asset) for asset in audio_files],
        }
    )


_Owned = TypeVar("_Owned", TitleImage, SubtitleTrack, AudioTrack)


def _of_title(model: type[_Owned], ident: int, title: Title) -> _Owned:
    """The row ``ident`` of ``model`` if it belongs to ``title``; 404 otherwise."""
    row = db.session.get(model, ident)
    if row is None or row.title_id != title.id:
        abort(404)
    return row


@bp.post("/<slug>/titles/<int:title_id>/images")
@login_required
@accepts_files("IMAGE_MAX_BYTES")
def add_image(slug: str, title_id: int) -> ResponseReturnValue:
    studio, title = title_or_404(slug, title_id, Action.EDIT_CATALOGUE)
    form = ImageForm()
    if form.validate_on_submit():
        try:
            images_service.add_image(title, form.kind.data, form.image.data.stream)
        except ServiceError as exc:
            form.image.errors = [*form.image.errors, str(exc)]
        else:
            flash(_("The image is uploaded; it appears once it is processed."), "success")
            return redirect(url_for("studio_media.media", slug=slug, title_id=title.id))
    return _render(title, studio, image_form=form, status=400)


@bp.post("/<slug>/titles/<int:title_id>/images/<int:image_id>/delete")
@login_required
def delete_image(slug: str, title_id: int, image_id: int) -> ResponseReturnValue:
    _studio, title = title_or_404(slug, title_id, Action.EDIT_CATALOGUE)
    image = _of_title(TitleImage, image_id, title)
    images_service.delete_image(image)
    flash(_("The image is deleted."), "success")
    return redirect(url_for("studio_media.media", slug=slug, title_id=title.id))


@bp.post("/<slug>/titles/<int:title_id>/subtitles")
@login_required
@accepts_files("SUBTITLE_MAX_BYTES")
def add_subtitles(slug: str, title_id: int) -> ResponseReturnValue:
    studio, title = title_or_404(slug, title_id, Action.EDIT_CATALOGUE)
    form = SubtitleForm()
    if form.validate_on_submit():
        try:
            track = subtitles_service.save_track(
                title,
                form.language.data,
                form.kind.data,
                form.label.data,
                form.file.data.stream,
                form.file.data.filename or "",
            )
        except ServiceError as exc:
            form.file.errors = [*form.file.errors, str(exc)]
        else:
            # Named in the interface's language ("French subtitles"), not by the player label.
            flash(
                _(
                    "The %(language)s track is saved.",
                    language=language_name(track.language, current_locale()),
                ),
                "success",
            )
            return redirect(url_for("studio_media.media", slug=slug, title_id=title.id))
    return _render(title, studio, subtitle_form=form, status=400)


@bp.post("/<slug>/titles/<int:title_id>/audio/<int:track_id>")
@login_required
def label_audio(slug: str, title_id: int, track_id: int) -> ResponseReturnValue:
    """The studio says what an audio track is (language, kind, name in the player)."""
    _studio, title = title_or_404(slug, title_id, Action.EDIT_CATALOGUE)
    track = _of_title(AudioTrack, track_id, title)
    form = AudioTrackForm(prefix=f"audio-{track.id}")
    if form.validate_on_submit():
        try:
            audio_service.label_track(
                track, form.language.data or "", form.kind.data or "", form.label.data or ""
            )
        except ServiceError as exc:
            flash(str(exc), "error")
        else:
            flash(_("The audio track is saved."), "success")
    else:
        flash(_("Nothing was saved. Fix the fields marked below and save again."), "error")
    return redirect(url_for("studio_media.media", slug=slug, title_id=title.id) + "#audio")


def _audio_file_or_404(slug: str, title_id: int, audio_file_id: int) -> tuple:
    """The title and one of its separately uploaded audio files, for a member who may edit."""
    _studio, title = title_or_404(slug, title_id, Action.EDIT_CATALOGUE)
    asset = audio_files_service.audio_file_of_title(title.id, audio_file_id)
    if asset is None:
        abort(404)
    return title, asset


@bp.post("/<slug>/titles/<int:title_id>/audio-files/<int:audio_file_id>/delete")
@login_required
def delete_audio_file(slug: str, title_id: int, audio_file_id: int) -> ResponseReturnValue:
    """A separately uploaded audio track goes, ready or not, with everything made from it."""
    title, asset = _audio_file_or_404(slug, title_id, audio_file_id)
    audio_files_service.delete_audio_file(asset)
    flash(_("The audio track is deleted."), "success")
    return redirect(url_for("studio_media.media", slug=slug, title_id=title.id) + "#audio")


@bp.post("/<slug>/titles/<int:title_id>/audio-files/<int:audio_file_id>/retry")
@login_required
def retry_audio_file(slug: str, title_id: int, audio_file_id: int) -> ResponseReturnValue:
    """A file that failed for a reason that may pass is processed again."""
    title, asset = _audio_file_or_404(slug, title_id, audio_file_id)
    if audio_files_service.retry_audio_file(asset):
        flash(_("The audio file is being processed again."), "success")
    else:
        flash(_("This file cannot be processed again. Delete it and upload a new one."), "error")
    return redirect(url_for("studio_media.media", slug=slug, title_id=title.id) + "#audio")


@bp.post("/<slug>/titles/<int:title_id>/subtitles/<int:track_id>/delete")
@login_required
def delete_subtitles(slug: str, title_id: int, track_id: int) -> ResponseReturnValue:
    _studio, title = title_or_404(slug, title_id, Action.EDIT_CATALOGUE)
    track = _of_title(SubtitleTrack, track_id, title)
    subtitles_service.delete_track(track)
    flash(_("The subtitle track is deleted."), "success")
    return redirect(url_for("studio_media.media", slug=slug, title_id=title.id))


@bp.app_template_global()
def image_url(image: TitleImage, name: str) -> str:
    return url_for("media_files.image", image_id=image.id, name=name)


@bp.app_template_global()
def image_failure(image: TitleImage) -> str:
    return images_service.failure_message(image)


@bp.app_template_global()
def image_src(image: TitleImage, ext: str = "jpg") -> str:
    """The smallest stored size: the `src` fallback next to `srcset`."""
    names = _sizes(image, ext)
    return image_url(image, names[0][1]) if names else ""


def _sizes(image: TitleImage, ext: str) -> list[tuple[int, str]]:
    return images_service.stored_sizes(image.keys or {}, ext)


@bp.app_template_global()
def image_srcset(image: TitleImage, ext: str = "webp") -> str:
    """`srcset` of every stored width in one format."""
    names = _sizes(image, ext)
    return ", ".join(f"{image_url(image, name)} {width}w" for width, name in names)
