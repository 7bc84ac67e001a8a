"""The site's own files and pages: a favicon, and the source code the AGPL asks a network
service to offer, linked from every page's footer."""

from __future__ import annotations

import gc
import warnings

import pytest
from werkzeug.test import EnvironBuilder


def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert response.cache_control.max_age and response.cache_control.max_age > 3600
    response.close()


def test_every_page_links_to_the_source_code(client, app):
    home = client.get("/").get_data(as_text=True)
    assert 'href="/source"' in home
    page = client.get("/source").get_data(as_text=True)
    assert "GNU Affero General Public License" in page
    assert "has not published" in page
    app.config["SOURCE_URL"] = "https://code.example.org/storefront"
    assert 'href="https://code.example.org/storefront"' in client.get("/source").text


@pytest.mark.parametrize("path", ["/static/favicon.svg", "/static/css/site.css", "/favicon.ico"])
def test_a_static_file_dropped_mid_download_is_not_left_open(app, path):
    """Werkzeug's server skips the response's close() when a browser resets the connection
    after the body (a page left while its icon loads): the file must close all the same."""
    statuses: list[str] = []
    environ = EnvironBuilder(path=path).get_environ()
    body = app.wsgi_app(environ, lambda status, headers: statuses.append(status))
    assert next(iter(body))  # the first bytes are on their way when the client goes
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del body
        gc.collect()
    assert statuses[0].startswith("200")
    assert [str(w.message) for w in caught if w.category is ResourceWarning] == []


def test_the_licence_file_carries_the_full_agpl_text():
    """A licence grants its terms only where its text travels with the code: the notice alone
    points to a web page, and section 13 (offering the source over a network) must be present."""
    from pathlib import Path

    text = (Path(__file__).parents[1] / "LICENSE").read_text()
    assert "SPDX-License-Identifier: AGPL-3.0-or-later" in text
    assert "GNU AFFERO GENERAL PUBLIC LICENSE" in text and "Version 3, 19 November 2007" in text
    assert "13. Remote Network Interaction; Use with the GNU General Public License." in text
    assert "END OF TERMS AND CONDITIONS" in text


def test_viewers_are_invited_to_sell(viewer_client):
    page = viewer_client.get("/").text
    assert "Sell your films" in page and ">Studio</a>" not in page


def test_title_pages_of_the_studio_share_tabs_and_link_to_the_store(
    filmmaker_client, studio, make_title
):
    title = make_title("Tabs", studio=studio)  # published
    offers = filmmaker_client.get(f"/studio/{studio.slug}/titles/{title.id}/offers").text
    for tab in ("Details", "Media", "Offers"):
        assert f">{tab}</a>" in offers
    assert f'href="/films/{title.slug}">View in store</a>' in offers
    overview = filmmaker_client.get(f"/studio/{studio.slug}/").text
    assert f'href="/studio/{studio.slug}/orders"' in overview
    assert "Sell your films" not in overview and ">Studio</a>" in overview
