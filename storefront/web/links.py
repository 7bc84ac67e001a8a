"""Links to pages other areas own, in one place so they are easy to repoint."""

from __future__ import annotations

from flask import current_app, url_for


def _first(endpoints: tuple[str, ...], **values: object) -> str | None:
    for endpoint in endpoints:
        if endpoint in current_app.view_functions:
            return url_for(endpoint, **values)
    return None


def title_url(slug: str | None) -> str:
    """The title's public page (the catalogue until a title page exists)."""
    if slug:
        url = _first(("store.title", "catalog.title", "titles.show"), slug=slug)
        if url:
            return url
    return url_for("store.home")


def watch_url(slug: str | None) -> str:
    """Where a viewer with access starts watching (the title page until a player exists)."""
    return (_first(("watch.title",), slug=slug) if slug else None) or title_url(slug)
