"""A festival's artwork: uploaded by its organiser, checked and resized by the same code as
posters (``services.media.images``), shown on the festival's page and in the festival list.

The request checks the header and stores the original; the worker (``process_artwork``)
decodes and resizes it. Until then the previous artwork stays on the pages, and it is
replaced, files and all, once the new one is ready. A refused upload changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import BinaryIO

from flask_babel import gettext as _
from sqlalchemy.orm import exc as sa_exc

from ... import jobs
from ...adapters.storage import keys
from ...extensions import db
from ...models import Festival, FestivalArtwork, ImageStatus
from .. import ServiceError
from ..media import images
from ..media.storage import get_storage

# Landscape key art, laid out across the page: the sizes of a still.
WIDTHS = (640, 1280, 1920)
ARTWORK_PAGE_WIDTH = 1152  # the festival page's banner, at most the page's width
ARTWORK_CARD_WIDTH = 512  # the festival list's 16rem picture, on a dense screen
MAX_ALT_LENGTH = 300


class DescriptionTooLong(ServiceError):
    """The artwork's description (its alt text) is refused; the image is not the problem."""


def _alt(text: str | None) -> str:
    alt = " ".join((text or "").split())
    if len(alt) > MAX_ALT_LENGTH:
        raise DescriptionTooLong(
            _("Keep the description under %(count)d characters.", count=MAX_ALT_LENGTH)
        )
    return alt


def artworks_of(festival: Festival) -> list[FestivalArtwork]:
    query = db.select(FestivalArtwork).filter_by(festival_id=festival.id)
    return list(db.session.scalars(query.order_by(FestivalArtwork.id)))


def current_artwork(festival: Festival) -> FestivalArtwork | None:
    """The artwork pages show: the newest ready one."""
    ready = [a for a in artworks_of(festival) if a.status == ImageStatus.READY]
    return ready[-1] if ready else None


def pending_artwork(festival: Festival) -> FestivalArtwork | None:
    """An upload the worker has not finished, newer than what is shown."""
    rows = artworks_of(festival)
    return rows[-1] if rows and rows[-1].status == ImageStatus.PROCESSING else None


def failed_artwork(festival: Festival) -> FestivalArtwork | None:
    """The last upload, when the worker could not use it (the previous artwork stays)."""
    rows = artworks_of(festival)
    return rows[-1] if rows and rows[-1].status == ImageStatus.FAILED else None


def failure_message(artwork: FestivalArtwork) -> str:
    return images.problem_message(artwork.error)


def upload_artwork(festival: Festival, stream: BinaryIO, alt_text: str = "") -> FestivalArtwork:
    """Accept new artwork: check its header, store the original and queue the resizing.

    Raises ServiceError (with the organiser's words) for a file that is empty, too large,
    not a JPEG, PNG or WebP image, or has too many pixels; nothing is stored then.
    """
    alt = _alt(alt_text)
    data, header = images.checked_upload(stream)
    earlier = artworks_of(festival)
    row = FestivalArtwork(
        festival_id=festival.id,
        keys={},
        width=header.width,
        height=header.height,
        alt_text=alt,
        status=ImageStatus.PROCESSING,
    )
    db.session.add(row)
    db.session.flush()
    row.source_key = artwork_key(festival.id, row.id, f"source.{header.format.lower()}")
    images.store_source(row.source_key, data)
    # An earlier upload that failed or never finished is superseded by this one.
    for old in earlier:
        if old.status != ImageStatus.READY and _locked(old) and old.status != ImageStatus.READY:
            _delete(old)
    jobs.defer(db.session, "process_festival_artwork", row.id)
    db.session.flush()
    return row


def describe_artwork(festival: Festival, alt_text: str) -> FestivalArtwork:
    """Change the description of the artwork shown (and of one still being processed)."""
    alt = _alt(alt_text)
    shown = current_artwork(festival) or pending_artwork(festival)
    if shown is None:
        raise ServiceError(_("Choose an image file."))
    shown.alt_text = alt
    pending = pending_artwork(festival)
    if pending is not None:
        pending.alt_text = alt
    db.session.flush()
    return shown


def process_artwork(artwork_id: int) -> str:
    """Decode and resize uploaded artwork (the worker's half of ``upload_artwork``); once
    ready it replaces the festival's previous artwork. Safe to run again."""
    # Locked while it is resized: a removal or a newer upload waits, then sees its files.
    row = db.session.get(FestivalArtwork, artwork_id, with_for_update=True)
    if row is None or row.status != ImageStatus.PROCESSING or not row.source_key:
        return "skipped"
    if not images.resize_stored(
        row, WIDTHS, lambda name: artwork_key(row.festival_id, row.id, name)
    ):
        db.session.flush()
        return "failed"
    for old in db.session.scalars(
        db.select(FestivalArtwork).where(
            FestivalArtwork.festival_id == row.festival_id, FestivalArtwork.id < row.id
        )
    ):
        _delete(old)
    db.session.flush()
    return "ready"


def remove_artwork(festival: Festival) -> bool:
    """Remove the festival's artwork, any upload in progress, and all their files."""
    rows = [row for row in artworks_of(festival) if _locked(row)]
    for row in rows:
        _delete(row)
    db.session.flush()
    return bool(rows)


def artwork_key(festival_id: int, artwork_id: int, name: str) -> str:
    """Where one size of one upload lives; the id in the name keeps replaced files apart."""
    size, _dot, ext = name.partition(".")
    return keys.festival_artwork_key(festival_id, f"{artwork_id}-{size}", ext)


def _locked(row: FestivalArtwork) -> bool:
    """Lock the row and read it afresh (the worker may have just resized or replaced it);
    False when it is gone, its files with it."""
    try:
        db.session.refresh(row, with_for_update=True)
    except sa_exc.InvalidRequestError:  # ObjectDeletedError is one
        return False
    return True


def _delete(row: FestivalArtwork) -> None:
    storage = get_storage()
    for key in (row.keys or {}).values():
        storage.delete(key)
    if row.source_key:
        storage.delete(row.source_key)
    db.session.delete(row)


def card_artworks(festival_ids: Sequence[int]) -> dict[int, FestivalArtwork]:
    """Each festival's current artwork (one query), for the festival list."""
    if not festival_ids:
        return {}
    rows = db.session.scalars(
        db.select(FestivalArtwork)
        .where(
            FestivalArtwork.festival_id.in_(festival_ids),
            FestivalArtwork.status == ImageStatus.READY,
        )
        .order_by(FestivalArtwork.id)
    )
    return {row.festival_id: row for row in rows}  # the newest wins
