"""Resumable uploads of films, trailers and audio tracks, straight from the browser to storage.

The app opens a multipart upload and signs part URLs; the browser PUTs fixed-size parts
(part n covers bytes [(n-1)*part_size, n*part_size)) to storage, asks which parts arrived
after a reload, and asks the app to complete. The app never carries the bytes with S3.
Each part is signed together with the CRC32 the browser computed for it, so storage
refuses bytes that changed on the way.
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from ... import jobs
from ...adapters.storage import (
    MAX_PARTS,
    Part,
    SignedPart,
    StorageError,
    UploadNotFound,
    is_crc32_checksum,
    keys,
    part_size_for,
)
from ...extensions import db
from ...formatting import file_size_text
from ...models import (
    AssetKind,
    AssetStatus,
    MediaAsset,
    Title,
    UploadSession,
    UploadStatus,
    User,
    utcnow,
)
from .. import ServiceError
from ..catalog.titles import has_ready_feature
from .pipeline import sync_title_status
from .storage import get_storage
from .upload_faults import UploadLost, browser_access_problem, mark_lost

log = logging.getLogger(__name__)

MAX_SIGN_BATCH = 100
#: How often signing refreshes a session's sign of life: a 50 GB film signs thousands of
#: parts, and one database write a minute is plenty for a sweep that waits hours.
HEARTBEAT_EVERY = timedelta(minutes=1)
DEFAULT_EXTENSION = "bin"


def _ext(filename: str) -> str:
    """The file's extension if it is a safe one, else a neutral one (the probe decides)."""
    stem, dot, ext = filename.rpartition(".")
    if dot and stem and ext.isascii() and ext.isalnum() and len(ext) <= 10:
        return ext.lower()
    return DEFAULT_EXTENSION


def open_session(
    title: Title,
    user: User,
    kind: str,
    filename: str,
    size: object,
    content_type: str = "",
    origin: str = "",
) -> UploadSession:
    """Start an upload of `kind` for a declared file, sent by a page on `origin`."""
    try:
        asset_kind = AssetKind(kind)
    except ValueError:
        raise ServiceError(_("Choose whether this is the film or its trailer.")) from None
    if asset_kind == AssetKind.AUDIO and not has_ready_feature(title):
        # A separate audio track is laid under the picture of the film that is ready.
        raise ServiceError(_("Upload the film first: audio tracks are added to a ready film."))
    filename = (filename or "").strip().replace("\\", "/").rpartition("/")[2][:255]
    if not filename:
        raise ServiceError(_("The file needs a name."))
    if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
        raise ServiceError(_("The file is empty."))
    limit = int(current_app.config["MAX_UPLOAD_BYTES"])
    if size > limit:
        raise ServiceError(
            _("This file is larger than the %(limit)s allowed.", limit=file_size_text(limit))
        )
    content_type = (content_type or "").strip()[:100] or "application/octet-stream"
    # A browser refused by the bucket's CORS rules sees only "connection problem": say why.
    problem = browser_access_problem(origin) if origin else None
    if problem:
        raise ServiceError(problem)
    part_size = part_size_for(
        size, max_parts=MAX_PARTS, min_part=int(current_app.config["UPLOAD_PART_BYTES"])
    )

    # One upload per title and kind at a time: an older unfinished one is abandoned.
    for stale in active_sessions(title, asset_kind):
        abort_session(stale)

    asset = MediaAsset(
        title_id=title.id,
        kind=asset_kind,
        status=AssetStatus.UPLOADING,
        original_filename=filename,
        content_type=content_type,
        size_bytes=size,
        source_key="",
    )
    db.session.add(asset)
    db.session.flush()
    asset.source_key = keys.source_key(title.id, asset.id, _ext(filename))
    storage = get_storage()
    try:
        upload_id = storage.create_multipart(asset.source_key, content_type)
    except StorageError as exc:
        raise ServiceError(str(exc)) from exc
    session = UploadSession(
        public_id=str(uuid.uuid4()),
        asset_id=asset.id,
        user_id=user.id,
        storage_upload_id=upload_id,
        storage_key=asset.source_key,
        declared_size=size,
        part_size=part_size,
        part_count=max(1, math.ceil(size / part_size)),
        status=UploadStatus.ACTIVE,
    )
    db.session.add(session)
    db.session.flush()
    return session


def active_sessions(title: Title, kind: AssetKind) -> list[UploadSession]:
    return list(
        db.session.scalars(
            db.select(UploadSession)
            .join(MediaAsset)
            .filter(
                MediaAsset.title_id == title.id,
                MediaAsset.kind == kind,
                UploadSession.status == UploadStatus.ACTIVE,
            )
        )
    )


def session_of_title(title: Title, public_id: str) -> UploadSession | None:
    """The upload session `public_id` if it belongs to `title`."""
    return db.session.scalar(
        db.select(UploadSession)
        .join(MediaAsset)
        .filter(UploadSession.public_id == public_id, MediaAsset.title_id == title.id)
    )


def _require_active(session: UploadSession) -> None:
    if session.status != UploadStatus.ACTIVE:
        raise ServiceError(_("This upload has already finished or was cancelled."))


def expected_part_size(session: UploadSession, number: int) -> int:
    """How many bytes part `number` must hold (the last part holds the rest)."""
    if number < session.part_count:
        return session.part_size
    return session.declared_size - session.part_size * (session.part_count - 1)


def _requested_parts(session: UploadSession, requested: Iterable[object]) -> dict[int, str]:
    """Validate ``[{"number": n, "crc32": "..."}, ...]`` into {part number: checksum}."""
    wanted = list(requested)
    if not wanted or len(wanted) > MAX_SIGN_BATCH:
        raise ServiceError(_("Ask for between 1 and %(max)d parts at a time.", max=MAX_SIGN_BATCH))
    checksums: dict[int, str] = {}
    for item in wanted:
        number = item.get("number") if isinstance(item, dict) else None
        if isinstance(number, bool) or not isinstance(number, int):
            raise ServiceError(_("Each part needs its number, a whole number."))
        if not 1 <= number <= session.part_count:
            raise ServiceError(_("This upload has no part %(number)d.", number=number))
        checksum = item.get("crc32")
        if not is_crc32_checksum(checksum):
            raise ServiceError(
                _("Part %(number)d needs its CRC32 checksum, base64-encoded.", number=number)
            )
        if checksums.setdefault(number, checksum) != checksum:
            raise ServiceError(_("Part %(number)d was listed twice.", number=number))
    return checksums


def sign_parts(session: UploadSession, requested: Iterable[object]) -> dict[int, SignedPart]:
    """Short-lived PUTs for up to MAX_SIGN_BATCH parts, each bound to its CRC32 checksum."""
    _require_active(session)
    checksums = _requested_parts(session, requested)
    storage = get_storage()
    expires = int(current_app.config["UPLOAD_URL_EXPIRES"])
    try:
        signed = {
            number: storage.sign_part(
                session.storage_key,
                session.storage_upload_id,
                number,
                expires,
                checksum,
                size=expected_part_size(session, number),
            )
            for number, checksum in sorted(checksums.items())
        }
    except UploadNotFound as exc:
        raise UploadLost() from exc
    # Signing is the sign of life the abandoned-upload sweep looks at.
    now = utcnow()
    if session.updated_at is None or now - session.updated_at >= HEARTBEAT_EVERY:
        session.updated_at = now
        db.session.flush()
    return signed


def uploaded_parts(session: UploadSession) -> list[Part]:
    """Parts storage holds for this session (after a reload the browser skips these).

    A session whose upload storage no longer has is marked lost (and holds no parts).
    """
    if session.status != UploadStatus.ACTIVE:
        return []
    try:
        return get_storage().list_parts(session.storage_key, session.storage_upload_id)
    except UploadNotFound:
        mark_lost(session)
        return []
    except StorageError as exc:
        raise ServiceError(str(exc)) from exc


def _check_parts(session: UploadSession, parts: list[Part]) -> None:
    """Every part present with exactly the size the declared file implies."""
    have = {part.number: part for part in parts}
    missing = [n for n in range(1, session.part_count + 1) if n not in have]
    if missing:
        shown = ", ".join(str(n) for n in missing[:10]) + ("…" if len(missing) > 10 else "")
        raise ServiceError(
            ngettext(
                "%(num)d part has not arrived yet (%(parts)s). Resume the upload to send it.",
                "%(num)d parts have not arrived yet (%(parts)s). Resume the upload to send them.",
                len(missing),
                parts=shown,
            )
        )
    extra = [n for n in have if n > session.part_count]
    wrong = [
        n
        for n in range(1, session.part_count + 1)
        if have[n].size != expected_part_size(session, n)
    ]
    total = sum(have[n].size for n in range(1, session.part_count + 1))
    if extra or wrong or total != session.declared_size:
        raise ServiceError(
            _(
                "The uploaded data (%(got)s bytes) does not match the file's declared size "
                "(%(declared)s bytes). Choose the same file again to resume.",
                got=f"{sum(p.size for p in parts):,}",
                declared=f"{session.declared_size:,}",
            )
        )


def complete_session(session: UploadSession) -> MediaAsset:
    """Assemble the file, check its size and queue it for probing and transcoding.

    On a missing or wrong part nothing changes and the session stays resumable. Completing
    twice is harmless (the browser may retry after a dropped answer).
    """
    asset = session.asset
    if session.status == UploadStatus.COMPLETED:
        return asset
    _require_active(session)
    storage = get_storage()
    parts = uploaded_parts(session)
    if session.status == UploadStatus.LOST:
        raise UploadLost()
    _check_parts(session, parts)
    try:
        info = storage.complete_multipart(
            session.storage_key,
            session.storage_upload_id,
            [(part.number, part.etag) for part in parts],
            {part.number: part.checksum for part in parts if part.checksum},
        )
    except UploadNotFound as exc:
        raise UploadLost() from exc
    except StorageError as exc:
        raise ServiceError(str(exc)) from exc
    if info.size != session.declared_size:  # defence in depth: storage disagrees with itself
        storage.delete(session.storage_key)
        session.status = UploadStatus.ABORTED
        asset.status = AssetStatus.FAILED
        asset.error_code = "size_mismatch"
        asset.error = _("The file that arrived is not the size that was declared.")
        db.session.flush()
        return asset

    session.status = UploadStatus.COMPLETED
    session.completed_at = utcnow()
    asset.status = AssetStatus.UPLOADED
    asset.size_bytes = info.size
    asset.progress = 0
    asset.error_code = asset.error = None
    db.session.flush()
    # The asset it replaces keeps playing until this one is ready: the pipeline marks it
    # superseded then and deletes its files (media_pipeline.finish_asset).
    sync_title_status(asset.title_id)
    jobs.defer(db.session, "process_asset", asset.id)
    return asset


def abort_session(session: UploadSession) -> None:
    """Cancel an unfinished upload: storage drops the parts, the asset row goes."""
    if session.status != UploadStatus.ACTIVE:
        return
    storage = get_storage()
    try:
        storage.abort_multipart(session.storage_key, session.storage_upload_id)
    except StorageError as exc:
        raise ServiceError(str(exc)) from exc
    # Nothing arrived that anyone wants: the session and its placeholder asset go.
    asset = session.asset
    db.session.delete(session)
    db.session.delete(asset)
    db.session.flush()


def sweep_abandoned(now: datetime | None = None) -> tuple[int, int]:
    """Abort sessions silent for UPLOAD_ABANDON_HOURS and storage uploads nobody owns.

    Returns (sessions aborted, storage uploads aborted). A long upload that keeps signing
    parts stays alive however long it takes.
    """
    now = now or utcnow()
    cutoff = now - timedelta(hours=int(current_app.config["UPLOAD_ABANDON_HOURS"]))
    sessions = 0
    stale = db.session.scalars(
        db.select(UploadSession).filter(
            UploadSession.status == UploadStatus.ACTIVE, UploadSession.updated_at < cutoff
        )
    ).all()
    for session in stale:
        abort_session(session)
        sessions += 1

    live = set(
        db.session.scalars(
            db.select(UploadSession.storage_upload_id).filter(
                UploadSession.status == UploadStatus.ACTIVE
            )
        )
    )
    storage = get_storage()
    orphans = 0
    for upload in storage.list_multipart_uploads("titles/"):
        if upload.upload_id not in live and upload.initiated < cutoff:
            storage.abort_multipart(upload.key, upload.upload_id)
            orphans += 1
    if sessions or orphans:
        log.info("Aborted %d abandoned upload sessions and %d orphan uploads", sessions, orphans)
    return sessions, orphans


def session_json(session: UploadSession, parts: list[Part] | None = None) -> dict:
    """What the browser's uploader needs to know about a session."""
    data: dict = {
        "id": session.public_id,
        "status": session.status.value,
        "asset_id": session.asset_id,
        "kind": session.asset.kind.value,
        "filename": session.asset.original_filename,
        "size": session.declared_size,
        "part_size": session.part_size,
        "part_count": session.part_count,
    }
    if parts is not None:
        data["parts"] = [{"number": p.number, "size": p.size} for p in parts]
    if session.status == UploadStatus.LOST:
        data["message"] = UploadLost().args[0]
    return data
