"""The payment page of a pre-ordered purchase says it is a pre-order and from when the film
can be watched (a rental's already counts its days from the release)."""

from __future__ import annotations

from . import test_preorders

PAYMENTS_BACKEND = "offline"
release, upcoming = test_preorders.release, test_preorders.upcoming


def test_the_payment_page_of_a_preordered_purchase_says_when_it_opens(
    viewer_client, upcoming, release
):
    start = test_preorders.preorder(viewer_client, upcoming, "buy")
    assert start.status_code == 303

    page = viewer_client.get(start.location).text

    assert "Pre-order: yours to watch whenever you like from" in page
    assert str(release.year) in page and "Yours to watch whenever you like." not in page
