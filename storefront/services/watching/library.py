"""A viewer's films: what they bought or rented, the state of each rental clock, and where
they stopped watching."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ...extensions import db
from ...models import Entitlement, OfferKind, SubtitleTrack, Title, WatchProgress
from ..catalog.availability import SELLABLE_STATUSES
from ..catalog.catalogue import poster_keys
from ..catalog.title_texts import shown_names
from ..media.images import POSTER_CARD_WIDTH
from .access import (
    PlaybackRefused,
    Refusal,
    entitlement_refusal,
    rental_expiry,
    usable_entitlement,
)
from .playback import check_territory, live_position_of, ready_asset


class ItemState(enum.StrEnum):
    OWNED = "owned"  # bought: watch any time
    RENTAL_NOT_STARTED = "rental_not_started"  # the clock starts at the first play
    RENTAL_RUNNING = "rental_running"  # counting down to expiry
    EXPIRED = "expired"
    START_BY_PASSED = "start_by_passed"
    REFUNDED = "refunded"
    CHARGED_BACK = "charged_back"
    SUSPENDED = "suspended"
    PREORDERED = "preordered"  # paid before the release: watchable from `release_at`
    NOT_OPEN = "not_open"  # a festival ticket whose screening opens later
    SCREENING_CLOSED = "screening_closed"  # a festival ticket not started before it closed
    LIVE_ENDED = "live_ended"  # a live screening whose film has ended for everyone
    REMOVED = "removed"  # the studio took the film off the store: nothing plays


_STATE_FOR_REFUSAL = {
    Refusal.EXPIRED: ItemState.EXPIRED,
    Refusal.START_BY_PASSED: ItemState.START_BY_PASSED,
    Refusal.REFUNDED: ItemState.REFUNDED,
    Refusal.CHARGED_BACK: ItemState.CHARGED_BACK,
    Refusal.SUSPENDED: ItemState.SUSPENDED,
    Refusal.NOT_RELEASED: ItemState.PREORDERED,
    Refusal.NOT_OPEN: ItemState.NOT_OPEN,
    Refusal.SCREENING_CLOSED: ItemState.SCREENING_CLOSED,
}
# Which entitlement stands for a title when a viewer holds several (lower wins).
_RANK = {
    ItemState.OWNED: 0,
    ItemState.RENTAL_RUNNING: 1,
    ItemState.RENTAL_NOT_STARTED: 2,
    ItemState.PREORDERED: 2,
    ItemState.NOT_OPEN: 3,
    ItemState.SUSPENDED: 3,
    ItemState.EXPIRED: 4,
    ItemState.START_BY_PASSED: 5,
    ItemState.SCREENING_CLOSED: 5,
    ItemState.LIVE_ENDED: 5,
    ItemState.REFUNDED: 6,
    ItemState.CHARGED_BACK: 7,
    ItemState.REMOVED: 8,
}


@dataclass(frozen=True, slots=True)
class LibraryItem:
    title_id: int
    slug: str
    name: str
    kind: OfferKind
    state: ItemState
    granted_at: datetime
    start_by: datetime | None
    expires_at: datetime | None
    seconds_left: int | None  # to start (not started) or to expiry (running)
    position: int
    duration: int | None
    poster_key: str | None
    release_at: datetime | None = None  # pre-orders: when it can be watched
    opens_at: datetime | None = None  # festival tickets: when the screening opens
    screening_id: int | None = None  # festival tickets: the screening the ticket was for
    # Live screenings: the film's start and end for everyone (the end None when its length is
    # unknown), instead of hours to watch.
    live_start_at: datetime | None = None
    live_end_at: datetime | None = None
    live_started: bool = False

    @property
    def watchable(self) -> bool:
        return self.state in (
            ItemState.OWNED,
            ItemState.RENTAL_RUNNING,
            ItemState.RENTAL_NOT_STARTED,
        )

    @property
    def rent_again(self) -> bool:
        """Offer to get it again: the rental ran out, or the order was refunded."""
        return self.state in (ItemState.EXPIRED, ItemState.START_BY_PASSED, ItemState.REFUNDED)


def state_of(entitlement: Entitlement, at: datetime) -> ItemState:
    refusal = entitlement_refusal(entitlement, at)
    if refusal is not None:
        return _STATE_FOR_REFUSAL[refusal]
    if entitlement.live_start_at is not None and _live_film_over(entitlement, at):
        return ItemState.LIVE_ENDED
    if entitlement.kind == OfferKind.BUY:
        return ItemState.OWNED
    if entitlement.started_at is None:
        return ItemState.RENTAL_NOT_STARTED
    return ItemState.RENTAL_RUNNING


def _live_film_over(entitlement: Entitlement, at: datetime) -> bool:
    """The live screening's film has ended for everyone: what playback would refuse."""
    asset = ready_asset(entitlement.title_id)
    if asset is None or entitlement.title is None:
        return False
    try:
        live_position_of(entitlement, entitlement.title, asset, at)
    except PlaybackRefused:
        return True
    return False


def items(user_id: int, at: datetime, locale: str = "") -> list[LibraryItem]:
    """One item per title, the most useful entitlement first; watchable titles lead.

    Each title is named as the catalogue names it for a viewer reading ``locale``."""
    from ..promotion.screenings import ticket_film_ends  # festivals build on the library

    rows = db.session.execute(
        sa.select(Entitlement, Title.slug, Title.name, Title.status)
        .join(Title, Title.id == Entitlement.title_id)
        .where(Entitlement.user_id == user_id)
        .order_by(Entitlement.granted_at.desc(), Entitlement.id.desc())
    ).all()
    best: dict[int, tuple[Entitlement, ItemState, str, str]] = {}
    for entitlement, slug, name, status in rows:
        state = ItemState.REMOVED if status not in SELLABLE_STATUSES else state_of(entitlement, at)
        held = best.get(entitlement.title_id)  # type: ignore[arg-type]
        if held is None or _RANK[state] < _RANK[held[1]]:
            best[entitlement.title_id] = (entitlement, state, slug, name)  # type: ignore[index]
    title_ids = list(best)
    progress = {
        row.title_id: row
        for row in db.session.execute(
            sa.select(
                WatchProgress.title_id,
                WatchProgress.position_seconds,
                WatchProgress.duration_seconds,
            ).where(WatchProgress.user_id == user_id, WatchProgress.title_id.in_(title_ids))
        )
    }
    posters = poster_keys(title_ids, width=POSTER_CARD_WIDTH)
    names = shown_names(title_ids, locale) if locale else {}
    result = []
    for title_id, (entitlement, state, slug, name) in best.items():
        expires = rental_expiry(entitlement)
        seconds_left = None
        if state == ItemState.RENTAL_NOT_STARTED and entitlement.start_by is not None:
            seconds_left = int((entitlement.start_by - at).total_seconds())
        elif state == ItemState.RENTAL_RUNNING and expires is not None:
            seconds_left = int((expires - at).total_seconds())
        watched = progress.get(title_id)
        result.append(
            LibraryItem(
                title_id=title_id,
                slug=slug,
                name=names.get(title_id, name),
                kind=entitlement.kind,
                state=state,
                granted_at=entitlement.granted_at,
                start_by=entitlement.start_by,
                expires_at=expires,
                seconds_left=seconds_left,
                position=watched.position_seconds if watched else 0,
                duration=watched.duration_seconds if watched else None,
                poster_key=posters.get(title_id),
                release_at=entitlement.not_before if state == ItemState.PREORDERED else None,
                opens_at=entitlement.not_before if entitlement.kind == OfferKind.TICKET else None,
                screening_id=entitlement.screening_id,
                live_start_at=entitlement.live_start_at,
                live_end_at=ticket_film_ends(entitlement),
                live_started=entitlement.live_start_at is not None
                and entitlement.live_start_at <= at,
            )
        )
    result.sort(key=lambda i: (not i.watchable, -i.granted_at.timestamp()))
    return result


def blocked_here(
    user_id: int, items: list[LibraryItem], country: str | None, at: datetime
) -> set[int]:
    """Ids of watchable titles the rights do not let this viewer watch in ``country`` now (the
    player's territory rule): the library says so rather than offer a button that refuses."""
    blocked = set()
    for item in items:
        if not item.watchable:
            continue
        title = db.session.get(Title, item.title_id)
        try:
            check_territory(title, usable_entitlement(user_id, item.title_id, at), country, at)
        except PlaybackRefused as refusal:
            if refusal.code == Refusal.BLOCKED:
                blocked.add(item.title_id)
    return blocked


def subtitle_tracks(title_id: int) -> list[SubtitleTrack]:
    return list(
        db.session.scalars(
            sa.select(SubtitleTrack)
            .where(SubtitleTrack.title_id == title_id)
            .order_by(SubtitleTrack.language, SubtitleTrack.kind)
        )
    )
