"""A promotion's redemption tables on a phone: each code stays on one line (a studio reads
them out and types them in), and a table wider than the screen scrolls in its own region."""

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
