"""What the store shows other sites: robots.txt, sitemap.xml, the embeddable trailer widget
and its oEmbed endpoint. Only the embed view may be framed by other sites."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from ..extensions import db
from ..i18n import format_money
from ..models import Title, TitleStatus, utcnow
from ..public_urls import public_url_for
from ..services.catalog import sharing
from ..services.catalog.availability import SELLABLE_STATUSES, availability_for
from ..services.promotion.festivals import published_festivals
from .headers import allow_framing
from .viewer import viewer_country

bp = Blueprint("sharing", __name__)
EMBED_ROBOTS = "noindex, indexifembedded"

# Pages only their owner or a buyer uses: crawlers are kept out (they are behind a login
# anyway; this keeps them out of search results and crawl budgets). Screener links are
# personal and carry their token in the path.
PRIVATE_PREFIXES = (
    "/studio/",
    "/account/",
    "/watch/",
    "/library",
    "/admin/",
    "/buy/",
    "/checkout/",
    "/orders/",
    "/screeners/",
)


@bp.get("/robots.txt")
def robots() -> ResponseReturnValue:
    lines = ["User-agent: *"]
    lines += [f"Disallow: {prefix}" for prefix in PRIVATE_PREFIXES]
    lines += ["Allow: /", "", f"Sitemap: {public_url_for('sharing.sitemap')}", ""]
    response = Response("\n".join(lines), mimetype="text/plain")
    response.cache_control.max_age = 3600
    response.cache_control.public = True
    return response


@bp.get("/sitemap.xml")
def sitemap() -> ResponseReturnValue:
    """Every published title, studio and festival, once per UI language, with hreflang
    alternates."""
    pages = [(sharing.language_urls("store.home"), None)]
    pages += [
        (sharing.language_urls("store.title", slug=slug), changed)
        for slug, changed in sharing.sitemap_titles()
    ]
    pages += [
        (sharing.language_urls("store.studio", slug=slug), changed)
        for slug, changed in sharing.sitemap_studios()
    ]
    pages += [
        (sharing.language_urls("festivals.page", festival=found.slug), found.updated_at)
        for found in published_festivals()
    ]
    xml = render_template(
        "sharing/sitemap.xml", pages=pages, default=current_app.config["BABEL_DEFAULT_LOCALE"]
    )
    response = Response(xml, mimetype="application/xml")
    response.cache_control.max_age = 3600
    response.cache_control.public = True
    return response


def _embeddable(slug: str) -> Title:
    film = db.session.scalar(db.select(Title).filter_by(slug=slug))
    if film is None or film.status not in SELLABLE_STATUSES:
        abort(404)
    return film


@bp.get("/embed/<slug>")
@allow_framing
def embed(slug: str) -> ResponseReturnValue:
    """The widget other sites frame: trailer, poster, and a button that opens the store."""
    from .watch import trailer_master_url

    film = _embeddable(slug)
    country = viewer_country()
    availability = availability_for(film, country, utcnow())
    prices = [(o.kind.value, format_money(o.amount, o.currency)) for o in availability.options]
    response = Response(
        render_template(
            "sharing/embed.html",
            title=film,
            poster_url=sharing.poster_url(film.id),
            trailer_url=trailer_master_url(film),
            prices=prices,
            store_url=public_url_for("store.title", slug=film.slug),
            robots=EMBED_ROBOTS,
        )
    )
    # A thin copy of the title page: search engines index the title page, not this (the
    # header also covers crawlers that skip the markup). Robots.txt must not block it, or
    # crawlers never read the header; inside another site's page it may count for that page.
    response.headers["X-Robots-Tag"] = EMBED_ROBOTS
    return response


@bp.get("/oembed")
def oembed() -> ResponseReturnValue:
    """oEmbed 1.0 (JSON) for a title page's or an embed's URL on this store."""
    if request.args.get("format", "json") != "json":
        return Response("only format=json is served", 501, mimetype="text/plain")
    url = request.args.get("url", "")
    if not url:
        return Response("url is required", 400, mimetype="text/plain")
    slug = _slug_of(url)
    if slug is None:
        abort(404)
    film = db.session.scalar(db.select(Title).filter_by(slug=slug))
    if film is None or film.status != TitleStatus.PUBLISHED:
        abort(404)
    answer = sharing.oembed(
        film,
        request.args.get("maxwidth", type=int),
        request.args.get("maxheight", type=int),
    )
    return jsonify(answer)


def _slug_of(url: str) -> str | None:
    """The title slug of a URL of this store (a title page or an embed), else None."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    parts = urlsplit(url)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        return None
    path = parts.path
    prefix = base.path.rstrip("/")
    if prefix:
        if not path.startswith(prefix + "/"):
            return None
        path = path[len(prefix) :]
    adapter = current_app.url_map.bind(base.netloc)
    try:
        endpoint, values = adapter.match(path, method="GET")
    except HTTPException:
        return None
    if endpoint in ("store.title", "sharing.embed"):
        return str(values["slug"])
    return None
