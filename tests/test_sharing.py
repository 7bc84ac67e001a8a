"""Sharing a title or studio: OpenGraph, Twitter card, canonical and JSON-LD parsed out of
the page, the sitemap with its hreflang alternates, robots.txt, and the embeddable widget
with its oEmbed endpoint."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from storefront.extensions import db
from storefront.models import (
    CreditRole,
    FacetKind,
    ImageKind,
    TitleCredit,
    TitleFacet,
    TitleImage,
    TitleStatus,
)

PUBLIC = "https://films.example"
SYNOPSIS = "A night train crosses the border.\n\nSecond paragraph, not in the summary."
RENT_EUR_OR_USD = {
    "kind": "rent",
    "amount": 499,
    "currency": "EUR",
    "territories": [{"country": "US", "amount": 599, "currency": "USD"}],
}

OTHER_LANGUAGES = ("fr", "es", "de", "nb", "ja", "ar")


@pytest.fixture
def settings(settings: dict) -> dict:
    settings.update(PUBLIC_URL=PUBLIC, STORE_DEFAULT_COUNTRY="US")
    return settings


class Head(HTMLParser):
    """The <meta>, <link> and JSON-LD blocks of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: list[dict[str, str]] = []
        self.json_ld: list[dict] = []
        self._in_ld = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "meta" and ("property" in values or "name" in values):
            self.meta[values.get("property") or values["name"]] = values.get("content", "")
        elif tag == "link":
            self.links.append(values)
        elif tag == "script" and values.get("type") == "application/ld+json":
            self._in_ld = True

    def handle_endtag(self, tag: str) -> None:
        self._in_ld = False if tag == "script" else self._in_ld

    def handle_data(self, data: str) -> None:
        if self._in_ld:
            self.json_ld.append(json.loads(data))

    def link(self, rel: str, **match: str) -> list[dict[str, str]]:
        return [
            x
            for x in self.links
            if x.get("rel") == rel and all(x.get(k) == v for k, v in match.items())
        ]


def parse(html: str) -> Head:
    head = Head()
    head.feed(html)
    return head


@pytest.fixture
def film(make_title, studio):
    film = make_title(
        "Night Train",
        studio=studio,
        offers=[RENT_EUR_OR_USD, {"kind": "buy", "amount": 1299, "currency": "EUR"}],
        synopsis=SYNOPSIS,
        year=2024,
        runtime_seconds=5400 + 17 * 60,
    )
    db.session.add_all(
        [
            TitleCredit(title_id=film.id, role=CreditRole.DIRECTOR, name="Ingrid Solberg"),
            TitleCredit(title_id=film.id, role=CreditRole.CAST, name="Åse Berg"),
            TitleFacet(title_id=film.id, kind=FacetKind.GENRE, value="drama"),
            TitleImage(
                title_id=film.id,
                kind=ImageKind.POSTER,
                keys={"w480.jpg": "k/480.jpg", "w960.jpg": "k/960.jpg"},
                width=960,
                height=1440,
            ),
        ]
    )
    db.session.commit()
    return film


def test_a_title_page_carries_opengraph_twitter_and_canonical_under_public_url(client, film):
    page = client.get(
        f"/films/{film.slug}", headers={"Host": "evil.example", "X-Test-Country": "NO"}
    )
    head = parse(page.text)

    url = f"{PUBLIC}/films/{film.slug}?lang=en"
    assert head.meta["og:title"] == head.meta["twitter:title"] == "Night Train"
    assert head.meta["og:description"] == "A night train crosses the border."
    assert head.meta["og:type"] == "video.movie"
    assert head.meta["og:url"] == url
    image = head.meta["og:image"]
    assert image.startswith(f"{PUBLIC}/media/images/") and image.endswith("/w960.jpg")
    assert head.meta["twitter:card"] == "summary_large_image"
    assert [x["href"] for x in head.link("canonical")] == [url]
    hreflang = {x["hreflang"]: x["href"] for x in head.link("alternate") if "hreflang" in x}
    # The store speaks seven languages; English is the page itself.
    others = {lang: f"{PUBLIC}/films/{film.slug}?lang={lang}" for lang in OTHER_LANGUAGES}
    assert hreflang == {"en": url, **others, "x-default": url}
    assert "evil.example" not in page.text


def test_the_json_ld_describes_the_movie_with_offers_of_the_default_country(client, film):
    # The visitor is in Norway; a crawler is taken to be in the store's default country.
    head = parse(client.get(f"/films/{film.slug}", headers={"X-Test-Country": "NO"}).text)

    (movie,) = head.json_ld
    assert movie["@context"] == "https://schema.org" and movie["@type"] == "Movie"
    assert movie["name"] == "Night Train"
    assert movie["director"] == [{"@type": "Person", "name": "Ingrid Solberg"}]
    assert movie["actor"] == [{"@type": "Person", "name": "Åse Berg"}]
    assert movie["genre"] == ["drama"]
    assert movie["dateCreated"] == "2024"
    assert movie["duration"] == "PT1H47M"
    assert movie["url"] == f"{PUBLIC}/films/{film.slug}"
    offers = {(o["name"], o["price"], o["priceCurrency"]) for o in movie["offers"]}
    assert offers == {("rent", "5.99", "USD"), ("buy", "12.99", "EUR")}
    assert "trailer" not in movie  # no trailer uploaded


def test_a_studio_page_carries_its_card(client, film, studio):
    studio.bio = "Films from the far north."
    db.session.commit()

    head = parse(client.get(f"/studios/{studio.slug}").text)

    assert head.meta["og:title"] == studio.name
    assert head.meta["og:description"] == "Films from the far north."
    assert head.link("canonical")[0]["href"] == f"{PUBLIC}/studios/{studio.slug}?lang=en"


def test_a_lang_link_shows_the_page_in_that_language(client, film):
    page = client.get(f"/films/{film.slug}?lang=fr", headers={"Accept-Language": "en"})

    assert 'lang="fr"' in page.text and "Synopsis" in page.text
    assert parse(page.text).link("canonical")[0]["href"].endswith("?lang=fr")


SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def test_the_sitemap_lists_every_published_title_in_every_language(client, film, make_title):
    draft = make_title("Rough Cut", status=TitleStatus.DRAFT)
    unlisted = make_title("Private Screening", status=TitleStatus.UNLISTED)

    response = client.get("/sitemap.xml")

    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.data)  # noqa: S314 - our own response
    entries = {
        url.find(f"{SITEMAP}loc").text: {
            link.get("hreflang"): link.get("href") for link in url.findall(f"{XHTML}link")
        }
        for url in root.findall(f"{SITEMAP}url")
    }
    every = {lang: f"{PUBLIC}/films/{film.slug}?lang={lang}" for lang in ("en", *OTHER_LANGUAGES)}
    for loc in every.values():
        assert entries[loc] == {**every, "x-default": every["en"]}
    assert f"{PUBLIC}/studios/{film.studio.slug}?lang=fr" in entries
    assert not any(draft.slug in loc or unlisted.slug in loc for loc in entries)


def test_robots_keeps_private_pages_out_and_names_the_sitemap(client):
    text = client.get("/robots.txt").text
    for prefix in ("/studio/", "/account/", "/watch/", "/admin/"):
        assert f"Disallow: {prefix}\n" in text
    assert "Disallow: /films" not in text and "Disallow: /studios/" not in text
    assert f"Sitemap: {PUBLIC}/sitemap.xml" in text


def test_only_the_embed_may_be_framed_by_other_sites(app, client, film):
    app.config["EMBED_FRAME_ANCESTORS"] = "https://filmmaker.example"

    embed = client.get(f"/embed/{film.slug}")
    page = client.get(f"/films/{film.slug}")

    assert embed.status_code == 200
    assert "X-Frame-Options" not in embed.headers
    assert "frame-ancestors https://filmmaker.example" in embed.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_the_embed_shows_the_visitors_price_and_opens_the_store_in_a_new_tab(client, film):
    us = client.get(f"/embed/{film.slug}", headers={"X-Test-Country": "US"}).text
    fr = client.get(f"/embed/{film.slug}", headers={"X-Test-Country": "FR"}).text

    assert "$5.99" in us and "€4.99" not in us
    assert "€4.99" in fr and "€12.99" in fr
    assert f'href="{PUBLIC}/films/{film.slug}" target="_blank" rel="noopener"' in fr


def test_oembed_answers_for_a_title_url_with_the_iframe_snippet(client, film):
    answer = client.get("/oembed", query_string={"url": f"{PUBLIC}/films/{film.slug}"}).json

    assert answer["version"] == "1.0" and answer["type"] == "video"
    assert answer["title"] == "Night Train"
    assert answer["author_name"] == film.studio.name
    assert f'src="{PUBLIC}/embed/{film.slug}"' in answer["html"]
    assert (answer["width"], answer["height"]) == (640, 400)
    assert answer["thumbnail_url"].startswith(f"{PUBLIC}/media/images/")

    small = client.get(
        "/oembed", query_string={"url": f"{PUBLIC}/embed/{film.slug}", "maxwidth": 320}
    ).json
    assert (small["width"], small["height"]) == (320, 200)


@pytest.mark.parametrize(
    "url",
    [
        "https://elsewhere.example/films/night-train",
        f"{PUBLIC}/studios/fjord-pictures",
        f"{PUBLIC}/films/no-such-film",
    ],
)
def test_oembed_refuses_urls_that_are_not_titles_of_this_store(client, film, url):
    assert client.get("/oembed", query_string={"url": url}).status_code == 404


def test_oembed_serves_json_only(client, film):
    response = client.get(
        "/oembed", query_string={"url": f"{PUBLIC}/films/{film.slug}", "format": "xml"}
    )
    assert response.status_code == 501


def test_the_title_page_points_crawlers_to_its_oembed(client, film):
    head = parse(client.get(f"/films/{film.slug}").text)
    (link,) = head.link("alternate", type="application/json+oembed")
    assert link["href"].startswith(f"{PUBLIC}/oembed?")


def test_a_shared_french_page_shows_the_films_french_title_and_synopsis(client, film):
    from storefront.services.catalog import title_texts

    title_texts.save_text(film, "fr", "Train de nuit", synopsis="Un train traverse la nuit.")
    db.session.commit()

    head = parse(client.get(f"/films/{film.slug}?lang=fr").text)

    assert head.meta["og:title"] == head.meta["twitter:title"] == "Train de nuit"
    assert head.meta["og:description"] == "Un train traverse la nuit."
    assert head.meta["og:url"].endswith("?lang=fr")
    # The English page keeps the film's own texts.
    english = parse(client.get(f"/films/{film.slug}?lang=en").text)
    assert english.meta["og:title"] == "Night Train"


def test_the_json_ld_names_and_describes_the_film_in_its_own_texts(client, film):
    from storefront.services.catalog import title_texts

    film.text_language = "nb"
    title_texts.save_text(film, "en", "The Night Train", synopsis="An English synopsis.")
    db.session.commit()

    (movie,) = parse(client.get(f"/films/{film.slug}?lang=fr").text).json_ld

    assert movie["name"] == "Night Train"
    assert movie["description"] == "A night train crosses the border."


def test_an_unlisted_title_is_reachable_but_kept_out_of_search_results(client, make_title):
    unlisted = make_title("Private Screening", status=TitleStatus.UNLISTED)
    published = make_title("Open Screening")

    hidden = parse(client.get(f"/films/{unlisted.slug}").text)
    shown = parse(client.get(f"/films/{published.slug}").text)

    assert hidden.meta.get("robots") == "noindex"
    assert "robots" not in shown.meta


def test_robots_also_keeps_the_library_orders_and_screener_links_out(client):
    text = client.get("/robots.txt").text
    for prefix in ("/library", "/orders/", "/screeners/"):
        assert f"Disallow: {prefix}\n" in text


@pytest.mark.parametrize(
    ("maxwidth", "maxheight"), [("-320", None), ("1", None), (None, "-5"), ("0", "0")]
)
def test_oembed_never_answers_a_frame_without_size(client, film, maxwidth, maxheight):
    query = {"url": f"{PUBLIC}/films/{film.slug}", "maxwidth": maxwidth, "maxheight": maxheight}
    answer = client.get("/oembed", query_string={k: v for k, v in query.items() if v}).json

    assert answer["width"] > 0 and answer["height"] > 0
    assert 'width="-' not in answer["html"] and 'height="0"' not in answer["html"]


@pytest.mark.parametrize(
    ("seconds", "duration"), [(45, "PT45S"), (3600 + 30, "PT1H0M30S"), (754, "PT12M34S")]
)
def test_a_short_films_json_ld_duration_keeps_its_seconds(client, film, seconds, duration):
    film.runtime_seconds = seconds
    db.session.commit()

    (movie,) = parse(client.get(f"/films/{film.slug}").text).json_ld

    assert movie["duration"] == duration  # ISO 8601; a 45-second film is not "PT0M"


def test_the_embed_is_kept_out_of_search_results_and_the_sitemap(client, film):
    """The widget repeats the title page: search engines must index that page, not copies
    of it on /embed/ (and may only read the noindex if robots.txt lets them fetch it)."""
    embed = client.get(f"/embed/{film.slug}")

    assert "noindex" in embed.headers.get("X-Robots-Tag", "")
    assert "noindex" in parse(embed.text).meta.get("robots", "")
    assert "/embed/" not in client.get("/sitemap.xml").text
    assert "Disallow: /embed" not in client.get("/robots.txt").text
    assert "X-Robots-Tag" not in client.get(f"/films/{film.slug}").headers


@pytest.mark.parametrize(
    ("status", "offered"),
    [(TitleStatus.DRAFT, False), (TitleStatus.PUBLISHED, True), (TitleStatus.UNLISTED, True)],
)
def test_the_embed_snippet_is_offered_once_the_embed_answers(
    filmmaker_client, studio, make_title, status, offered
):
    """A draft's details page offered a snippet whose frame shows "Page not found"."""
    film = make_title("Tide Lines", studio=studio, status=status)
    details = filmmaker_client.get(f"/studio/{studio.slug}/titles/{film.id}/").text
    assert (f'src="{PUBLIC}/embed/{film.slug}"' in details.replace("&#34;", '"')) is offered
    assert (filmmaker_client.get(f"/embed/{film.slug}").status_code == 200) is offered
    said = "A snippet to embed the trailer on your own site appears here once the film is on sale."
    assert (said in details) is not offered
