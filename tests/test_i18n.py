"""English and French are complete; locale comes from the account, then the browser."""

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
    for area, method in (("storefront", "python"), ("templates", "jinja2")):
        pattern = "**.py" if method == "python" else "**.html"
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            ROOT / area, method_map=[(pattern, method)], keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_user_facing_string_has_a_french_translation():
    with open(ROOT / "storefront/translations/fr/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle)
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


def test_browser_language_is_used_for_visitors(client):
    page = client.get("/login", headers={"Accept-Language": "fr-CH, fr;q=0.9, en;q=0.5"})
    assert 'lang="fr"' in page.text and "Se connecter" in page.text
    english = client.get("/login", headers={"Accept-Language": "de, en;q=0.5"})
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
