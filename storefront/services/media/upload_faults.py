"""What goes wrong between the browser and storage that the browser cannot see for itself.

* Storage lost an unfinished upload (a restart, the abandoned-upload sweep, a lifecycle rule
  aborting it): parts are refused for ever, so the session is marked lost and the filmmaker
  is offered a fresh upload of the same file.
* The bucket's CORS rules refuse the page's origin, the PUT method or the checksum header:
  the browser reports only a network error, so the app reads the rules and says which
  setting to change.
"""

from __future__ import annotations

from contextlib import suppress

from flask_babel import gettext as _

from ...adapters.media.base import N_
from ...adapters.storage import (
    CORS_CHECKSUM_HEADER,
    CORS_METHOD,
    CORS_NO_RULES,
    CORS_ORIGIN,
    StorageError,
)
from ...extensions import db
from ...models import AssetStatus, UploadSession, UploadStatus
from .. import ServiceError
from .storage import get_storage

LOST_CODE = "upload_lost"
#: Shown on the asset afterwards (translated when shown, see pipeline.MESSAGES).
LOST_REASON = N_("The storage service lost this unfinished upload. Upload the file again.")


class UploadLost(ServiceError):
    """Storage no longer has the multipart upload behind a session."""

    reason = LOST_CODE

    def __init__(self) -> None:
        super().__init__(lost_message())


def lost_message() -> str:
    return _(
        "The storage service no longer has this unfinished upload (it was cleared, for "
        "example by a restart of the storage service or after a long pause). Press Start "
        "again to upload the same file from the beginning."
    )


def mark_lost(session: UploadSession) -> None:
    """Close a session storage no longer knows: lost, its placeholder asset failed."""
    if session.status != UploadStatus.ACTIVE:
        return
    # In case storage still holds stray parts of it (else the orphan sweep catches them).
    with suppress(StorageError):
        get_storage().abort_multipart(session.storage_key, session.storage_upload_id)
    session.status = UploadStatus.LOST
    asset = session.asset
    asset.status = AssetStatus.FAILED
    asset.error_code = LOST_CODE
    asset.error = LOST_REASON
    db.session.flush()


def browser_access_problem(origin: str) -> str | None:
    """Why a page on ``origin`` cannot send parts to storage, in words, or None."""
    code = get_storage().cors_problem(origin)
    # No rules at all is no proof: some services answer browsers without any (rclone's
    # --allow-origin, moto); `flask storage init` reports it to the operator instead.
    if code is None or code == CORS_NO_RULES:
        return None
    start = _("Uploads cannot reach the storage service.")
    if code == CORS_CHECKSUM_HEADER:
        fix = _(
            "The bucket's CORS rules do not allow the x-amz-checksum-crc32 header the uploader "
            "sends with every part. The site's operator must add x-amz-checksum-crc32 to the "
            "bucket's allowed CORS headers (flask storage init does this), or set "
            "S3_PART_CHECKSUMS=false for a storage service that cannot allow it."
        )
    elif code == CORS_ORIGIN:
        fix = _(
            "The bucket's CORS rules do not allow this site (%(origin)s). The site's operator "
            "must add it to the bucket's allowed CORS origins (flask storage init --origin "
            "%(origin)s).",
            origin=origin,
        )
    else:
        assert code == CORS_METHOD
        fix = _(
            "The bucket's CORS rules do not allow uploads (the PUT method) from this site. "
            "The site's operator must allow PUT in them (flask storage init does this)."
        )
    return f"{start} {fix}"
