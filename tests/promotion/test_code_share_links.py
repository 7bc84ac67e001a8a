"""A shared code's page gives the studio the links to send: each film the code covers, with
the code in the link (as Gumroad's discount links), and none for single-use batches."""

from __future__ import annotations

from tests.payments.promo import make_promotion

RENT = {"kind": "rent", "amount": 499, "currency": "EUR"}


def test_a_shared_code_lists_a_link_per_film_it_covers(filmmaker_client, studio, make_title):
    night = make_title("Night Train", studio=studio, offers=[dict(RENT)])
    salt = make_title("Salt", studio=studio, offers=[dict(RENT)])
    everywhere = make_promotion(studio, percent_off=20, code="NEWS")
    only_salt = make_promotion(studio, percent_off=20, code="SALTY", title_ids=[salt.id])

    page = filmmaker_client.get(f"/studio/{studio.slug}/codes/{everywhere.id}").text
    assert f"/films/{night.slug}?code=NEWS" in page and f"/films/{salt.slug}?code=NEWS" in page

    page = filmmaker_client.get(f"/studio/{studio.slug}/codes/{only_salt.id}").text
    assert f"/films/{salt.slug}?code=SALTY" in page and f"/films/{night.slug}?" not in page


def test_a_batch_of_single_use_codes_has_no_shared_link(filmmaker_client, studio, make_title):
    make_title("Night Train", studio=studio, offers=[dict(RENT)])
    batch = make_promotion(studio, percent_off=20, batch_size=3, batch_prefix="FEST")

    page = filmmaker_client.get(f"/studio/{studio.slug}/codes/{batch.id}").text
    assert "?code=" not in page
