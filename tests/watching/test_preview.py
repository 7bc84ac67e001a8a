"""Studio preview: members of the owning studio watch their own titles without buying,
anywhere, marked as a preview, without a sale or a stream slot."""

from __future__ import annotations

import pytest

from storefront.extensions import db
from storefront.models import (
    Entitlement,
    LedgerEntry,
    OfferKind,
    Order,
    PlaybackSession,
    StudioMember,
    StudioRole,
    TitleStatus,
)

from .conftest import grant, store_hls
from .test_playback import fetch, start, uris

ONLY_IN_NORWAY = [
    {
        "kind": OfferKind.BUY,
        "amount": 1499,
        "currency": "EUR",
        "territory_mode": "allow",
        "territories": [{"country": "NO"}],
    }
]


@pytest.fixture
def own_film(filmmaker, studio, make_title, hls_package):
    title = make_title("Own Film", studio=studio, offers=ONLY_IN_NORWAY)
    store_hls(title, hls_package)
    return title


def test_a_member_previews_their_own_film_anywhere_without_buying(filmmaker_client, own_film):
    page = filmmaker_client.get(f"/watch/{own_film.slug}", headers={"X-Test-Country": "US"})
    assert page.status_code == 200
    assert 'data-testid="preview-banner"' in page.get_data(as_text=True)

    response = start(filmmaker_client, own_film.slug, country="US")
    assert response.status_code == 200, response.json
    assert response.json["preview"] is True
    master = fetch(filmmaker_client, response.json["master_url"])
    assert master.status_code == 200
    variant = fetch(filmmaker_client, uris(master.get_data(as_text=True))[0])
    assert variant.status_code == 200 and uris(variant.get_data(as_text=True))

    # Not a sale: no order, no entitlement, nothing in the ledger.
    assert db.session.scalar(db.select(db.func.count()).select_from(Order)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Entitlement)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(LedgerEntry)) == 0


def test_every_role_previews_and_outsiders_still_need_to_buy(
    app, own_film, studio, make_user, login_client
):
    finance = make_user("finance@example.org")
    db.session.add(StudioMember(studio_id=studio.id, user_id=finance.id, role=StudioRole.FINANCE))
    db.session.commit()
    assert start(login_client(finance.email), own_film.slug, "NO").status_code == 200

    outsider = make_user("outsider@example.org")
    refused = start(login_client(outsider.email), own_film.slug, "NO")
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "not_entitled"


def test_previews_take_no_stream_slot(settings, filmmaker, own_film, login_client):
    settings["MAX_CONCURRENT_STREAMS"] = 1
    clients = [login_client(filmmaker.email) for _ in range(3)]
    for client in clients:
        assert start(client, own_film.slug, "NO").status_code == 200
    sessions = db.session.scalars(db.select(PlaybackSession)).all()
    assert len(sessions) == 3 and all(s.preview and s.entitlement_id is None for s in sessions)


def test_a_preview_never_starts_a_rental_clock(filmmaker_client, filmmaker, own_film):
    rental = grant(filmmaker, own_film, OfferKind.RENT)
    assert start(filmmaker_client, own_film.slug, "NO").status_code == 200
    db.session.expire_all()
    assert db.session.get(Entitlement, rental.entitlement.id).started_at is None


def test_drafts_are_previewable_by_members_only(
    filmmaker_client, studio, make_title, hls_package, make_user, login_client
):
    draft = make_title("Rough Cut", studio=studio, status=TitleStatus.DRAFT)
    store_hls(draft, hls_package)
    assert filmmaker_client.get(f"/watch/{draft.slug}").status_code == 200
    assert start(filmmaker_client, draft.slug).status_code == 200
    outsider = login_client(make_user("nosy@example.org").email)
    assert outsider.get(f"/watch/{draft.slug}").status_code == 404


def test_leaving_the_studio_stops_the_preview(filmmaker_client, filmmaker, studio, own_film):
    info = start(filmmaker_client, own_film.slug, "NO").json
    assert fetch(filmmaker_client, info["master_url"]).status_code == 200
    member = db.session.scalar(db.select(StudioMember).filter_by(user_id=filmmaker.id))
    db.session.delete(member)
    db.session.commit()
    refused = fetch(filmmaker_client, info["master_url"])
    assert refused.status_code == 403
    assert refused.headers["X-Playback-Refusal"] == "invalid_link"


def test_rights_holders_preview_the_titles_they_hold(
    app, own_film, make_user, make_studio, login_client
):
    from storefront.models import RightsHolder, utcnow

    coproducer = make_user("coproducer@example.org")
    their_studio = make_studio(coproducer, name="Midnattsol AB", country="SE")
    holder = RightsHolder(title_id=own_film.id, studio_id=their_studio.id, email=coproducer.email)
    db.session.add(holder)
    db.session.commit()
    client = login_client(coproducer.email)
    assert start(client, own_film.slug, "US").status_code == 403  # invited, not accepted yet

    holder.accepted_at = utcnow()
    db.session.commit()
    response = start(client, own_film.slug, "US")
    assert response.status_code == 200 and response.json["preview"] is True

    holder.revoked_at = utcnow()
    db.session.commit()
    assert fetch(client, response.json["master_url"]).status_code == 403
