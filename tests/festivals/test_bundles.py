"""Studio bundles go through the same checkout, fulfilment, refund and report paths: a paid
bundle grants each of its titles for good, a refund takes them all back."""

from __future__ import annotations

import pytest

from storefront.extensions import db
from storefront.models import (
    Entitlement,
    EntitlementStatus,
    EntryType,
    LedgerEntry,
    OfferKind,
    utcnow,
)
from storefront.services import ServiceError
from storefront.services.promotion.bundles import create_bundle
from storefront.services.watching.access import best_entitlement

from .conftest import latest_order, session_id_from


def test_a_bundle_is_bought_once_and_refunded_whole(
    make_title, studio, viewer_client, viewer, emu, webhooks, sdk
):
    films = [make_title(name, studio=studio) for name in ("Dawn", "Dusk", "Night")]
    bundle = create_bundle(studio, "The day trilogy", films, 1800, "EUR")
    db.session.commit()

    response = viewer_client.post(f"/bundles/{bundle.id}/buy", headers={"X-Test-Country": "NO"})
    assert response.status_code == 303
    emu.pay(session_id_from(response.location))

    order = latest_order(viewer)
    assert order.kind == OfferKind.BUNDLE and order.studio_id == studio.id
    assert all(best_entitlement(viewer.id, f.id, utcnow()).kind == OfferKind.BUY for f in films)
    sale = db.session.scalar(db.select(LedgerEntry).filter_by(order_id=order.id))
    assert (sale.entry_type, sale.kind, sale.gross) == (EntryType.SALE, OfferKind.BUNDLE, 1800)
    again = viewer_client.post(f"/bundles/{bundle.id}/buy", headers={"X-Test-Country": "NO"})
    assert again.status_code == 303 and again.location.endswith(f"/bundles/{bundle.id}")

    sdk.v1.refunds.create({"charge": order.charge_id})

    db.session.expire_all()
    granted = db.session.scalars(db.select(Entitlement).filter_by(order_id=order.id)).all()
    assert len(granted) == 3 and {e.status for e in granted} == {EntitlementStatus.REVOKED}
    assert all(best_entitlement(viewer.id, f.id, utcnow()) is None for f in films)


def test_a_bundle_holds_only_the_studios_own_films(make_title, make_studio, studio):
    other = make_title("Elsewhere", studio=make_studio(name="Other Films"))
    own = make_title("Here", studio=studio)

    with pytest.raises(ServiceError, match="own films"):
        create_bundle(studio, "Mixed", [own, other], 1000, "EUR")


def test_a_bundle_holding_a_draft_has_no_public_page(app, make_title, studio, viewer_client):
    """A bundle's page lists its films: one that holds a draft would name the draft (and its
    address) to anyone counting bundle ids, so it has no page until every film is on the
    store, and the studio's page does not link to it."""
    from storefront.models import TitleStatus

    shown = make_title("Out Now", studio=studio)
    draft = make_title("Secret Sequel", studio=studio, status=TitleStatus.DRAFT)
    bundle = create_bundle(studio, "Both", [shown, draft], 1800, "EUR")
    db.session.commit()

    anonymous = app.test_client()
    for who in (anonymous, viewer_client):
        page = who.get(f"/bundles/{bundle.id}")
        assert page.status_code == 404 and "Secret Sequel" not in page.text
    bought = viewer_client.post(f"/bundles/{bundle.id}/buy", headers={"X-Test-Country": "NO"})
    assert bought.status_code == 404 and "Secret Sequel" not in bought.text
    assert f"/bundles/{bundle.id}" not in anonymous.get(f"/studios/{studio.slug}").text

    draft.status = TitleStatus.PUBLISHED
    db.session.commit()
    assert "Secret Sequel" in anonymous.get(f"/bundles/{bundle.id}").text


def test_a_bundle_holding_a_film_not_yet_released_opens_it_at_its_release(
    make_title, studio, viewer_client, viewer, emu, webhooks
):
    """A bundle bought before one of its films' release gave that film to watch at once,
    ahead of the release every other buyer waits for (pre-orders open only then)."""
    from datetime import timedelta

    from storefront.services.promotion.preorders import set_release
    from storefront.services.watching.access import PlaybackRefused, Refusal, usable_entitlement

    release = (utcnow() + timedelta(days=10)).replace(microsecond=0)
    out = make_title("Out Now", studio=studio)
    coming = make_title("Coming Soon", studio=studio, release_at=release, preorders=True)
    bundle = create_bundle(studio, "Both", [out, coming], 1800, "EUR")
    db.session.commit()

    response = viewer_client.post(f"/bundles/{bundle.id}/buy", headers={"X-Test-Country": "NO"})
    emu.pay(session_id_from(response.location))

    assert usable_entitlement(viewer.id, out.id, utcnow()) is not None
    with pytest.raises(PlaybackRefused) as refused:
        usable_entitlement(viewer.id, coming.id, utcnow())
    assert refused.value.code == Refusal.NOT_RELEASED
    assert usable_entitlement(viewer.id, coming.id, release) is not None
    assert "Pre-ordered: you can watch it from" in viewer_client.get("/library").text

    later = release + timedelta(days=20)
    set_release(coming, later, True, utcnow())
    db.session.commit()
    with pytest.raises(PlaybackRefused):
        usable_entitlement(viewer.id, coming.id, release)
    assert usable_entitlement(viewer.id, coming.id, later) is not None
