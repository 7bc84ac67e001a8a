"""Locale and time zone selection, and Babel formatting helpers for templates."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_datetime, format_decimal, get_locale
from flask_login import current_user

from . import countries, languages, money


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
    return (
        request.accept_languages.best_match(supported) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def select_timezone() -> str | None:
    if not has_request_context():
        return None
    if current_user and current_user.is_authenticated:
        return current_user.timezone
    return None


def current_locale() -> str:
    """The locale of this request (or the default outside one), e.g. "fr"."""
    return str(get_locale() or current_app.config.get("BABEL_DEFAULT_LOCALE", "en"))


def format_money(amount_minor: int, currency: str) -> str:
    """An amount in the viewer's locale, e.g. 'NOK 49.00' or '49,00 kr'."""
    return money.format_amount(amount_minor, currency, current_locale())


def init_app(app: Flask) -> None:
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["format_number"] = format_decimal
    app.jinja_env.globals["country_name"] = lambda code: countries.country_name(
        code, current_locale()
    )
    app.jinja_env.globals["language_name"] = lambda code: languages.language_name(
        code, current_locale()
    )
    app.jinja_env.globals["language_own_name"] = languages.own_name
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": (
        format_datetime(value, fmt) if isinstance(value, datetime) else ""
    )

    @app.context_processor
    def inject_locale() -> dict:
        return {
            "current_locale": current_locale(),
            "languages": app.config["LANGUAGES"],
        }
