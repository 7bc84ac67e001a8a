"""A festival's page shared on another site: its card (OpenGraph, Twitter, canonical and
hreflang) under PUBLIC_URL, like title and studio pages."""

from __future__ import annotations

import pytest

from storefront.extensions import db
from storefront.services.promotion import festivals
from tests.test_sharing import OTHER_LANGUAGES, PUBLIC, parse


@pytest.fixture
def settings(settings: dict) -> dict:
    settings.update(PUBLIC_URL=PUBLIC)
    return settings


def test_a_festival_page_carries_its_card(client, festival):
    festival.description = "Films from the far north.\n\nSecond paragraph."
    db.session.commit()

    page = client.get(f"/festivals/{festival.slug}", headers={"Host": "evil.example"})
    head = parse(page.text)

    url = f"{PUBLIC}/festivals/{festival.slug}?lang=en"
    assert head.meta["og:title"] == head.meta["twitter:title"] == festival.name
    assert head.meta["og:description"] == "Films from the far north."
    assert head.meta["og:url"] == url
    assert [x["href"] for x in head.link("canonical")] == [url]
    hreflang = {x["hreflang"]: x["href"] for x in head.link("alternate") if "hreflang" in x}
    assert set(hreflang) == {"en", *OTHER_LANGUAGES, "x-default"}
    assert "evil.example" not in page.text


def test_the_sitemap_lists_published_festivals_in_every_language_and_no_draft(
    client, festival, festival_studio
):
    draft = festivals.create_festival(
        festival_studio,
        "Arctic Film Festival 2028",
        festival.starts_on,
        festival.ends_on,
        "Europe/Oslo",
        3000,
        published=False,
    )
    db.session.commit()

    text = client.get("/sitemap.xml").text

    for lang in ("en", *OTHER_LANGUAGES):
        assert f"<loc>{PUBLIC}/festivals/{festival.slug}?lang={lang}</loc>" in text
    assert f"/festivals/{draft.slug}" not in text
