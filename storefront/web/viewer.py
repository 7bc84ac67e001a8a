"""Who is looking: the viewer's country, asked once per request by every page.

`viewer_country()` is what pages pass to the availability rule. Outside production a developer
may pretend to be elsewhere: `?dev_country=NO` on any page (kept in the session; `?dev_country=`
clears it) or the DEV_COUNTRY setting. Production ignores both (and refuses to start with
DEV_COUNTRY).
"""

from __future__ import annotations

from flask import Flask, current_app, g, request, session

from ..adapters.geo import GeoLocator, normalise_country

_SESSION_KEY = "dev_country"


def _override_allowed() -> bool:
    return not current_app.config.get("PRODUCTION")


def _remember_override() -> None:
    """Keep `?dev_country=XX` for the visit (development and tests only). Not `country`: the
    catalogue's country-of-production filter goes by that name."""
    if _SESSION_KEY not in request.args or not _override_allowed():
        return
    code = normalise_country(request.args.get(_SESSION_KEY))
    if code:
        session[_SESSION_KEY] = code
    else:
        session.pop(_SESSION_KEY, None)
    g.pop("viewer_country", None)


def _resolve() -> str | None:
    if _override_allowed():
        pretended = session.get(_SESSION_KEY) or current_app.config.get("DEV_COUNTRY")
        if pretended:
            return normalise_country(pretended)
    locator: GeoLocator = current_app.extensions["geo"]
    return locator.locate(request.remote_addr, request.headers)


def viewer_country() -> str | None:
    """ISO 3166-1 alpha-2 code of the viewer's country, or None when it cannot be told."""
    if "viewer_country" not in g:
        g.viewer_country = _resolve()
    return g.viewer_country


def country_is_pretended() -> bool:
    """True when a development override, not the network, decided the country."""
    return _override_allowed() and bool(
        session.get(_SESSION_KEY) or current_app.config.get("DEV_COUNTRY")
    )


def init_app(app: Flask) -> None:
    from . import availability_text

    availability_text.init_app(app)
    app.before_request(_remember_override)
    app.jinja_env.globals["viewer_country"] = viewer_country
    app.jinja_env.globals["country_is_pretended"] = country_is_pretended
