"""Who may watch what, where and for how long: the checks before and during a stream.

Starting playback asks, in order: is the title on the store, does the viewer hold an active
entitlement whose rental clock allows playing, do the rights cover the country the viewer is
in now (the availability rule), is a stream slot free. Only then does the rental clock start
(on the server, at the first play) and a playback session open.

Territory after a sale closes: a purchase or rental keeps playing in the country it was
bought in after that country's sale window has ended or the offers were withdrawn (the viewer
paid for it there), but never in a country the rights exclude or have not reached yet, and
nowhere once the title is removed from the store.

EU portability (see ``portability``): with the store's setting on, a buyer whose home country
is in the EEA keeps watching what they paid for from any other EEA country; the player says so.

Each stream is a ``PlaybackSession``; the player sends a heartbeat every few seconds and
re-fetches its playlists, and each of those re-checks the session and entitlement, so a refund,
a chargeback or an expired rental stops further playback within minutes (segment links live
``SEGMENT_URL_SECONDS``). Sessions silent for ``STREAM_IDLE_SECONDS`` stop counting towards
the concurrent-stream limit.

A studio's preview (``access.may_preview``) skips the entitlement, territory and stream-limit
checks and never touches a rental clock; its session is marked ``preview`` and re-checks the
membership on every heartbeat and playlist fetch instead.

A stream holds its slot for as long as segment links handed to it still work: stopping it
(or letting it go idle) ends its playlists at once, but storage keeps honouring links it
already signed until they expire, so the slot is only freed then. Otherwise a player could
stop, keep its segment links, and start another stream in the freed slot.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from ...extensions import db
from ...models import (
    CLOCKED_KINDS,
    AssetKind,
    AssetStatus,
    Entitlement,
    MediaAsset,
    Order,
    PlaybackSession,
    Screening,
    Title,
    TitleStatus,
    User,
)
from ..accounts.users import lock_account
from ..catalog.availability import SELLABLE_STATUSES, Reason, availability_for
from .access import (
    PlaybackRefused,
    Refusal,
    entitlement_refusal,
    may_preview,
    usable_entitlement,
)
from .analytics import record_heartbeat
from .portability import portable_home
from .progress import resume_position, save_progress


@dataclass(frozen=True, slots=True)
class Limits:
    max_streams: int = 3
    idle_seconds: int = 120
    token_seconds: int = 900

    @classmethod
    def from_config(cls, config: dict) -> Limits:
        return cls(
            max_streams=int(config.get("MAX_CONCURRENT_STREAMS", 3)),
            idle_seconds=int(config.get("STREAM_IDLE_SECONDS", 120)),
            token_seconds=int(config.get("PLAYBACK_TOKEN_SECONDS", 900)),
        )


# --- territory and media ---------------------------------------------------------------


def check_territory(
    title: Title, entitlement: Entitlement, country: str | None, at: datetime
) -> str | None:
    """Refuse unless the rights cover ``country`` now (see the module docstring).

    Returns the viewer's home country when only EU portability lets them watch here. A
    festival ticket plays in the territories its screening is sold for now, and always in the
    country it was bought or booked in (``Entitlement.country``, whether bought on its own or
    booked with a pass): an organiser narrowing the territories later takes nothing from a
    ticket already sold.
    """
    if entitlement.screening_id is not None:
        from ..promotion.screenings import admits_country  # festivals build on playback

        screening = db.session.get(Screening, entitlement.screening_id)
        if screening is None:
            raise PlaybackRefused(Refusal.BLOCKED)
        if admits_country(screening, country) or (
            country is not None and entitlement.country == country
        ):
            return None
        raise PlaybackRefused(Refusal.BLOCKED)
    availability = availability_for(title, country, at)
    if availability.is_available:
        return None
    bought = db.session.execute(
        sa.select(Order.country, Order.home_country).where(Order.id == entitlement.order_id)
    ).first()
    bought_in, home = (bought.country, bought.home_country) if bought else (None, None)
    closed_since = availability.reason in (Reason.ENDED, Reason.NOT_FOR_SALE)
    if closed_since and country is not None and bought_in == country:
        return None
    portable = portable_home(home or bought_in, country)
    if portable is not None:
        return portable
    raise PlaybackRefused(Refusal.BLOCKED)


def ready_asset(title_id: int, kind: AssetKind = AssetKind.FEATURE) -> MediaAsset | None:
    """The newest finished transcode of a title's feature (or trailer)."""
    return db.session.scalar(
        sa.select(MediaAsset)
        .where(
            MediaAsset.title_id == title_id,
            MediaAsset.kind == kind,
            MediaAsset.status == AssetStatus.READY,
        )
        .order_by(MediaAsset.id.desc())
        .limit(1)
    )


def film_length(title: Title, asset: MediaAsset | None = None) -> int | None:
    """How long the title's film runs (seconds), if known: what probing its ready file found,
    else what the filmmaker gave. ``asset``: that file, when the caller has it already."""
    asset = asset or ready_asset(title.id)
    if asset is not None and asset.duration_ms:
        return asset.duration_ms // 1000
    return title.runtime_seconds


@dataclass(frozen=True, slots=True)
class Playable:
    entitlement: Entitlement | None  # None for a studio's preview
    asset: MediaAsset
    # Set when the film plays here only under EU portability: the viewer's home country.
    portable_from: str | None = None

    @property
    def preview(self) -> bool:
        return self.entitlement is None


def previewable(title: Title) -> bool:
    """A studio previews its title in any state but removed (drafts included)."""
    return title.status != TitleStatus.REMOVED


def check(user: User, title: Title, country: str | None, at: datetime) -> Playable:
    """Everything but the stream limit, without side effects (for showing the player page)."""
    if may_preview(user, title):
        if not previewable(title):
            raise PlaybackRefused(Refusal.REMOVED)
        preview_asset = ready_asset(title.id)
        if preview_asset is None:
            raise PlaybackRefused(Refusal.NOT_READY)
        return Playable(None, preview_asset)
    if title.status not in SELLABLE_STATUSES:
        raise PlaybackRefused(Refusal.REMOVED)
    entitlement = usable_entitlement(user.id, title.id, at)
    portable_from = check_territory(title, entitlement, country, at)
    asset = ready_asset(title.id)
    if asset is None:
        raise PlaybackRefused(Refusal.NOT_READY)
    live_position_of(entitlement, title, asset, at)  # a live film already over refuses here
    return Playable(entitlement, asset, portable_from)


def live_position_of(
    entitlement: Entitlement, title: Title, asset: MediaAsset, at: datetime
) -> int | None:
    """Where a live screening's film is now for everyone (None if not live); refused once it
    has ended (see ``film_length``)."""
    if entitlement.live_start_at is None:
        return None
    from ..promotion.screenings import live_position  # festivals build on playback

    return live_position(entitlement, at, film_length(title, asset))


# --- sessions --------------------------------------------------------------------------


def _active_sessions(user_id: int, at: datetime, limits: Limits) -> sa.Select:
    """Streams taking a slot: open and heard from lately, or holding segment links that
    still work (see the module docstring)."""
    return sa.select(PlaybackSession).where(
        PlaybackSession.user_id == user_id,
        PlaybackSession.preview.is_(False),
        sa.or_(
            sa.and_(
                PlaybackSession.ended_at.is_(None),
                PlaybackSession.last_seen_at > at - timedelta(seconds=limits.idle_seconds),
            ),
            PlaybackSession.links_until > at,
        ),
    )


def record_links(session: PlaybackSession, at: datetime, seconds: int) -> None:
    """The stream was just handed segment links valid for ``seconds``: it keeps its slot
    at least that long."""
    until = at + timedelta(seconds=seconds)
    # One conditional UPDATE: parallel playlist fetches only ever move the time forward.
    db.session.execute(
        sa.update(PlaybackSession)
        .where(
            PlaybackSession.id == session.id,
            sa.or_(PlaybackSession.links_until.is_(None), PlaybackSession.links_until < until),
        )
        .values(links_until=until)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(session, ["links_until"])


@dataclass(frozen=True, slots=True)
class Started:
    session: PlaybackSession
    entitlement: Entitlement | None  # None for a studio's preview
    asset: MediaAsset
    position: int


def start(
    user: User,
    title: Title,
    country: str | None,
    at: datetime,
    limits: Limits,
    replaces: list[str] | tuple[str, ...] = (),
) -> Started:
    """Open a stream: all checks, then the rental clock (first play) and a session.

    ``replaces`` are sessions this browser opened before (a reload, the same tab): they end
    here rather than holding a slot until they time out.
    """
    playable = check(user, title, country, at)
    if playable.entitlement is None:
        return _start_preview(user, title, playable.asset, at, replaces)
    # Serialise starts per account so two at once cannot both take the last slot.
    lock_account(user.id)
    if replaces:
        db.session.execute(
            sa.update(PlaybackSession)
            .where(
                PlaybackSession.user_id == user.id,
                PlaybackSession.public_id.in_(list(replaces)),
                PlaybackSession.ended_at.is_(None),
            )
            .values(ended_at=at)
        )
    active = db.session.scalar(
        sa.select(sa.func.count()).select_from(_active_sessions(user.id, at, limits).subquery())
    )
    if (active or 0) >= limits.max_streams:
        raise PlaybackRefused(Refusal.STREAM_LIMIT, limit=limits.max_streams)
    entitlement = playable.entitlement
    if entitlement.kind in CLOCKED_KINDS and entitlement.started_at is None:
        entitlement.started_at = at
        entitlement.expires_at = at + timedelta(hours=entitlement.watch_hours or 48)
    session = PlaybackSession(
        public_id=str(uuid.uuid4()),
        user_id=user.id,
        title_id=title.id,
        entitlement_id=entitlement.id,
        started_at=at,
        last_seen_at=at,
    )
    db.session.add(session)
    db.session.flush()
    live = live_position_of(entitlement, title, playable.asset, at)
    # A live screening: join where everyone is.
    position = resume_position(user.id, title.id) if live is None else live
    return Started(session, entitlement, playable.asset, position)


def _start_preview(
    user: User, title: Title, asset: MediaAsset, at: datetime, replaces: list[str] | tuple[str, ...]
) -> Started:
    """A studio's preview stream: no entitlement, no rental clock, no slot taken."""
    if replaces:
        db.session.execute(
            sa.update(PlaybackSession)
            .where(
                PlaybackSession.user_id == user.id,
                PlaybackSession.public_id.in_(list(replaces)),
                PlaybackSession.ended_at.is_(None),
            )
            .values(ended_at=at)
        )
    session = PlaybackSession(
        public_id=str(uuid.uuid4()),
        user_id=user.id,
        title_id=title.id,
        entitlement_id=None,
        preview=True,
        started_at=at,
        last_seen_at=at,
    )
    db.session.add(session)
    db.session.flush()
    return Started(session, None, asset, resume_position(user.id, title.id))


def live_session(
    session_id: str, user_id: int, title: Title, country: str | None, at: datetime, limits: Limits
) -> PlaybackSession:
    """The open session, re-checked: same account, not ended or idle, entitlement still good,
    rights still covering the country. Used by heartbeats and every playlist fetch."""
    session = db.session.scalar(
        sa.select(PlaybackSession).where(PlaybackSession.public_id == session_id)
    )
    if session is None or session.user_id != user_id or session.title_id != title.id:
        raise PlaybackRefused(Refusal.INVALID_LINK)
    if session.ended_at is not None or session.last_seen_at <= at - timedelta(
        seconds=limits.idle_seconds
    ):
        raise PlaybackRefused(Refusal.SESSION_ENDED)
    if session.preview:
        user = db.session.get(User, user_id)
        if user is None or not may_preview(user, title):
            raise PlaybackRefused(Refusal.INVALID_LINK)
        if not previewable(title):
            raise PlaybackRefused(Refusal.REMOVED)
        return session
    if title.status not in SELLABLE_STATUSES:
        raise PlaybackRefused(Refusal.REMOVED)
    entitlement = db.session.get(Entitlement, session.entitlement_id)
    assert entitlement is not None
    refusal = entitlement_refusal(entitlement, at)
    if refusal is not None:
        raise PlaybackRefused(refusal)
    check_territory(title, entitlement, country, at)
    return session


def heartbeat(
    session_id: str,
    user_id: int,
    title: Title,
    country: str | None,
    at: datetime,
    limits: Limits,
    position: int | None = None,
    duration: int | None = None,
    stop: bool = False,
) -> PlaybackSession:
    """Keep a stream alive (or end it) and save where the viewer is."""
    session = live_session(session_id, user_id, title, country, at, limits)
    session.last_seen_at = at
    if stop:
        session.ended_at = at
    if position is not None:
        save_progress(user_id, title.id, position, duration, at)
        if not session.preview:  # a studio watching its own film is not its audience
            record_heartbeat(session, country, position, duration, at)
    db.session.flush()
    return session
