"""The release page tells a filmmaker when pre-orders they switched on cannot be taken yet."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storefront.models import TitleStatus, utcnow

from ..watching.conftest import WORLDWIDE

NOT_YET = "Nobody can pre-order this film until it is published."


@pytest.mark.parametrize(
    ("status", "warned"), [(TitleStatus.DRAFT, True), (TitleStatus.PUBLISHED, False)]
)
def test_preorders_on_an_unpublished_film_are_said_to_wait_for_publication(
    filmmaker_client, studio, make_title, status, warned
):
    """The page saved "take pre-orders" on a draft without a word, while the store offered
    nothing to pre-order until the film was published."""
    title = make_title("Tide Lines", studio=studio, status=status, offers=WORLDWIDE)
    path = f"/studio/{studio.slug}/titles/{title.id}/release"
    release = (utcnow() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    saved = filmmaker_client.post(
        path, data={"release_at": release, "take_preorders": "y"}, follow_redirects=True
    )
    assert "The release settings are saved." in saved.text
    assert (NOT_YET in saved.text) is warned
