"""Links to pages other areas own, in one place so they are easy to repoint."""

from __future__ import annotations

from flask import url_for


def title_url(slug: str | None) -> str:
    """The title's public page (the catalogue when the title is gone)."""
    return url_for("store.title", slug=slug) if slug else url_for("store.home")


def watch_url(slug: str | None) -> str:
    """Where a viewer with access starts watching."""
    return url_for("watch.title", slug=slug) if slug else url_for("store.home")
