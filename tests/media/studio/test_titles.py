"""The studio's title pages: create, edit, bad input, status, access, deletion."""

from __future__ import annotations

import pytest

from storefront.extensions import db
from storefront.models import (
    AssetKind,
    AssetStatus,
    CreditRole,
    EntryType,
    LedgerEntry,
    MediaAsset,
    OfferKind,
    Order,
    Title,
    TitleCredit,
    TitleFacet,
    TitleStatus,
)

from .conftest import reload

GOOD = {
    "name": "The Long Winter",
    "original_name": "Den lange vinteren",
    "synopsis": "A fishing village waits for the sun.",
    "year": "2024",
    "genres": ["documentary", "drama"],
    "languages": ["no", "se"],
    "countries": ["NO", "SE", "FI"],
    "directors": "Ingrid Holm",
    "writers": "Ingrid Holm\nPer Lind",
    "cast": "Aslak Sara\nMarit Berg\n\nMarit Berg",
    "producers": "Nordlys AS",
    "co_producers": "Midnattsol AB",
    "content_advisory": "Scenes of hunting",
    "festival_selections": "Tromsø IFF 2025\nCPH:DOX 2025",
    "rental_start_days": "30",
    "rental_watch_hours": "48",
}


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def facets(title: Title) -> set[tuple[str, str]]:
    rows = db.session.scalars(db.select(TitleFacet).filter_by(title_id=title.id))
    return {(f.kind.value, f.value) for f in rows}


def credits(title: Title) -> list[tuple[str, str]]:
    rows = db.session.scalars(
        db.select(TitleCredit)
        .filter_by(title_id=title.id)
        .order_by(TitleCredit.role, TitleCredit.position)
    )
    return [(c.role.value, c.name) for c in rows]


def test_a_member_creates_a_title_with_everything_that_describes_it(filmmaker_client, studio):
    page = filmmaker_client.get(f"/studio/{studio.slug}/titles/new")
    assert page.status_code == 200 and "Countries of production" in page.text

    response = filmmaker_client.post(f"/studio/{studio.slug}/titles/new", data=GOOD)
    title = db.session.scalar(db.select(Title))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/studio/{studio.slug}/titles/{title.id}/media")
    assert (title.name, title.original_name, title.year, title.status) == (
        "The Long Winter",
        "Den lange vinteren",
        2024,
        TitleStatus.DRAFT,
    )
    assert title.slug == "the-long-winter"
    assert title.festival_selections == ["Tromsø IFF 2025", "CPH:DOX 2025"]
    assert (title.rental_start_days, title.rental_watch_hours) == (30, 48)
    assert facets(title) == {
        ("genre", "documentary"),
        ("genre", "drama"),
        ("language", "no"),
        ("language", "se"),
        ("country", "NO"),
        ("country", "SE"),
        ("country", "FI"),
    }
    assert credits(title) == [
        ("cast", "Aslak Sara"),
        ("cast", "Marit Berg"),
        ("co_producer", "Midnattsol AB"),
        ("director", "Ingrid Holm"),
        ("producer", "Nordlys AS"),
        ("writer", "Ingrid Holm"),
        ("writer", "Per Lind"),
    ]
    overview = filmmaker_client.get(f"/studio/{studio.slug}/")
    assert "The Long Winter" in overview.text and "Draft" in overview.text


def test_editing_replaces_facets_and_credits(filmmaker_client, studio):
    filmmaker_client.post(f"/studio/{studio.slug}/titles/new", data=GOOD)
    title = db.session.scalar(db.select(Title))
    url = f"/studio/{studio.slug}/titles/{title.id}/"
    form = filmmaker_client.get(url)
    assert "Den lange vinteren" in form.text and "Per Lind" in form.text

    changed = {**GOOD, "genres": ["drama"], "countries": ["NO", "DK"], "cast": "Marit Berg"}
    assert filmmaker_client.post(url, data=changed).status_code == 302
    title = reload(title)
    assert ("country", "DK") in facets(title) and ("country", "SE") not in facets(title)
    assert ("genre", "documentary") not in facets(title)
    assert [name for role, name in credits(title) if role == "cast"] == ["Marit Berg"]
    assert title.slug == "the-long-winter"  # links keep working after a rename


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "  "}, "This field is required."),
        ({"year": "1700"}, "Enter a year between 1888"),
        ({"year": "soon"}, "Not a valid integer value."),
        ({"rental_start_days": "0"}, "Number must be between 1 and 365."),
        ({"rental_start_days": "400"}, "Number must be between 1 and 365."),
        ({"rental_watch_hours": "1000"}, "Number must be between 1 and 720."),
        ({"rental_watch_hours": ""}, "This field is required."),
        ({"languages": ["xx"]}, "is not one of the choices"),
        ({"countries": ["NO", "XX"]}, "is not one of the choices"),
        ({"genres": ["polka"]}, "is not one of the choices"),
        ({"content_advisory": "x" * 256}, "Use at most 255 characters."),
        ({"cast": "y" * 201}, "at most 200 characters each"),
    ],
)
def test_bad_input_is_refused_next_to_the_field_and_nothing_is_saved(
    filmmaker_client, studio, make_title, change, message
):
    response = filmmaker_client.post(f"/studio/{studio.slug}/titles/new", data={**GOOD, **change})
    assert response.status_code == 400
    assert message in response.text and 'class="error"' in response.text
    assert count(Title) == count(TitleFacet) == count(TitleCredit) == 0

    title = make_title("Kept", studio=studio, status=TitleStatus.DRAFT)
    edit = filmmaker_client.post(
        f"/studio/{studio.slug}/titles/{title.id}/", data={**GOOD, **change}
    )
    assert edit.status_code == 400 and message in edit.text
    title = reload(title)
    assert title.name == "Kept" and facets(title) == set() and credits(title) == []


def test_the_service_checks_the_rules_too(app, studio):
    from storefront.services.catalog.titles import TitleData, TitleInvalid, create_title

    with pytest.raises(TitleInvalid) as caught:
        create_title(
            studio,
            TitleData(
                name="X",
                languages=["zz"],
                rental_start_days=0,
                credits={CreditRole.CAST: ["a" * 300]},
            ),
        )
    assert set(caught.value.errors) == {"languages", "rental_start_days", "credits_cast"}
    db.session.rollback()
    assert count(Title) == 0


@pytest.mark.parametrize("path", ["/", "/media", "/delete", "/media/status"])
def test_only_members_see_a_title(client, auth, make_user, make_title, studio, path):
    title = make_title("Secret", studio=studio, status=TitleStatus.DRAFT)
    url = f"/studio/{studio.slug}/titles/{title.id}{path}"
    assert client.get(url).status_code == 302  # anonymous: log in first
    auth.login(make_user("stranger@example.org").email)
    assert client.get(url).status_code == 404


def test_a_title_of_another_studio_is_not_found_under_this_one(
    filmmaker_client, studio, make_studio, make_title
):
    foreign = make_title("Foreign", studio=make_studio(name="Other Pictures"))
    assert filmmaker_client.get(f"/studio/{studio.slug}/titles/{foreign.id}/").status_code == 404
    response = filmmaker_client.post(
        f"/studio/{studio.slug}/titles/{foreign.id}/status", data={"action": "remove"}
    )
    assert response.status_code == 404 and reload(foreign).status == TitleStatus.PUBLISHED


def ready_feature(title: Title) -> MediaAsset:
    asset = MediaAsset(
        title_id=title.id,
        kind=AssetKind.FEATURE,
        status=AssetStatus.READY,
        original_filename="film.mov",
        size_bytes=10,
        source_key=f"titles/{title.id}/source/1.mov",
    )
    db.session.add(asset)
    db.session.commit()
    return asset


def test_publishing_needs_a_ready_film_then_moves_through_the_store_states(
    filmmaker_client, studio, make_title
):
    title = make_title("Soon", studio=studio, status=TitleStatus.READY)
    status_url = f"/studio/{studio.slug}/titles/{title.id}/status"
    page = filmmaker_client.get(f"/studio/{studio.slug}/titles/{title.id}/")
    assert "has not been uploaded and processed yet" in page.text

    refused = filmmaker_client.post(status_url, data={"action": "publish"}, follow_redirects=True)
    assert "has not been uploaded and processed yet" in refused.text
    assert reload(title).status == TitleStatus.READY

    ready_feature(title)
    filmmaker_client.post(status_url, data={"action": "publish"})
    title = reload(title)
    assert title.status == TitleStatus.PUBLISHED and title.published_at is not None
    filmmaker_client.post(status_url, data={"action": "unlist"})
    assert reload(title).status == TitleStatus.UNLISTED
    filmmaker_client.post(status_url, data={"action": "remove"})
    assert reload(title).status == TitleStatus.REMOVED
    filmmaker_client.post(status_url, data={"action": "publish"})
    assert reload(title).status == TitleStatus.PUBLISHED


def test_in_connect_mode_a_title_goes_on_sale_only_once_its_studio_can_be_paid(
    app, filmmaker_client, studio, make_title
):
    app.config.update(
        PAYMENTS_BACKEND="stripe",
        STRIPE_CONNECT=True,
        STRIPE_SECRET_KEY="sk_test_x",
        STRIPE_WEBHOOK_SECRET="whsec_x",
    )
    title = make_title("Paid Later", studio=studio, status=TitleStatus.READY)
    ready_feature(title)
    status_url = f"/studio/{studio.slug}/titles/{title.id}/status"
    refused = filmmaker_client.post(status_url, data={"action": "publish"}, follow_redirects=True)
    assert "has not connected a Stripe account" in refused.text
    assert reload(title).status == TitleStatus.READY

    studio.stripe_account_id, studio.charges_enabled = "acct_test_1", True
    db.session.commit()
    filmmaker_client.post(status_url, data={"action": "publish"})
    assert reload(title).status == TitleStatus.PUBLISHED


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (TitleStatus.DRAFT, "publish"),
        (TitleStatus.PROCESSING, "unlist"),
        (TitleStatus.DRAFT, "remove"),
        (TitleStatus.READY, "explode"),
    ],
)
def test_transitions_that_make_no_sense_are_refused(
    filmmaker_client, studio, make_title, status, action
):
    title = make_title("Stuck", studio=studio, status=status)
    ready_feature(title)
    response = filmmaker_client.post(
        f"/studio/{studio.slug}/titles/{title.id}/status",
        data={"action": action},
        follow_redirects=True,
    )
    assert "flash-error" in response.text
    assert reload(title).status == status


def test_the_title_tabs_link_details_media_and_offers(app, studio, make_title, filmmaker_client):
    title = make_title("Tabs", studio=studio, status=TitleStatus.DRAFT)
    page = filmmaker_client.get(f"/studio/{studio.slug}/titles/{title.id}/media")
    assert ">Details<" in page.text and ">Media<" in page.text and ">Offers<" in page.text
    offers = f"/studio/{studio.slug}/titles/{title.id}/offers"
    assert f'href="{offers}"' in page.text and filmmaker_client.get(offers).status_code == 200


def test_deleting_a_title_removes_its_files_and_keeps_its_sales(
    backend, filmmaker_client, studio, make_title, viewer, storage
):
    title = make_title("Gone", studio=studio)
    ready_feature(title)
    order = Order(
        public_id="order-1",
        user_id=viewer.id,
        title_id=title.id,
        studio_id=studio.id,
        kind=OfferKind.BUY,
        amount=1200,
        currency="EUR",
        title_name="Gone",
        studio_name=studio.name,
        provider="offline",
        status="paid",
    )
    db.session.add(order)
    db.session.flush()
    db.session.add(
        LedgerEntry(
            entry_type=EntryType.SALE,
            order_id=order.id,
            title_id=title.id,
            studio_id=studio.id,
            title_name="Gone",
            kind=OfferKind.BUY,
            currency="EUR",
            gross=1200,
            net=1200,
            provider="offline",
            source_event_id="evt_1",
        )
    )
    db.session.commit()
    prefix = f"titles/{title.id}/"
    storage.put(prefix + "source/1.mov", b"film", "video/quicktime")
    storage.put(prefix + "renditions/1/720p/seg_00000.ts", b"ts", "video/mp2t")
    storage.put(prefix + "posters/poster-1-w240.jpg", b"jpg", "image/jpeg")
    storage.create_multipart(prefix + "source/2.mov", "video/quicktime")
    storage.put("titles/999/source/1.mov", b"another title's film", "video/quicktime")
    url = f"/studio/{studio.slug}/titles/{title.id}/delete"

    page = filmmaker_client.get(url)
    assert "1 order was placed for this film" in page.text
    wrong = filmmaker_client.post(url, data={"confirm_name": "gone"})
    assert wrong.status_code == 400 and db.session.get(Title, title.id) is not None
    assert storage.exists(prefix + "source/1.mov")

    title_id = title.id
    assert filmmaker_client.post(url, data={"confirm_name": "Gone"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Title, title_id) is None and count(MediaAsset) == 0
    assert not storage.exists(prefix + "source/1.mov")
    assert not storage.exists(prefix + "renditions/1/720p/seg_00000.ts")
    assert not storage.exists(prefix + "posters/poster-1-w240.jpg")
    assert storage.list_multipart_uploads(prefix) == []
    assert storage.exists("titles/999/source/1.mov")
    kept = db.session.get(Order, order.id)
    assert kept.title_id is None and kept.title_name == "Gone"
    entry = db.session.scalar(db.select(LedgerEntry))
    assert entry.title_id is None and entry.title_name == "Gone" and entry.gross == 1200


def test_the_runtime_measured_from_the_film_is_shown(filmmaker_client, studio, make_title):
    title = make_title("Measured", studio=studio, status=TitleStatus.READY, runtime_seconds=5381)
    page = filmmaker_client.get(f"/studio/{studio.slug}/titles/{title.id}/")
    assert "Runtime: 1 h 30 min" in page.text
