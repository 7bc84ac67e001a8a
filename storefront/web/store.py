"""The public store: the catalogue, title pages and studio pages."""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    get_template_attribute,
    render_template,
    request,
    session,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_date, get_timezone, ngettext
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from .. import security
from ..caching import ProcessCache
from ..extensions import db
from ..i18n import current_locale, format_money
from ..models import (
    CreditRole,
    FacetKind,
    OfferKind,
    Studio,
    Title,
    TitleStatus,
    utcnow,
)
from ..public_urls import public_url_for
from ..services.catalog import catalogue, catalogue_query, sharing, title_texts
from ..services.catalog.availability import SELLABLE_STATUSES, Availability, availability_for
from ..services.media import audio as audio_service
from ..services.media import subtitles as subtitles_service
from ..services.media.images import POSTER_PAGE_WIDTH
from ..services.payments.checkout import access_covering
from ..services.promotion.preorders import preorder_availability
from ..services.watching import library, playback
from ..services.watching.access import PlaybackRefused, Refusal
from . import catalogue_cards, page_holes
from .headers import csp_nonce
from .viewer import viewer_country

bp = Blueprint("store", __name__)
IMAGE_URL_SECONDS = 3600
FACET_MENU_SECONDS = 60
LISTING_SECONDS = 10  # titles, availability and counts shared by every viewer's own page


def _signed(keys: list[str]) -> dict[str, str]:
    keys = list(dict.fromkeys(k for k in keys if k))
    if not keys:
        return {}
    cdn = current_app.extensions.get("cdn")
    if cdn is not None:  # one link per poster and hour: the edge and browsers cache it
        urls = cdn.sign_many(keys, IMAGE_URL_SECONDS, viewer="poster", align=IMAGE_URL_SECONDS)
        return dict(zip(keys, urls, strict=True))
    urls = current_app.extensions["storage"].signed_get_urls(keys, IMAGE_URL_SECONDS)
    return dict(zip(keys, urls, strict=True))


def _grid(studio_id: int | None, owned_holes: bool = False) -> tuple[Markup, list[int], float]:
    """The filters and the grid of cards for this request's query and country, the cards'
    title ids, and when the listing shown expires.

    The listing (titles, availability, poster links) is the same for every viewer in a
    country: viewers share it for up to LISTING_SECONDS. Titles are named in the
    viewer's language. Which films the viewer holds is read for this request, or with
    ``owned_holes`` left as a hole in each card, for a rendering shared by many viewers.
    """
    page, poster_urls, expires = _listing(studio_id)
    ids = [c.id for c in page.cards]
    if current_user.is_authenticated and not owned_holes:
        page = replace(page, owned=catalogue.owned_title_ids(current_user.id, ids))
    html = Markup(  # noqa: S704 - autoescaped template output
        render_template(
            "store/_catalogue.html",
            page=page,
            query=page.query,
            choices=_facet_choices(),
            poster_urls=poster_urls,
            title_links=catalogue_cards.title_links(c.slug for c in page.cards),
            offers_html=catalogue_cards.offer_fragments(
                page.cards, _price_texts(page), viewer_country()
            ),
            owned_hole=page_holes.owned_hole if owned_holes else None,
        )
    )
    return html, ids, expires


def _listing(studio_id: int | None) -> tuple[catalogue.CataloguePage, dict[str, str], float]:
    """This request's page of the shared listing, its posters' links, and when it expires
    (on the page cache's clock)."""
    locale = current_locale()
    query = catalogue_query.parse_query(request.args, studio_id=studio_id, locale=locale)
    country = viewer_country()
    seconds = min(LISTING_SECONDS, current_app.config.get("CATALOGUE_CACHE_SECONDS", 0))

    def listing() -> tuple[catalogue.CataloguePage, dict[str, str], float]:
        shared = catalogue.browse(
            query,
            country,
            utcnow(),
            totals=_page_cache(),
            totals_seconds=seconds,
            locale=locale,
        )
        posters = _signed([c.poster_key for c in shared.cards if c.poster_key])
        return shared, posters, time.monotonic() + seconds

    return _page_cache().get_or_make(("listing", query, country, locale), listing, seconds)


def _price_texts(page: catalogue.CataloguePage) -> dict[tuple[int, str], str]:
    """Each distinct price on the page formatted once (most cards share a few prices)."""
    amounts = {(o.amount, o.currency) for c in page.cards for o in c.availability.options}
    return {(a, cur): format_money(a, cur) for a, cur in amounts}


def _catalogue_response(template: str, studio_id: int | None = None, **context: Any) -> str:
    """A catalogue page, rendered once and shared with holes for what is each viewer's own.

    Anonymous visitors share one rendering per URL, country and language for
    CATALOGUE_CACHE_SECONDS. Signed-in viewers share one per URL, country, language, time zone
    and menu (a studio member's and an admin's menus differ) while the listing it shows lives,
    and on every request read their session and which of the page's films they hold, which go
    in the holes with their CSRF token: the page is the one a full rendering would give
    them. With CATALOGUE_CACHE_SECONDS at 0, or a message to flash, each page is rendered
    whole."""
    ttl = current_app.config.get("CATALOGUE_CACHE_SECONDS", 0)
    if session.get("_flashes") or ttl <= 0:
        return render_template(template, catalogue_html=_grid(studio_id)[0], **context)
    # Which films the viewer holds is read with their login, for the cards this page showed
    # last on this node (almost always the cards it shows now); any others are read after.
    seen_key = (template, request.full_path, viewer_country())
    seen: tuple[int, ...] | None = _seen_ids().get(seen_key)
    asked = catalogue.owned_with_login(seen) if seen else None
    if asked is not None:
        security.read_with_login(*asked)
    signed_in = current_user.is_authenticated
    menu = (True, bool(current_user.is_admin), bool(current_user.memberships)) if signed_in else ()
    # Dates on the cards ("Available from ...") are in the viewer's own time zone.
    zone = str(get_timezone())
    key = ("page", template, request.full_path, viewer_country(), current_locale(), zone, menu)

    def shared() -> tuple[page_holes.HoledPage, float]:
        grid, ids, listing_expires = _grid(studio_id, owned_holes=True)
        html = render_template(
            template,
            catalogue_html=grid,
            csrf_token=lambda: page_holes.hole(page_holes.CSRF),
            csp_nonce=lambda: page_holes.hole(page_holes.NONCE),
            **context,
        )
        mark = str(get_template_attribute("store/_card_marks.html", "in_library")())
        # A signed-in viewer's page lives no longer than the listing it shows.
        expires = listing_expires if signed_in else time.monotonic() + ttl
        return page_holes.HoledPage.split(html, ids, mark), expires

    page, _expires = _page_cache().get_or_make(key, shared, lambda made: made[1] - time.monotonic())
    if seen != page.title_ids:
        _seen_ids().put(seen_key, page.title_ids)
    owned: Collection[int] = set()
    if signed_in:
        read = security.read_with_login_value(asked[0]) if asked is not None else None
        known = None
        if read is not None and seen is not None:
            user_id, value = read
            known = catalogue.OwnedAmong(user_id, frozenset(seen), frozenset(value or ()))
        owned = catalogue.owned_title_ids(current_user.id, page.title_ids, known)
    return page.fill({page_holes.CSRF: generate_csrf, page_holes.NONCE: csp_nonce}, owned)


def _seen_ids() -> ProcessCache:
    """The cards each catalogue URL showed last in a country (a guess, never shown as is)."""
    cache = current_app.extensions.get("catalogue_seen_ids")
    if cache is None:
        cache = current_app.extensions.setdefault("catalogue_seen_ids", ProcessCache(size=512))
    return cache


def _page_cache() -> ProcessCache:
    cache = current_app.extensions.get("page_cache")
    if cache is None:  # not setdefault: that would build a cache on every call
        cache = current_app.extensions.setdefault("page_cache", ProcessCache(size=512))
    return cache


def _facet_choices() -> catalogue.FacetChoices:
    # The menus change only when titles are published: recompute at most once a minute.
    return _page_cache().get_or_make("facet_choices", catalogue.facet_choices, FACET_MENU_SECONDS)


@bp.route("/")
def home() -> ResponseReturnValue:
    return _catalogue_response("store/index.html")


@bp.route("/films")
def catalogue_page() -> ResponseReturnValue:
    return _catalogue_response("store/catalogue.html")


@bp.route("/films/<slug>")
def title(slug: str) -> ResponseReturnValue:
    film = db.session.scalar(db.select(Title).filter_by(slug=slug))
    if film is None or film.status not in SELLABLE_STATUSES:
        abort(404)
    now = utcnow()
    country = viewer_country()
    facets: dict[str, list[str]] = {k.value: [] for k in FacetKind}
    for facet in film.facets:
        facets[facet.kind.value].append(facet.value)
    credits: dict[str, list[str]] = {r.value: [] for r in CreditRole}
    for credit in film.credits:
        credits[credit.role.value].append(credit.name)
    poster = catalogue.poster_keys([film.id], width=POSTER_PAGE_WIDTH).get(film.id)
    watch_refusal = None
    can_watch = False
    if current_user.is_authenticated:
        try:
            playback.check(current_user, film, country, now)
            can_watch = True
        except PlaybackRefused as exc:
            watch_refusal = exc if exc.code != Refusal.NOT_ENTITLED else None
    from .watch import trailer_master_url

    preorder = None if can_watch else preorder_availability(film, country, now)
    availability = preorder or availability_for(film, country, now)
    keep_offer = _keep_offer(film, availability, now) if can_watch else None
    trailer_url = trailer_master_url(film)
    public_page = public_url_for("store.title", slug=film.slug)
    return render_template(
        "store/title.html",
        title=film,
        shown=title_texts.shown_text(film, current_locale()),
        availability=availability,
        keep_offer=keep_offer,
        preorder_at=film.release_at if preorder is not None else None,
        # A code shared in the page's link (a newsletter's): the buttons lead on to its price.
        shared_code=(request.args.get("code") or "").strip()[:60],
        country=country,
        facets=facets,
        credits=credits,
        # By language and kind in the viewer's language, not the studio's free labels.
        subtitles=[
            subtitles_service.spoken_name(t, current_locale())
            for t in library.subtitle_tracks(film.id)
        ],
        audio=[
            audio_service.spoken_name(t, current_locale())
            for t in audio_service.current_tracks(film.id)
        ],
        poster_url=_signed([poster])[poster] if poster else None,
        trailer_url=trailer_url,
        can_watch=can_watch,
        watch_refusal=watch_refusal,
        share=sharing.title_card(film, current_locale()),
        movie_ld=sharing.movie_json_ld(film, now, has_trailer=trailer_url is not None),
        oembed_url=public_url_for("sharing.oembed", url=public_page, format="json"),
    )


def _keep_offer(film: Title, availability: Availability, now: datetime) -> Availability | None:
    """For a viewer who can watch but does not own the film (a rental, a ticket): the buy
    option alone, since checkout sells an upgrade to keep it. None when nothing is offered."""
    buy = availability.option(OfferKind.BUY)
    if buy is None or access_covering(current_user.id, film.id, OfferKind.BUY, now) is not None:
        return None
    return replace(availability, options=(buy,))


@bp.route("/studios/<slug>")
def studio(slug: str) -> ResponseReturnValue:
    found = db.session.scalar(db.select(Studio).filter_by(slug=slug))
    if found is None:
        abort(404)
    published = db.session.scalar(
        db.select(db.func.count())
        .select_from(Title)
        .where(Title.studio_id == found.id, Title.status == TitleStatus.PUBLISHED)
    )
    return _catalogue_response(
        "store/studio.html",
        studio_id=found.id,
        studio=found,
        published=published,
        share=sharing.studio_card(found, current_locale()),
    )


@bp.app_template_filter("long_date")
def long_date(value: datetime | None) -> str:
    return format_date(value, "long") if value else ""


@bp.app_template_filter("duration_words")
def duration_words(seconds: int) -> str:
    """A rounded-down duration in words ("29 days", "5 hours", "12 minutes")."""
    seconds = max(0, int(seconds))
    if seconds >= 2 * 86400:
        return ngettext("%(num)d day", "%(num)d days", seconds // 86400)
    if seconds >= 2 * 3600:
        return ngettext("%(num)d hour", "%(num)d hours", seconds // 3600)
    return ngettext("%(num)d minute", "%(num)d minutes", seconds // 60)


@bp.app_template_filter("clock")
def clock(seconds: int) -> str:
    """Seconds as H:MM:SS (or M:SS under an hour)."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@bp.route("/healthz")
def healthz() -> ResponseReturnValue:
    db.session.execute(db.text("SELECT 1"))
    return {"status": "ok"}
