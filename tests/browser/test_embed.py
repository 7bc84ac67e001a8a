"""The embed snippet, taken from the oEmbed endpoint, loaded in a page of another origin:
the widget shows inside the frame under the store's enforced policy, and its button opens
the store in a new tab."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

RENT = {"kind": "rent", "amount": 499, "currency": "EUR"}


class OtherSite:
    """A filmmaker's own site on another origin (another loopback port) serving one page."""

    def __init__(self) -> None:
        self.html = ""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's hook name
                body = site.html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def other_site() -> Iterator[OtherSite]:
    site = OtherSite()
    site.thread.start()
    yield site
    site.server.shutdown()
    site.server.server_close()
    site.thread.join(timeout=5)


@pytest.fixture
def strict_context(browser, live_server):
    context = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 800})
    context.set_default_timeout(15_000)
    yield context
    context.close()


def test_the_snippet_shows_the_widget_on_another_site_and_opens_the_store(
    strict_context, live_server, other_site, make_title, studio
):
    film = make_title("Night Train", studio=studio, offers=[RENT])
    answer = requests.get(
        f"{live_server.url}/oembed",
        params={"url": f"{live_server.url}/films/{film.slug}", "maxwidth": 360},
        timeout=10,
    ).json()
    other_site.html = (
        "<!doctype html><html lang='en'><head><title>Our film</title></head>"
        f"<body><h1>Our new film</h1>{answer['html']}</body></html>"
    )
    page = strict_context.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )

    page.goto(other_site.url)
    widget = page.frame_locator("iframe")
    button = widget.get_by_role("link", name="Rent / Buy")
    button.wait_for(state="visible")
    assert "€4.99" in widget.locator(".embed-prices").inner_text()
    fits = widget.locator("body").evaluate(
        "body => body.scrollWidth <= document.documentElement.clientWidth"
    )
    assert fits, "the widget overflows its frame"

    with strict_context.expect_page() as opened:
        button.click()
    store = opened.value
    store.wait_for_load_state()
    assert store.url == f"{live_server.url}/films/{film.slug}"
    assert store.get_by_role("heading", name="Night Train").is_visible()
    assert page.url == other_site.url + "/"  # the visitor's page stays where it was
    assert refused == []
