"""Every catalogue is complete; locale comes from the account, then the browser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from storefront import money

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {
    "_": None,
    "N_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
}


def source_messages() -> set[str]:
    found: set[str] = set()
    # Every kind of file babel.cfg names: pages, and the plain-text parts of mails.
    for area, pattern, method in (
        ("storefront", "**.py", "python"),
        ("templates", "**.html", "jinja2"),
        ("templates", "**.txt", "jinja2"),
    ):
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            ROOT / area, method_map=[(pattern, method)], keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


CATALOGUES = sorted(
    p.parent.parent.name for p in ROOT.glob("storefront/translations/*/LC_MESSAGES/messages.po")
)
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sdr]")


def read_catalogue(locale: str):
    with open(ROOT / f"storefront/translations/{locale}/LC_MESSAGES/messages.po", "rb") as handle:
        return read_po(handle, locale=locale)


def test_the_store_ships_every_interface_language():
    assert set(CATALOGUES) == {"fr", "es", "de", "nb", "ja", "ar"}


@pytest.mark.parametrize("locale", CATALOGUES)
def test_every_user_facing_string_is_translated(locale):
    catalog = read_catalogue(locale)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id
        and m.string
        and (m.string if isinstance(m.string, str) else all(m.string))
        and "fuzzy" not in m.flags
    }
    missing = sorted(source_messages() - translated)
    assert not missing, f"untranslated (run `make messages` and translate): {missing[:20]}"


@pytest.mark.parametrize("locale", CATALOGUES)
def test_translations_keep_every_placeholder(locale):
    """A lost or misspelt %(name)s breaks formatting or silently drops a value."""
    catalog = read_catalogue(locale)
    broken = []
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, str):
            forms, source = [message.string], message.id
        else:
            forms, source = list(message.string), " ".join(message.id)
        wanted = sorted(set(PLACEHOLDER.findall(source)))
        for index, form in enumerate(forms):
            if not form:
                broken.append((message.id, "empty"))
                continue
            found = sorted(set(PLACEHOLDER.findall(form)))
            # Languages with a dedicated singular or dual form may spell the count out
            # ("يوم واحد"): only those forms may drop the count, never another value.
            spelled = isinstance(message.id, tuple) and index in _spelled_count_forms(catalog)
            optional = {"%(num)d"} if spelled else set()
            if set(found) - optional != set(wanted) - optional or set(found) - set(wanted):
                broken.append((message.id, form))
    assert not broken, broken[:10]


@pytest.mark.parametrize("locale", CATALOGUES)
def test_catalogues_compile_as_make_setup_compiles_them(locale):
    """`pybabel compile` (run by `make setup`) refuses a catalogue its checkers fault, e.g. a
    message babel takes for python-format ("100 % gives" reads as a "% g" conversion)."""
    problems = [
        (message.id, [str(e) for e in errors]) for message, errors in read_catalogue(locale).check()
    ]
    assert not problems, problems[:10]


def _spelled_count_forms(catalog) -> set[int]:
    """Plural forms that only ever hold one number (Arabic's one and two)."""
    if catalog.num_plurals != 6:
        return set()
    return {1, 2}


@pytest.mark.parametrize("locale", CATALOGUES)
def test_translations_are_not_copies_of_the_english(locale):
    catalog = read_catalogue(locale)
    words = [m for m in catalog if isinstance(m.id, str) and len(m.id.split()) >= 4]
    copied = [m.id for m in words if m.string == m.id]
    assert len(copied) <= len(words) // 50, copied[:10]


# What is not prose in a French message: web addresses, times, ratios and codes (10:30, 2:3,
# SE:SEK:249), strftime and str.format fields, and the query of a link.
NOT_PROSE = re.compile(
    r"[a-z][a-z0-9+.-]*://\S*"
    r"|\b[0-9A-Z]+(?::[0-9A-Z]+)+\b"
    r"|%[a-zA-Z](?::%[a-zA-Z])+"
    r"|\{[^{}]*\}"
    r"|\?[\w-]+="
)
# French sets : ; ? ! apart with a space that never breaks the line before them (U+00A0,
# or the narrow U+202F); a mark right after a word ("Commande:"), a placeholder or a plain
# space (which may leave the mark alone at the start of a line) is a mistake.
UNSPACED_MARK = re.compile(r"(?<![\u00a0\u202f])[:;?!]")


def test_french_sets_colons_and_question_marks_apart_with_a_no_break_space():
    wrong = []
    for message in read_catalogue("fr"):
        if not message.id:
            continue
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in texts:
            if UNSPACED_MARK.search(NOT_PROSE.sub(" ", text)):
                wrong.append(text)
    assert not wrong, wrong[:10]


def _receipt_texts(app, locales):
    """The plain-text receipt for one order, rendered in each of ``locales``."""
    from storefront.models import Notification, utcnow
    from storefront.services.accounts.notifications.delivery import render

    context = {
        "order": "ord-1",
        "title_name": "Night Train",
        "studio_name": "Fjord Pictures",
        "slug": "night-train",
        "kind": "buy",
        "amount": 1299,
        "currency": "EUR",
        "paid_at": utcnow().isoformat(),
    }
    texts = {}
    for locale in locales:
        row = Notification(event="receipt", to="a@example.org", locale=locale, context=context)
        with app.test_request_context():
            texts[locale] = render(row)[1]
    return texts


def test_a_label_in_a_french_mail_keeps_its_colon_off_the_word(app):
    """Labels before a value ("Order: …") take the colon from the catalogue, so French
    writes "Commande : …" and Japanese its own colon, not the template's "Commande:"."""
    texts = _receipt_texts(app, ("fr", "ja", "en"))
    assert "Commande\u00a0: ord-1" in texts["fr"]
    assert "Commande: " not in texts["fr"]
    assert "注文：" in texts["ja"]
    assert "Order: ord-1" in texts["en"]


def test_a_label_in_a_japanese_mail_runs_on_after_its_full_width_colon(app):
    """The full-width colon carries its own space: Japanese reads "注文：ord-1", never
    "注文： ord-1", while the languages whose colon is narrow keep the space after it."""
    texts = _receipt_texts(app, ("ja", "en", "fr"))
    assert "注文：ord-1" in texts["ja"]
    assert "：€12.99" in texts["ja"]
    assert "： " not in texts["ja"]
    assert "Order: ord-1" in texts["en"] and "Paid: €12.99" in texts["en"]
    assert "Commande\u00a0: ord-1" in texts["fr"]


def test_browser_language_is_used_for_visitors(client):
    page = client.get("/login", headers={"Accept-Language": "fr-CH, fr;q=0.9, en;q=0.5"})
    assert 'lang="fr"' in page.text and "Se connecter" in page.text
    english = client.get("/login", headers={"Accept-Language": "pt, en;q=0.5"})
    assert 'lang="en"' in english.text and "Log in" in english.text


def test_language_switcher_sticks_for_the_visit(client):
    client.post("/account/language", data={"locale": "fr", "next": "/login"})
    assert "Se connecter" in client.get("/login", headers={"Accept-Language": "en"}).text


def test_language_switcher_ignores_foreign_next(client):
    response = client.post(
        "/account/language", data={"locale": "fr", "next": "https://evil.example"}
    )
    assert response.headers["Location"] == "/"


def test_validation_messages_are_translated(client):
    page = client.post(
        "/signup",
        data={"email": "a@example.org", "password": "short"},
        headers={"Accept-Language": "fr"},
    )
    assert "Utilisez au moins 10 caractères." in page.text


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "expected"),
    [
        (1999, "EUR", "fr", "19,99\xa0€"),
        (1999, "EUR", "en", "€19.99"),
        (500, "JPY", "en", "¥500"),
        (1250, "KWD", "en", "KWD\xa01.250"),
        (4900, "NOK", "en", "NOK\xa049.00"),  # CLDR currency spacing: letters stand apart
        (1999, "USD", "en", "$19.99"),
        (4900, "NOK", "fr", "49,00\xa0NOK"),
    ],
)
def test_money_is_formatted_with_the_currency_exponent(amount, currency, locale, expected):
    assert money.format_amount(amount, currency, locale) == expected


@pytest.mark.parametrize(
    ("amount", "currency", "major"),
    [(1999, "EUR", "19.99"), (500, "JPY", "500"), (1250, "KWD", "1.250"), (-5, "USD", "-0.05")],
)
def test_major_unit_strings_for_exports(amount, currency, major):
    assert money.to_major_string(amount, currency) == major


def test_the_language_picker_names_each_language_in_itself(settings, request):
    settings["LANGUAGES"] = ["en", "fr", "es", "de", "nb", "ja", "ar"]
    client = request.getfixturevalue("client")
    page = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    picker = page.split('id="language-select"', 1)[1].split("</select>", 1)[0]
    labels = re.findall(r'<option value="([a-z]+)"[^>]*>([^<]+)</option>', picker)
    assert dict(labels) == {
        "en": "English",
        "fr": "Français",
        "es": "Español",
        "de": "Deutsch",
        "nb": "Norsk bokmål",
        "ja": "日本語",
        "ar": "العربية",
    }


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("es-MX,es;q=0.9", "es"),
        ("de-AT", "de"),
        ("nb-NO,nb;q=0.9,en;q=0.5", "nb"),
        ("no;q=0.9,en;q=0.5", "nb"),
        ("nn-NO", "nb"),
        ("ja,en-US;q=0.8", "ja"),
        ("ar-EG,ar;q=0.9", "ar"),
        ("pt-BR,en;q=0.5", "en"),
    ],
)
def test_first_visit_language_comes_from_accept_language(client, header, expected):
    page = client.get("/login", headers={"Accept-Language": header}).text
    assert f'lang="{expected}"' in page


def test_arabic_is_laid_out_right_to_left_and_others_left_to_right(client):
    arabic = client.get("/login", headers={"Accept-Language": "ar"}).text
    assert '<html lang="ar" dir="rtl">' in arabic and "تسجيل الدخول" in arabic
    japanese = client.get("/login", headers={"Accept-Language": "ja"}).text
    assert '<html lang="ja" dir="ltr">' in japanese and "ログイン" in japanese


def test_the_embedded_player_card_is_right_to_left_in_arabic(client, make_title):
    """The card other sites frame has a page of its own: it must say its direction too."""
    film = make_title("Night Train")
    arabic = client.get(f"/embed/{film.slug}?lang=ar").text
    assert '<html lang="ar" dir="rtl">' in arabic


def test_genres_show_in_the_interface_language(client, make_title, app):
    from storefront.extensions import db
    from storefront.models import FacetKind, TitleFacet

    title = make_title("Fjord")
    for genre in ("documentary", "science-fiction"):
        db.session.add(TitleFacet(title_id=title.id, kind=FacetKind.GENRE, value=genre))
    db.session.commit()
    page = client.get(f"/films/{title.slug}", headers={"Accept-Language": "fr"}).text
    assert "Documentaire" in page and "Science-fiction" in page
    german = client.get("/", headers={"Accept-Language": "de"}).text
    assert ">Dokumentarfilm</option>" in german


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "expected"),
    [
        (1999, "EUR", "de", "19,99\xa0€"),
        (1999, "EUR", "es", "19,99\xa0€"),
        (4900, "NOK", "nb", "49,00\xa0kr"),
        (500, "JPY", "ja", "￥500"),
        (1999, "USD", "ja", "$19.99"),
    ],
)
def test_money_follows_each_locale(amount, currency, locale, expected):
    assert money.format_amount(amount, currency, locale) == expected


def test_arabic_money_uses_arabic_conventions():
    text = money.format_amount(1999, "EUR", "ar")
    assert "€" in text and text != money.format_amount(1999, "EUR", "en")


def test_dates_follow_each_locale(app):
    from datetime import datetime

    from flask_babel import force_locale, format_date

    day = datetime(2027, 3, 1, 12, 0)
    with app.test_request_context():
        rendered = {}
        for locale in ("en", "de", "ja", "nb"):
            with force_locale(locale):
                rendered[locale] = format_date(day, "long")
    assert rendered == {
        "en": "March 1, 2027",
        "de": "1. März 2027",
        "ja": "2027年3月1日",
        "nb": "1. mars 2027",
    }


def test_too_long_field_messages_are_translated_in_every_language(client):
    """WTForms' own catalogues lack the "too long" message in Arabic: it showed in English."""
    for language in ("fr", "es", "de", "nb", "ja", "ar"):
        page = client.post(
            "/signup",
            data={"email": "a@example.org", "password": "x" * 12, "display_name": "y" * 121},
            headers={"Accept-Language": language},
        ).text
        assert 'class="error"' in page, language
        assert "longer than" not in page and "characters" not in page, language


def test_a_choice_not_on_the_list_is_refused_in_the_studios_language(filmmaker_client, studio):
    """WTForms has no German, Norwegian, Japanese or Arabic for "not a valid choice"."""
    for language in ("de", "nb", "ja", "ar"):
        filmmaker_client.post("/account/language", data={"locale": language, "next": "/"})
        page = filmmaker_client.post(
            f"/studio/{studio.slug}/titles/new",
            data={"name": "Winter", "languages": ["xx"], "genres": ["polka"]},
        ).text
        assert 'class="error"' in page, language
        assert "valid choice" not in page, language


def test_norwegian_puts_kl_before_the_time_not_before_the_date(app):
    """Norwegian writes "1. mars 2027 kl. 19:00": "kl." belongs to a time of day, so a
    sentence given a whole date and time must not read "kl. 1. mars 2027, 19:00:00"."""
    from storefront.models import Notification
    from storefront.services.accounts.notifications.delivery import render

    context = {
        "order": "ord-1",
        "title_name": "Night Train",
        "studio_name": "Fjord Pictures",
        "slug": "night-train",
        "kind": "ticket",
        "amount": 9900,
        "currency": "NOK",
        "paid_at": "2027-02-01T12:00:00+00:00",
        "live_start": "2027-03-01T18:00:00+00:00",
    }
    row = Notification(
        event="receipt", to="a@example.org", locale="nb", timezone="Europe/Oslo", context=context
    )
    with app.test_request_context():
        text = render(row)[1]
    assert "1. mars 2027" in text
    assert not re.search(r"kl\.\s+\d{1,2}\.\s", text)
