"""Locale and time zone selection, and Babel formatting helpers for templates."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from functools import cache
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_interval
from babel.lists import format_list
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_datetime, format_decimal, get_locale, gettext
from flask_login import current_user
from markupsafe import Markup, escape

from . import countries, formatting, genres, languages, money


def select_locale() -> str | None:
    """The URL's ``?lang=`` (shared links and the sitemap's hreflang alternates name their
    language), then the account's language, then the language picked in this browser, then
    Accept-Language."""
    supported = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and jobs speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if request.args.get("lang") in supported:
        return request.args["lang"]
    if current_user and current_user.is_authenticated and current_user.locale in supported:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in supported:
        return chosen
    return browser_locale(supported) or current_app.config["BABEL_DEFAULT_LOCALE"]


# Browsers send the macrolanguage "no" (or Nynorsk "nn") for Norwegian; the store speaks Bokmål.
LANGUAGE_ALIASES = {"no": "nb", "nn": "nb"}


def browser_locale(supported: list[str]) -> str | None:
    """The supported language the browser prefers most (Accept-Language, by quality), or None."""
    by_code = {code.lower().replace("_", "-"): code for code in supported}
    for value, _quality in request.accept_languages:  # sorted by quality, best first
        tag = value.lower().replace("_", "-")
        primary = tag.split("-")[0]
        for candidate in (tag, primary, LANGUAGE_ALIASES.get(primary)):
            if candidate in by_code:
                return by_code[candidate]
    return request.accept_languages.best_match(supported)


@cache
def text_direction(locale: str) -> str:
    """ "rtl" for languages written right to left (Arabic), else "ltr" (from CLDR)."""
    try:
        order = Locale.parse(locale).character_order
    except (ValueError, UnknownLocaleError):
        return "ltr"
    return "rtl" if order == "right-to-left" else "ltr"


def select_timezone() -> str | None:
    if not has_request_context():
        return None
    if current_user and current_user.is_authenticated:
        from .services.reports.filters import is_time_zone  # the one list of usable zones

        # A zone saved before that list was narrowed ("Factory") reads as UTC, not a 500.
        return current_user.timezone if is_time_zone(current_user.timezone) else None
    return None


def current_locale() -> str:
    """The locale of this request (or the default outside one), e.g. "fr"."""
    return str(get_locale() or current_app.config.get("BABEL_DEFAULT_LOCALE", "en"))


def format_money(amount_minor: int, currency: str) -> str:
    """An amount in the viewer's locale, e.g. 'NOK 49.00' or '49,00 kr'."""
    return money.format_amount(amount_minor, currency, current_locale())


def join_list(items: Iterable[Any], name: Callable[[Any], str] = str) -> str:
    """Items (each shown by ``name``) joined as the viewer's language joins them:
    "Norway and Sweden", "ノルウェー、スウェーデン", "النرويج والسويد"."""
    return format_list([name(item) for item in items], locale=current_locale())


def text_lang(language: str | None) -> Markup:
    """` lang=".." dir=".."` for text written in another language than the page ("" if same
    or unknown), so screen readers pronounce it right and Arabic text runs right to left."""
    if not language or language == current_locale():
        return Markup("")
    return Markup(' lang="%s" dir="%s"') % (language, text_direction(language))


def arrow(way: str) -> str:
    """An arrow pointing "back" (towards where the line starts) or "forward", mirrored for
    right-to-left pages: arrow characters are not mirrored by the text direction."""
    backwards = (way == "back") != (text_direction(current_locale()) == "rtl")
    return "←" if backwards else "→"


def date_range(start: date, end: date) -> str:
    """Two days as the viewer's language writes a span: "12–21 févr. 2027",
    "2027年2月12日～21日"."""
    return format_interval(start, end, "yMMMd", locale=current_locale())


def label(text: str) -> str:
    """``text`` followed by a colon as the language writes it, and by what separates it from
    the value: "Order: ", "Commande : " (French puts a no-break space before it), "注文："
    (a full-width colon holds its own space, so none follows). Templates write
    ``{{ _("Order")|label }}{{ value }}`` rather than a colon or space of their own, which the
    language could not change."""
    template = gettext("%(label)s:")
    if not template.endswith(("\uff1a", "\uff1b")):  # a full-width colon or semicolon
        template += " "
    if isinstance(text, Markup):  # an HTML page's already escaped text: escape only the rest
        return escape(template) % {"label": text}
    return template % {"label": text}


def init_app(app: Flask) -> None:
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["join_list"] = join_list
    app.jinja_env.filters["format_number"] = format_decimal
    app.jinja_env.globals["date_range"] = date_range
    app.jinja_env.globals["arrow"] = arrow
    app.jinja_env.filters["runtime"] = formatting.runtime_text
    app.jinja_env.filters["frame_rate"] = formatting.frame_rate_text
    app.jinja_env.filters["paragraphs"] = formatting.paragraphs
    app.jinja_env.globals["country_name"] = lambda code: countries.country_name(
        code, current_locale()
    )
    app.jinja_env.globals["language_name"] = lambda code: languages.language_name(
        code, current_locale()
    )
    app.jinja_env.globals["language_own_name"] = languages.own_name
    app.jinja_env.globals["genre_label"] = genres.genre_label
    app.jinja_env.globals["text_lang"] = text_lang
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": (
        format_datetime(value, fmt) if isinstance(value, datetime) else ""
    )

    @app.context_processor
    def inject_locale() -> dict:
        locale = current_locale()
        return {
            "current_locale": locale,
            "text_direction": text_direction(locale),
            "languages": app.config["LANGUAGES"],
        }
