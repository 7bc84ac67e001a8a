"""What a title or studio shows to other sites: OpenGraph/Twitter fields, schema.org
``Movie`` JSON-LD, the sitemap's entries, and oEmbed answers.

Links are absolute under PUBLIC_URL (never the request's host). Prices in the JSON-LD are
those of STORE_DEFAULT_COUNTRY, the country a search engine's crawler is taken to be in,
as the one availability rule answers for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ...extensions import db
from ...models import (
    CreditRole,
    FacetKind,
    Festival,
    FestivalArtwork,
    ImageKind,
    ImageStatus,
    Studio,
    Title,
    TitleImage,
    TitleStatus,
)
from ...money import to_major_string
from ...public_urls import public_url_for
from ..media.images import pick_size
from .availability import availability_for
from .title_texts import shown_text

SHARE_IMAGE_WIDTH = 960
SUMMARY_CHARS = 300
EMBED_WIDTH, EMBED_HEIGHT = 640, 400


@dataclass(frozen=True)
class ShareCard:
    """The fields of OpenGraph and Twitter card tags for one page."""

    kind: str  # og:type
    title: str
    description: str
    url: str  # canonical
    image: str | None
    alternates: dict[str, str]  # UI language -> this page in it (hreflang)


def summary(text: str, limit: int = SUMMARY_CHARS) -> str:
    """The first paragraph, cut at a word under ``limit`` characters."""
    first = " ".join((text or "").strip().split("\n\n")[0].split())
    if len(first) <= limit:
        return first
    return first[: limit - 1].rsplit(" ", 1)[0] + "…"


def poster_url(title_id: int) -> str | None:
    """A stable public address of the title's first poster (redirects to the stored file)."""
    row = db.session.execute(
        sa.select(TitleImage.id, TitleImage.keys)
        .where(
            TitleImage.title_id == title_id,
            TitleImage.kind == ImageKind.POSTER,
            TitleImage.status == ImageStatus.READY,
        )
        .order_by(TitleImage.position, TitleImage.id)
        .limit(1)
    ).first()
    if row is None:
        return None
    name = pick_size(row.keys or {}, SHARE_IMAGE_WIDTH)
    return public_url_for("media_files.image", image_id=row.id, name=name) if name else None


def language_urls(endpoint: str, **values: Any) -> dict[str, str]:
    """The page in every UI language: ``?lang=`` picks the language (see i18n)."""
    return {
        code: public_url_for(endpoint, lang=code, **values)
        for code in current_app.config["LANGUAGES"]
    }


def title_card(title: Title, locale: str) -> ShareCard:
    """The card of the title page in ``locale``: its texts as that page shows them."""
    alternates = language_urls("store.title", slug=title.slug)
    shown = shown_text(title, locale)
    return ShareCard(
        kind="video.movie",
        title=shown.name,
        description=summary(shown.synopsis),
        url=alternates.get(locale) or public_url_for("store.title", slug=title.slug),
        image=poster_url(title.id),
        alternates=alternates,
    )


def studio_card(studio: Studio, locale: str) -> ShareCard:
    alternates = language_urls("store.studio", slug=studio.slug)
    return ShareCard(
        kind="profile",
        title=studio.name,
        description=summary(studio.bio),
        url=alternates.get(locale) or public_url_for("store.studio", slug=studio.slug),
        image=None,
        alternates=alternates,
    )


def festival_card(festival: Festival, artwork: FestivalArtwork | None, locale: str) -> ShareCard:
    """The card of a published festival's page, with its artwork when it has one."""
    alternates = language_urls("festivals.page", festival=festival.slug)
    name = pick_size(artwork.keys or {}, SHARE_IMAGE_WIDTH) if artwork is not None else None
    image = (
        public_url_for("media_files.festival_artwork", artwork_id=artwork.id, name=name)
        if artwork is not None and name
        else None
    )
    return ShareCard(
        kind="website",
        title=festival.name,
        description=summary(festival.description),
        url=alternates.get(locale) or public_url_for("festivals.page", festival=festival.slug),
        image=image,
        alternates=alternates,
    )


def _iso_duration(seconds: int) -> str:
    """ISO 8601, as schema.org expects: PT1H47M, PT12M34S, PT45S (seconds kept when any)."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    text = "PT" + (f"{hours}H" if hours else "")
    if hours or minutes:
        text += f"{minutes}M"
    return text + (f"{secs}S" if secs else "")


def movie_json_ld(title: Title, at: datetime, has_trailer: bool) -> dict[str, Any]:
    """schema.org ``Movie`` for a title page, with offers for the store's default country."""
    card = title_card(title, current_app.config["BABEL_DEFAULT_LOCALE"])
    url = public_url_for("store.title", slug=title.slug)
    description = summary(title.synopsis)  # the film's own texts, like its name
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Movie",
        "name": title.name,
        "url": url,
        "description": description,
        "productionCompany": {
            "@type": "Organization",
            "name": title.studio.name,
            "url": public_url_for("store.studio", slug=title.studio.slug),
        },
    }
    if title.original_name and title.original_name != title.name:
        data["alternateName"] = title.original_name
    if card.image:
        data["image"] = card.image
    directors = [c.name for c in title.credits if c.role == CreditRole.DIRECTOR]
    if directors:
        data["director"] = [{"@type": "Person", "name": n} for n in directors]
    actors = [c.name for c in title.credits if c.role == CreditRole.CAST]
    if actors:
        data["actor"] = [{"@type": "Person", "name": n} for n in actors]
    genres = sorted(f.value for f in title.facets if f.kind == FacetKind.GENRE)
    if genres:
        data["genre"] = genres
    if title.year:
        data["dateCreated"] = str(title.year)
    if title.runtime_seconds:
        data["duration"] = _iso_duration(title.runtime_seconds)
    if has_trailer:
        data["trailer"] = {
            "@type": "VideoObject",
            "name": title.name,
            "description": description or title.name,
            "embedUrl": public_url_for("sharing.embed", slug=title.slug),
            "thumbnailUrl": card.image or public_url_for("store.title", slug=title.slug),
            "uploadDate": (title.published_at or title.created_at).date().isoformat(),
        }
    country = current_app.config["STORE_DEFAULT_COUNTRY"]
    availability = availability_for(title, country, at)
    offers = [
        {
            "@type": "Offer",
            "name": option.kind.value,
            "price": to_major_string(option.amount, option.currency),
            "priceCurrency": option.currency,
            "availability": "https://schema.org/InStock",
            "eligibleRegion": {"@type": "Country", "name": country},
            "url": url,
        }
        for option in availability.options
    ]
    if offers:
        data["offers"] = offers
    return data


def sitemap_titles() -> list[tuple[str, datetime]]:
    """(slug, last change) of every published title, oldest first."""
    rows = db.session.execute(
        sa.select(Title.slug, Title.updated_at)
        .where(Title.status == TitleStatus.PUBLISHED)
        .order_by(Title.published_at, Title.id)
    ).all()
    return [(slug, updated) for slug, updated in rows]


def sitemap_studios() -> list[tuple[str, datetime]]:
    """(slug, last change) of every studio with a published title."""
    published = sa.select(Title.studio_id).where(Title.status == TitleStatus.PUBLISHED)
    rows = db.session.execute(
        sa.select(Studio.slug, Studio.updated_at)
        .where(Studio.id.in_(published))
        .order_by(Studio.id)
    ).all()
    return [(slug, updated) for slug, updated in rows]


def oembed(title: Title, max_width: int | None, max_height: int | None) -> dict[str, Any]:
    """The oEmbed 1.0 ``video`` answer for a title: an iframe of its embed page (a bound
    below one pixel is no bound; the frame keeps at least a pixel each way)."""
    width, height = EMBED_WIDTH, EMBED_HEIGHT
    if max_width and 0 < max_width < width:
        width, height = max_width, max(1, max_width * EMBED_HEIGHT // EMBED_WIDTH)
    if max_height and 0 < max_height < height:
        width, height = max(1, max_height * EMBED_WIDTH // EMBED_HEIGHT), max_height
    src = public_url_for("sharing.embed", slug=title.slug)
    answer: dict[str, Any] = {
        "version": "1.0",
        "type": "video",
        "provider_name": current_app.config["SITE_NAME"],
        "provider_url": public_url_for("store.home"),
        "title": title.name,
        "author_name": title.studio.name,
        "author_url": public_url_for("store.studio", slug=title.studio.slug),
        "width": width,
        "height": height,
        "html": embed_snippet(src, title.name, width, height),
    }
    image = poster_url(title.id)
    if image:
        answer["thumbnail_url"] = image
    return answer


def embed_snippet(src: str, name: str, width: int = EMBED_WIDTH, height: int = EMBED_HEIGHT) -> str:
    """The one snippet a studio pastes into its own site."""
    from markupsafe import escape

    return (
        f'<iframe src="{escape(src)}" width="{width}" height="{height}" '
        f'title="{escape(name)}" loading="lazy" '
        'allow="fullscreen; picture-in-picture" style="border:0;max-width:100%"></iframe>'
    )
