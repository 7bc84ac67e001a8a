"""Runtimes and frame rates as people say them."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from storefront.formatting import frame_rate_text, runtime_text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(30, "30 s"), (29.6, "30 s"), (60, "1 min"), (89, "1 min"), (91, "2 min"),
     (5520, "1 h 32 min"), (3600, "1 h 0 min"), (0, ""), (None, "")],
)  # fmt: skip
def test_runtimes(app, seconds, text):
    with app.test_request_context(), force_locale("en"):
        assert runtime_text(seconds) == text


@pytest.mark.parametrize(
    ("rate", "text"),
    [("25/1", "25"), ("30000/1001", "29.97"), ("24000/1001", "23.976"), ("50", "50"), (None, "")],
)
def test_frame_rates(app, rate, text):
    with app.test_request_context(), force_locale("en"):
        assert frame_rate_text(rate) == text


def test_a_thirty_second_film_says_thirty_seconds_in_store_and_studio(
    client, filmmaker_client, studio, make_title
):
    title = make_title("Short", studio=studio)
    title.runtime_seconds = 30
    from storefront.extensions import db

    db.session.commit()
    assert "30 s" in client.get(f"/films/{title.slug}").text
    assert "0 min" not in client.get(f"/films/{title.slug}").text
    details = filmmaker_client.get(f"/studio/{studio.slug}/titles/{title.id}/").text
    assert "Runtime: 30 s" in details


def test_synopsis_paragraphs_typed_in_a_browser_stay_apart(client, make_title):
    from storefront.extensions import db

    title = make_title("Typed")
    title.synopsis = "First paragraph.\r\n\r\nSecond paragraph.\r\n \r\nThird."
    db.session.commit()
    page = client.get(f"/films/{title.slug}").text
    for text in ("First paragraph.", "Second paragraph.", "Third."):
        assert f"<p>{text}</p>" in page
