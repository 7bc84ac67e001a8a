"""One access rule: the buy page, the library and the player agree on whether an entitlement
still lets its holder watch, in every state an entitlement can be in."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storefront.extensions import db
from storefront.models import EntitlementStatus, OfferKind, utcnow

from .conftest import grant

HOUR = timedelta(hours=1)

# (scenario, kind, status, hours since granted, hours since the first play or None, watchable)
STATES = [
    ("bought", OfferKind.BUY, EntitlementStatus.ACTIVE, 1, None, True),
    ("rental not started", OfferKind.RENT, EntitlementStatus.ACTIVE, 1, None, True),
    ("rental start-by passed", OfferKind.RENT, EntitlementStatus.ACTIVE, 24 * 31, None, False),
    ("rental running", OfferKind.RENT, EntitlementStatus.ACTIVE, 5, 2, True),
    ("rental past its watch hours", OfferKind.RENT, EntitlementStatus.ACTIVE, 60, 50, False),
    ("refunded purchase", OfferKind.BUY, EntitlementStatus.REVOKED, 1, None, False),
    ("purchase under dispute", OfferKind.BUY, EntitlementStatus.SUSPENDED, 1, None, False),
]


@pytest.mark.parametrize(
    ("kind", "status", "granted_hours_ago", "played_hours_ago", "watchable"),
    [pytest.param(*state[1:], id=state[0]) for state in STATES],
)
def test_buy_page_library_and_player_agree(
    viewer_client, viewer, film, kind, status, granted_hours_ago, played_hours_ago, watchable
):
    now = utcnow()
    entitlement = grant(
        viewer, film, kind, at=now - granted_hours_ago * HOUR, watch_hours=48, status=status
    ).entitlement
    if played_hours_ago is not None:
        # A clock started by the first play; the expiry is left for the rule to work out
        # from the watch hours, as rows written before expires_at existed have it.
        entitlement.started_at = now - played_hours_ago * HOUR
        db.session.commit()

    buy_page = viewer_client.get(f"/buy/{film.slug}").get_data(as_text=True)
    library = viewer_client.get("/library").get_data(as_text=True)
    player = viewer_client.post(f"/watch/{film.slug}/start", json={})

    answers = {
        "buy page offers to watch": f'href="/watch/{film.slug}"' in buy_page,
        "library offers to watch": f'href="/watch/{film.slug}"' in library,
        "player starts": player.status_code == 200,
    }
    assert answers == dict.fromkeys(answers, watchable)


@pytest.mark.parametrize(
    ("kind", "refusal"),
    [
        pytest.param(OfferKind.BUY, "not_released", id="pre-ordered purchase"),
        pytest.param(OfferKind.RENT, "not_released", id="pre-ordered rental"),
        pytest.param(OfferKind.TICKET, "not_open", id="festival ticket"),
    ],
)
def test_one_not_before_rule_holds_back_preorders_and_tickets_alike(viewer, film, kind, refusal):
    """A pre-order's release and a screening's opening are one moment and one rule: refused
    until it, by the same comparison, then playable; only the words differ."""
    from storefront.services.watching import access

    opens = utcnow() + timedelta(days=3)
    entitlement = grant(viewer, film, kind).entitlement
    entitlement.not_before = opens
    db.session.commit()

    assert access.opening_refusal(entitlement, opens - timedelta(seconds=1)) == refusal
    assert access.entitlement_refusal(entitlement, opens - timedelta(seconds=1)) == refusal
    assert access.best_entitlement(viewer.id, film.id, opens - timedelta(seconds=1)) is None
    # Only a pre-order waits for the film's release; a ticket waits for its screening.
    waiting = access.awaiting_release(viewer.id, film.id, opens - timedelta(seconds=1))
    assert waiting == (None if kind == OfferKind.TICKET else entitlement)
    assert access.opening_refusal(entitlement, opens) is None
    assert access.gives_access(entitlement, opens)
