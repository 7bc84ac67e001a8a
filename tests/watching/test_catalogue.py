"""The catalogue: search, filters, sort, pages, and each card's price or reason, in a fixed
number of queries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from storefront.extensions import db
from storefront.models import (
    CreditRole,
    FacetKind,
    ImageKind,
    OfferKind,
    SubtitleTrack,
    TitleCredit,
    TitleFacet,
    TitleImage,
    TitleStatus,
    utcnow,
)

from .conftest import WORLDWIDE, grant


def names(response) -> list[str]:
    return re.findall(r'<span class="card-title">([^<]+)</span>', response.get_data(as_text=True))


@pytest.fixture
def shelf(make_title):
    """Four published films with facets and credits, one unlisted, one draft."""
    old = utcnow() - timedelta(days=10)
    a = make_title("Ávila Nights", offers=WORLDWIDE, synopsis="A quiet town.")
    a.facets = [
        TitleFacet(kind=FacetKind.GENRE, value="drama"),
        TitleFacet(kind=FacetKind.LANGUAGE, value="es"),
        TitleFacet(kind=FacetKind.COUNTRY, value="ES"),
    ]
    a.credits = [TitleCredit(role=CreditRole.DIRECTOR, name="Élodie Marchand")]
    b = make_title("Bergen Blues", offers=WORLDWIDE, original_name="Bergensblues")
    b.facets = [
        TitleFacet(kind=FacetKind.GENRE, value="documentary"),
        TitleFacet(kind=FacetKind.LANGUAGE, value="no"),
        TitleFacet(kind=FacetKind.COUNTRY, value="NO"),
        TitleFacet(kind=FacetKind.COUNTRY, value="SE"),
    ]
    b.credits = [TitleCredit(role=CreditRole.CAST, name="Kari Nordmann")]
    c = make_title("Coastline", offers=[], synopsis="Fishermen and the NORTHERN sea.")
    c.facets = [TitleFacet(kind=FacetKind.GENRE, value="drama")]
    d = make_title(
        "Dunes",
        offers=[
            {
                "kind": OfferKind.RENT,
                "amount": 39900,
                "currency": "NOK",
                "territory_mode": "allow",
                "territories": [{"country": "NO"}],
            },
            {  # sold outright in Sweden only: in Norway it is "only for rent"
                "kind": OfferKind.BUY,
                "amount": 99900,
                "currency": "SEK",
                "territory_mode": "allow",
                "territories": [{"country": "SE"}],
            },
        ],
    )
    db.session.add(SubtitleTrack(title_id=d.id, language="en", label="English", storage_key="k"))
    for i, title in enumerate([a, b, c, d]):
        title.published_at = old + timedelta(days=i)  # Dunes newest, Ávila oldest
    make_title("Secret Cut", status=TitleStatus.UNLISTED, offers=WORLDWIDE)
    make_title("Work In Progress", status=TitleStatus.DRAFT, offers=WORLDWIDE)
    db.session.commit()
    return a, b, c, d


def test_lists_published_titles_newest_first_and_a_to_z(client, shelf):
    assert names(client.get("/films")) == ["Dunes", "Coastline", "Bergen Blues", "Ávila Nights"]
    a_to_z = names(client.get("/films?sort=az"))
    # Where "Ávila" sorts depends on the database's collation; the rest is plain A-Z.
    assert [n for n in a_to_z if n != "Ávila Nights"] == ["Bergen Blues", "Coastline", "Dunes"]
    assert "Secret Cut" not in client.get("/films").get_data(as_text=True)
    assert "Work In Progress" not in client.get("/films").get_data(as_text=True)
    assert client.get("/films/secret-cut").status_code == 200  # unlisted: by URL only
    assert client.get("/films/work-in-progress").status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=bergen", ["Bergen Blues"]),
        ("q=BERGENSBLUES", ["Bergen Blues"]),  # original title
        ("q=élodie", ["Ávila Nights"]),  # director, non-ASCII case-insensitive
        ("q=ÉLODIE", ["Ávila Nights"]),
        ("q=nordmann", ["Bergen Blues"]),  # cast
        ("q=northern", ["Coastline"]),  # synopsis
        ("q=100%25", []),  # LIKE wildcards are literal
        ("genre=drama", ["Coastline", "Ávila Nights"]),
        ("language=no", ["Bergen Blues"]),
        ("country=SE", ["Bergen Blues"]),
        ("subtitle=en", ["Dunes"]),
        ("genre=drama&q=avila", ["Ávila Nights"]),  # accents are optional
        ("genre=documentary&q=avila", []),
        ("genre=unknown-genre", []),
    ],
)
def test_search_and_filters(client, shelf, query, expected):
    assert names(client.get(f"/films?{query}")) == expected


def test_available_to_me_depends_on_the_viewers_country(client, shelf):
    norway = names(client.get("/films?available=1", headers={"X-Test-Country": "NO"}))
    assert norway == ["Dunes", "Bergen Blues", "Ávila Nights"]
    france = names(client.get("/films?available=1", headers={"X-Test-Country": "FR"}))
    assert france == ["Bergen Blues", "Ávila Nights"]


def test_each_card_shows_price_in_local_currency_or_why_not(client, shelf):
    html = client.get("/films", headers={"X-Test-Country": "FR"}).get_data(as_text=True)
    dunes = html[html.index("Dunes") : html.index("Coastline")]
    assert "Not available in France" in dunes
    coastline = html[html.index("Coastline") : html.index("Bergen Blues")]
    assert "Not for sale at the moment." in coastline
    bergen = html[html.index("Bergen Blues") :]
    assert "€4.99" in bergen and "€14.99" in bergen
    norway = client.get("/films", headers={"X-Test-Country": "NO"}).get_data(as_text=True)
    assert "NOK" in norway[norway.index("Dunes") : norway.index("Coastline")]
    title_page = client.get("/films/dunes", headers={"X-Test-Country": "NO"})
    assert "Only for rent in Norway." in title_page.get_data(as_text=True)


def test_bad_query_values_fall_back_to_defaults(client, shelf):
    for query in ("page=abc", "page=-4", "sort=drop+table", "available=maybe", "q=" + "x" * 500):
        response = client.get(f"/films?{query}")
        assert response.status_code == 200


def test_pages_of_48(client, make_title):
    for i in range(50):
        make_title(f"Film {i:02d}", offers=WORLDWIDE)
    first = client.get("/films?sort=az")
    assert len(names(first)) == 48
    assert "Page 1 of 2" in first.get_data(as_text=True)
    second = client.get("/films?sort=az&page=2")
    assert names(second) == ["Film 48", "Film 49"]
    assert 'rel="prev"' in second.get_data(as_text=True)
    available = client.get("/films?sort=az&available=1&page=2")
    assert names(available) == ["Film 48", "Film 49"]


@pytest.mark.parametrize(
    ("url", "first"), [("/films?page=9999", "?"), ("/films?available=1&page=9999", "?available=1")]
)
def test_a_page_past_the_last_says_so_and_leads_back(client, make_title, url, first):
    """It said "4 films", "No films match these filters" and "Page 9999 of 1", with a
    "Previous" link to the just as empty page 9998."""
    for i in range(4):
        make_title(f"Film {i}", offers=WORLDWIDE)
    page = client.get(url).get_data(as_text=True)
    assert "No films match these filters." not in page
    assert "Page 9999" not in page and 'rel="prev"' not in page
    assert "This page is past the end of the list." in page
    assert f'href="{first}"' in page  # the first page, with the same filters


def _statements(client, url: str, **kwargs) -> int:
    client.application.extensions.pop("page_cache", None)  # count a cold page
    count = 0

    def counter(*args: object) -> None:
        nonlocal count
        count += 1

    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        assert client.get(url, **kwargs).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    return count


@pytest.mark.parametrize("url", ["/films", "/films?available=1&sort=az", "/"])
def test_a_page_costs_a_fixed_number_of_queries(viewer_client, make_title, url):
    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            title = make_title(
                f"Title {i}",
                offers=[
                    *WORLDWIDE[:1],
                    {
                        "kind": OfferKind.BUY,
                        "amount": 900,
                        "currency": "EUR",
                        "territories": [{"country": "IT", "blocked": True}],
                    },
                ],
            )
            db.session.add(
                TitleImage(
                    title_id=title.id, kind=ImageKind.POSTER, keys={"w342": "p"}, width=1, height=1
                )
            )
        db.session.commit()

    add(2, 0)
    small = _statements(viewer_client, url, headers={"X-Test-Country": "FR"})
    add(40, 2)
    large = _statements(viewer_client, url, headers={"X-Test-Country": "FR"})
    assert small == large
    assert large <= 10


def test_studio_page_lists_its_published_titles(client, shelf, make_studio, make_title):
    other = make_studio(name="Elsewhere Films", country="FR")
    make_title("Not Theirs", studio=other, offers=WORLDWIDE)
    studio = shelf[0].studio
    page = client.get(f"/studios/{studio.slug}")
    assert page.status_code == 200
    assert set(names(page)) == {"Ávila Nights", "Bergen Blues", "Coastline", "Dunes"}
    assert "Not Theirs" in client.get(f"/studios/{other.slug}").get_data(as_text=True)
    assert client.get("/studios/nope").status_code == 404


def test_anonymous_pages_are_shared_but_each_visitor_keeps_their_own_csrf_token(
    app, make_title, client
):
    app.config["WTF_CSRF_ENABLED"] = True
    make_title("Shared Page", offers=WORLDWIDE)
    first = client.get("/films").get_data(as_text=True)
    other = app.test_client()
    assert _count_warm(other, "/films") == 0  # served from the shared rendering
    second = other.get("/films").get_data(as_text=True)
    token = re.compile(r'name="csrf_token" value="([^"]+)"')
    assert token.search(first).group(1) != token.search(second).group(1)
    assert "\x00" not in second
    # The shared page's language form works for the visitor who received it.
    response = other.post(
        "/account/language", data={"csrf_token": token.search(second).group(1), "locale": "fr"}
    )
    assert response.status_code in (302, 303)
    assert "Shared Page" in other.get("/films").get_data(as_text=True)


def _count_warm(client, url: str) -> int:
    count = 0

    def counter(*args: object) -> None:
        nonlocal count
        count += 1

    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    return count


def test_a_film_bought_again_is_read_once_for_the_library_mark(
    app, viewer_client, viewer, make_title
):
    """A viewer who rented a film three times holds three entitlements to it; the page asks
    which of its films they hold and needs each film once, not once per entitlement."""
    film = make_title("Rented Often", offers=WORLDWIDE)
    for _ in range(3):
        grant(viewer, film, OfferKind.RENT)
    sent: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, *args) -> None:  # type: ignore[no-untyped-def]
        if "entitlements" in statement:
            sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        page = viewer_client.get("/films").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert page.count('class="badge badge-ok"') == 1
    assert len(sent) == 1
    # What the database hands back for the statement the page sent.
    with app.app_context():
        rows = db.session.connection().exec_driver_sql(*sent[0]).all()
    assert [tuple(r) for r in rows] == [(film.id,)]
