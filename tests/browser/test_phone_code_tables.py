"""Promo codes on a phone: in a promotion's redemption tables each code stays on one line (a
studio reads them out and types them in) and a wide table scrolls in its own region; a film's
page shared with a code fits and leads on to the price with it."""

from __future__ import annotations

from ..payments.promo import make_promotion
from .accessibility import NARROW, assert_usable_and_accessible
from .test_player import log_in


def test_codes_are_not_broken_across_lines_at_390_px(page, live_server, filmmaker, studio):
    promotion = make_promotion(studio, percent_off=50, batch_size=5, batch_prefix="FESTIVAL")
    log_in(page, filmmaker.email)

    path = f"/studio/{studio.slug}/codes/{promotion.id}"
    assert_usable_and_accessible(page, path)

    page.set_viewport_size(NARROW)
    lines = page.eval_on_selector_all(
        ".code-list td code", "codes => codes.map(c => c.getClientRects().length)"
    )
    assert lines == [1] * 5, f"codes broken across lines: {lines}"


def test_a_film_page_shared_with_a_code_fits_and_passes_axe(
    page, live_server, viewer, studio, make_title
):
    film = make_title(
        "Night Train", studio=studio, offers=[{"kind": "rent", "amount": 499, "currency": "EUR"}]
    )
    make_promotion(studio, percent_off=20, code="NEWSLETTER20")
    assert_usable_and_accessible(page, f"/films/{film.slug}?code=NEWSLETTER20")
    log_in(page, viewer.email)
    assert_usable_and_accessible(page, f"/films/{film.slug}?code=NEWSLETTER20")
    page.get_by_role("link", name="See the price with the code NEWSLETTER20").click()
    assert page.get_by_test_id("quote-rent").inner_text().startswith("Code NEWSLETTER20:")


def test_a_shared_codes_links_fit_a_phone(page, live_server, filmmaker, studio, make_title):
    make_title(
        "A Very Long Film Title For A Narrow Screen",
        studio=studio,
        offers=[{"kind": "rent", "amount": 499, "currency": "EUR"}],
    )
    promotion = make_promotion(studio, percent_off=20, code="NEWSLETTER2026WINTER")
    log_in(page, filmmaker.email)
    assert_usable_and_accessible(page, f"/studio/{studio.slug}/codes/{promotion.id}")
    assert page.locator(".share-links a").count() == 1
