"""Films in many languages: the studio gives a title's texts per language, viewers read them
in their interface language (falling back to the original), search finds any of the titles,
and the catalogue can keep the films with subtitles or audio in the viewer's language."""

from __future__ import annotations

import re

from storefront.extensions import db
from storefront.models import (
    AssetKind,
    AssetStatus,
    AudioKind,
    AudioTrack,
    FacetKind,
    MediaAsset,
    SubtitleTrack,
    TitleFacet,
    TitleText,
)

from .conftest import WORLDWIDE, grant


def names(response) -> list[str]:
    return re.findall(r'<span class="card-title">([^<]+)</span>', response.get_data(as_text=True))


def in_language(client, path: str, language: str):
    return client.get(path, headers={"Accept-Language": language})


def test_a_studio_gives_texts_in_other_languages_and_viewers_read_their_own(
    filmmaker_client, studio, make_title, client
):
    film = make_title(
        "Northern Lights",
        studio=studio,
        offers=WORLDWIDE,
        original_name="Nordlys",
        synopsis="A winter on the coast.",
        tagline="The sun comes back.",
        text_language="en",
    )
    base = f"/studio/{studio.slug}/titles/{film.id}"
    german = {
        "text-language": "de",
        "text-name": "Nordlichter",
        "text-tagline": "",
        "text-synopsis": "Ein Winter an der Küste.",
    }
    assert filmmaker_client.post(f"{base}/texts", data=german).status_code == 302
    japanese = {"text-language": "ja", "text-name": "北の光", "text-synopsis": "海辺の冬。"}
    assert filmmaker_client.post(f"{base}/texts", data=japanese).status_code == 302
    listed = filmmaker_client.get(f"{base}/").text
    assert "Nordlichter" in listed and "北の光" in listed

    page = in_language(client, f"/films/{film.slug}", "de").text
    assert '<h1 lang="de" dir="ltr">Nordlichter</h1>' not in page  # same as the page: no lang
    assert "<h1>Nordlichter</h1>" in page and "Ein Winter an der Küste." in page
    # No German tagline: the original one shows, marked as English for screen readers.
    assert '<p class="tagline" lang="en" dir="ltr">The sun comes back.</p>' in page
    assert "Nordlys" in page  # the original title stays visible

    french = in_language(client, f"/films/{film.slug}", "fr").text
    assert '<h1 lang="en" dir="ltr">Northern Lights</h1>' in french
    assert "A winter on the coast." in french

    cards = in_language(client, "/", "ja")
    assert names(cards) == ["北の光"]


def test_saving_a_language_again_replaces_it_and_deleting_removes_it(
    filmmaker_client, studio, make_title
):
    film = make_title("Fjord", studio=studio)
    base = f"/studio/{studio.slug}/titles/{film.id}"
    for name in ("Fjorden", "Fjordane"):
        data = {"text-language": "nb", "text-name": name}
        assert filmmaker_client.post(f"{base}/texts", data=data).status_code == 302
    texts = db.session.scalars(db.select(TitleText).filter_by(title_id=film.id)).all()
    assert [(t.language, t.name) for t in texts] == [("nb", "Fjordane")]
    assert filmmaker_client.post(f"{base}/texts/nb/delete").status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(TitleText)) == 0
    assert filmmaker_client.post(f"{base}/texts/nb/delete").status_code == 404


def test_bad_texts_are_refused_next_to_their_field(filmmaker_client, studio, make_title):
    film = make_title("Fjord", studio=studio)
    base = f"/studio/{studio.slug}/titles/{film.id}"
    response = filmmaker_client.post(f"{base}/texts", data={"text-language": "xx", "text-name": ""})
    assert response.status_code == 400
    assert "Choose a language from the list." in response.text
    assert "Give the film a title." in response.text
    assert db.session.scalar(db.select(db.func.count()).select_from(TitleText)) == 0


def test_search_finds_a_film_by_any_of_its_titles(client, make_title):
    film = make_title("Northern Lights", offers=WORLDWIDE)
    make_title("Desert Wind", offers=WORLDWIDE)
    db.session.add_all(
        [
            TitleText(title_id=film.id, language="ja", name="北の光"),
            TitleText(title_id=film.id, language="ar", name="الأضواء الشمالية"),
        ]
    )
    db.session.commit()
    for query in ("北の光", "الأضواء", "northern"):
        assert names(in_language(client, f"/?q={query}", "en")) == ["Northern Lights"], query
    # Found by its Japanese title, shown by its French one when there is none: the original.
    assert names(in_language(client, "/?q=北の光", "fr")) == ["Northern Lights"]


def test_films_with_subtitles_or_audio_in_my_language(client, make_title):
    subtitled = make_title("Subtitled", offers=WORLDWIDE)
    spoken = make_title("Spoken", offers=WORLDWIDE)
    dubbed = make_title("Dubbed", offers=WORLDWIDE)
    dubbing = make_title("Dubbing not ready", offers=WORLDWIDE)
    make_title("Other", offers=WORLDWIDE)
    db.session.add(
        SubtitleTrack(title_id=subtitled.id, language="fr", label="Français", storage_key="k")
    )
    db.session.add(TitleFacet(title_id=spoken.id, kind=FacetKind.LANGUAGE, value="fr"))
    for film, status in ((dubbed, AssetStatus.READY), (dubbing, AssetStatus.TRANSCODING)):
        asset = MediaAsset(
            title_id=film.id,
            kind=AssetKind.FEATURE,
            status=AssetStatus.READY,
            original_filename="f.mp4",
            size_bytes=1,
            source_key=f"src/{film.id}",
        )
        db.session.add(asset)
        db.session.flush()
        db.session.add(
            AudioTrack(
                title_id=film.id,
                asset_id=asset.id,
                stream_index=2,
                language="fr",
                kind=AudioKind.DUBBED,
                status=status,
            )
        )
    db.session.commit()
    found = names(in_language(client, "/?mine=1&sort=az", "fr"))
    assert found == ["Dubbed", "Spoken", "Subtitled"]
    # The same filter for a Japanese reader finds nothing; without it, everything shows.
    assert names(in_language(client, "/?mine=1", "ja")) == []
    assert len(names(in_language(client, "/", "fr"))) == 5


def test_a_bokmal_reader_finds_films_in_norwegian(client, make_title):
    """Studios pick "Norwegian" (no) as often as Bokmål (nb): a reader of the Norwegian
    interface, which is Bokmål, follows both; the filter found neither of the demo films."""
    spoken = make_title("Spoken", offers=WORLDWIDE)
    subtitled = make_title("Subtitled", offers=WORLDWIDE)
    make_title("Other", offers=WORLDWIDE)
    db.session.add(TitleFacet(title_id=spoken.id, kind=FacetKind.LANGUAGE, value="no"))
    db.session.add(
        SubtitleTrack(title_id=subtitled.id, language="nb", label="Norsk", storage_key="k")
    )
    db.session.commit()
    assert names(in_language(client, "/?mine=1&sort=az", "nb")) == ["Spoken", "Subtitled"]


def test_the_player_names_the_film_in_the_viewers_language(viewer_client, viewer, make_title):
    from .conftest import grant

    film = make_title("Northern Lights", offers=WORLDWIDE, text_language="en")
    db.session.add(TitleText(title_id=film.id, language="de", name="Nordlichter"))
    db.session.commit()
    grant(viewer, film)
    page = viewer_client.get(f"/watch/{film.slug}", headers={"Accept-Language": "de"}).text
    assert '<h1 class="player-title">Nordlichter</h1>' in page


def test_the_viewers_library_and_checkout_name_the_film_in_their_language(
    filmmaker_client, studio, make_title, viewer, login_client
):
    film = make_title("Northern Lights", studio=studio, offers=WORLDWIDE, text_language="en")
    base = f"/studio/{studio.slug}/titles/{film.id}"
    german = {"text-language": "de", "text-name": "Nordlichter"}
    assert filmmaker_client.post(f"{base}/texts", data=german).status_code == 302
    grant(viewer, film)
    client = login_client(viewer.email)

    library = in_language(client, "/library", "de").text
    assert "Nordlichter" in library and "Northern Lights" not in library
    checkout = in_language(client, f"/buy/{film.slug}", "de").text
    assert "<h1>Nordlichter</h1>" in checkout
    # A language without a translation falls back to the title's own name.
    assert "Northern Lights" in in_language(client, "/library", "fr").text


def test_the_order_page_names_the_film_as_the_checkout_page_did(
    filmmaker_client, studio, make_title, viewer, login_client
):
    film = make_title("Northern Lights", studio=studio, offers=WORLDWIDE, text_language="en")
    base = f"/studio/{studio.slug}/titles/{film.id}"
    german = {"text-language": "de", "text-name": "Nordlichter"}
    assert filmmaker_client.post(f"{base}/texts", data=german).status_code == 302
    order = grant(viewer, film).order
    client = login_client(viewer.email)

    done = in_language(client, f"/orders/{order.public_id}/done", "de").text
    assert "<h1>Nordlichter</h1>" in done and "Northern Lights" not in done


def test_the_title_page_names_subtitles_and_audio_in_the_viewers_language(client, film):
    """A viewer checks before paying what they can hear and read: each track by its language
    in the interface's language (not the studio's free label) and its kind."""
    db.session.add_all(
        [
            SubtitleTrack(
                title_id=film.id,
                language="en",
                kind="captions",
                label="English [CC]",
                storage_key="c",
            ),
            SubtitleTrack(
                title_id=film.id, language="en", kind="forced", label="English", storage_key="f"
            ),
        ]
    )
    asset = db.session.scalar(db.select(MediaAsset).filter_by(title_id=film.id))
    for index, (language, kind, label) in enumerate(
        (
            ("no", AudioKind.MAIN, "Norsk"),
            ("fr", AudioKind.DUBBED, "VF"),
            ("en", AudioKind.DESCRIPTION, "AD"),
        )
    ):
        db.session.add(
            AudioTrack(
                title_id=film.id,
                asset_id=asset.id,
                stream_index=index + 1,
                position=index,
                language=language,
                kind=kind,
                label=label,
                muxed=index == 0,
                status=AssetStatus.READY,
            )
        )
    db.session.commit()

    def details(language: str) -> dict[str, str]:
        page = in_language(client, f"/films/{film.slug}", language).text
        return dict(re.findall(r"<dt>([^<]+)</dt>\s*<dd>([^<]+)</dd>", page))

    english = details("en")
    assert english["Subtitles"] == "English (captions), English (forced), and French"
    assert english["Audio"] == "Norwegian, French – Dubbed, and English – Audio description"
    arabic = details("ar")
    assert "الفرنسية" in arabic["الترجمة"] and "Français" not in arabic["الترجمة"]
    assert "الوصف الصوتي" in arabic["الصوت"] and "AD" not in arabic["الصوت"]


def test_search_finds_a_title_however_its_letters_are_typed(client, make_title):
    """Without accents on an English keyboard, decomposed (as some systems send it), full
    width from a Japanese input method, or a Turkish capital İ: the same film is found."""
    cafe = make_title("Café Müller", offers=WORLDWIDE, original_name="Crème brûlée")
    db.session.add(TitleText(title_id=cafe.id, language="ja", name="カフェ・ミュラー"))
    make_title("İstanbul Nights", offers=WORLDWIDE)
    db.session.commit()
    for typed, found in (
        ("cafe", "Café Müller"),
        ("MULLER", "Café Müller"),
        ("Cafe\u0301", "Café Müller"),  # e + combining acute accent
        ("ｃａｆé", "Café Müller"),  # full-width Latin letters
        ("creme brulee", "Café Müller"),  # the original title
        ("ミュラー", "Café Müller"),
        ("istanbul", "İstanbul Nights"),
        ("İstanbul", "İstanbul Nights"),
    ):
        assert names(client.get("/films", query_string={"q": typed})) == [found], typed


def test_the_title_pages_lists_are_joined_as_each_language_joins_them(client, film):
    """Japanese separates with "、", Arabic with "و" (and), not an English ", "."""

    def countries(language: str) -> str:
        page = in_language(client, f"/films/{film.slug}", language).text
        details = re.findall(r"<dt>([^<]+)</dt>\s*<dd>([^<]*)</dd>", page)
        return details[3][1]  # director, cast, genres, then the countries of production

    assert countries("en") == "Norway and Sweden"
    assert countries("ja") == "ノルウェー、スウェーデン"
    assert countries("ar") == "النرويج والسويد"
