"""The site's own files and pages: a favicon, and the source code the AGPL asks a network
service to offer, linked from every page's footer."""

from __future__ import annotations


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
