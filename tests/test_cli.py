"""Operator commands: admins, demo data."""

from __future__ import annotations

from storefront.cli import DEMO_ACCOUNTS, DEMO_PASSWORD
from storefront.extensions import db
from storefront.models import (
    AssetStatus,
    AudioKind,
    AudioTrack,
    ImageStatus,
    MediaAsset,
    Offer,
    PromoCode,
    Screener,
    Studio,
    StudioMember,
    SubtitleTrack,
    Title,
    TitleImage,
    TitleStatus,
    TitleText,
    User,
    utcnow,
)


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_create_admin_creates_or_promotes(app, viewer):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-admin", viewer.email])
    assert result.exit_code == 0, result.output
    db.session.refresh(viewer)
    assert viewer.is_admin

    result = runner.invoke(
        args=["create-admin", "boss@example.org", "--password", "long enough secret"]
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(db.select(User).filter_by(email="boss@example.org")).is_admin


def test_create_admin_refuses_a_weak_password(app):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "boss@example.org", "--password", "short"]
    )
    assert result.exit_code != 0 and "at least 10" in result.output
    assert count(User) == 0


def test_demo_data_is_idempotent_and_logins_work(app, client, auth):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo-data"])
    assert first.exit_code == 0, first.output
    snapshot = (count(User), count(Studio), count(StudioMember))
    second = runner.invoke(args=["demo-data"])
    assert second.exit_code == 0
    # Four logins, three demo buyers of the co-production, the demo festival's organiser; the
    # filmmaker's, the co-producer's and the festival's studios.
    assert (count(User), count(Studio), count(StudioMember)) == snapshot == (8, 3, 3)
    # The demo films are on sale and, once the worker has run, playable.
    titles = db.session.scalars(db.select(Title)).all()
    assert len(titles) == 4 and all(t.status == TitleStatus.PUBLISHED for t in titles)
    assert count(Offer) == 8
    # The selling tools: a promo code, a comp code and a title taking pre-orders.
    codes = set(db.session.scalars(db.select(PromoCode.code)))
    assert codes == {"NEWSLETTER20", "CASTANDCREW"}
    (upcoming,) = [t for t in titles if t.preorders]
    assert upcoming.release_at > utcnow()
    (screener,) = db.session.scalars(db.select(Screener)).all()
    assert screener.recipient_email == "critic@demo.example.org"
    assert count(SubtitleTrack) == 2  # timed English subtitles on each demo film
    assets = db.session.scalars(db.select(MediaAsset)).all()
    assert len(assets) == 3 and {a.status for a in assets} == {AssetStatus.READY}
    assert client.get("/films").text.count("€3.99") == 2
    # Every demo film has a drawn poster, resized by the worker and shown on the catalogue.
    posters = db.session.scalars(db.select(TitleImage)).all()
    assert {p.title_id for p in posters} == {t.id for t in titles}
    assert {p.status for p in posters} == {ImageStatus.READY}
    assert client.get("/films").text.count('loading="lazy" width="171" height="256"') == 4
    # The Long Winter speaks several languages: texts in three more, three audio tracks.
    winter = db.session.scalar(db.select(Title).filter_by(name="The Long Winter"))
    texts = db.session.scalars(db.select(TitleText).filter_by(title_id=winter.id)).all()
    assert 'alt="Poster of The Long Winter"' in client.get(f"/films/{winter.slug}").text
    assert sorted(t.language for t in texts) == ["fr", "ja", "nb"]
    sounds = db.session.scalars(
        db.select(AudioTrack).filter_by(title_id=winter.id).order_by(AudioTrack.position)
    ).all()
    assert [(a.language, a.kind) for a in sounds] == [
        ("en", AudioKind.MAIN),
        ("fr", AudioKind.DUBBED),
        ("en", AudioKind.DESCRIPTION),
    ]
    assert "Le Long Hiver" in client.get("/films", headers={"Accept-Language": "fr"}).text
    for email in DEMO_ACCOUNTS.values():
        assert email in first.output
        assert auth.login(email, DEMO_PASSWORD).status_code == 302
        auth.logout()
    auth.login(DEMO_ACCOUNTS["filmmaker"], DEMO_PASSWORD)
    assert client.get("/studio/", follow_redirects=True).status_code == 200
    auth.logout()
    auth.login(DEMO_ACCOUNTS["admin"], DEMO_PASSWORD)
    assert client.get("/admin/outbox").status_code == 200


def test_demo_coproduction_sold_in_three_territories_pays_each_holder(app, client, auth):
    from storefront.models import HolderPayout

    assert app.test_cli_runner().invoke(args=["demo-data"]).exit_code == 0

    paid = db.session.scalars(db.select(HolderPayout).order_by(HolderPayout.id)).all()
    owner = db.session.scalar(db.select(Studio).filter_by(slug="north-light-films"))
    belgian = db.session.scalar(db.select(Studio).filter_by(slug="bruxelles-films"))
    # Norway 100 % owner, Belgium 100 % co-producer, Germany 60/40 (12.31 each after fees).
    assert sorted((p.studio_id, p.amount) for p in paid) == sorted(
        [(owner.id, 1231), (belgian.id, 1231), (owner.id, 739), (belgian.id, 492)]
    )
    assert {p.status for p in paid} == {"paid"}
    auth.login(DEMO_ACCOUNTS["coproducer"], DEMO_PASSWORD)
    shares = client.get("/studio/bruxelles-films/holdings")
    assert 'data-testid="received-EUR">€17.23' in shares.text


def test_admin_area_is_for_admins_only(client, auth, viewer):
    assert client.get("/admin/").status_code == 302
    auth.login(viewer.email)
    assert client.get("/admin/").status_code == 403
    assert client.get("/admin/outbox").status_code == 403


def test_demo_data_refuses_to_run_in_production(app):
    app.config["PRODUCTION"] = True
    result = app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code != 0 and "never runs in production" in result.output
    assert db.session.scalar(db.select(User).filter_by(email=DEMO_ACCOUNTS["admin"])) is None


def test_create_admin_refuses_an_address_that_is_not_one(app):
    # An admin whose login is no email address can never receive a password reset.
    result = app.test_cli_runner().invoke(
        args=["create-admin", "boss-at-example", "--password", "long enough secret"]
    )
    assert result.exit_code == 2 and "EMAIL" in result.output
    assert "Traceback" not in result.output
    assert count(User) == 0


def test_worker_refuses_zero_threads(app):
    # Zero threads started a worker that ran nothing, forever and without a word.
    result = app.test_cli_runner().invoke(args=["worker", "--workers", "0"])
    assert result.exit_code == 2 and "--workers" in result.output


def test_storage_init_refuses_what_is_not_an_origin(app):
    # No browser sends "films.example" or a path as its origin: uploads would all be refused.
    runner = app.test_cli_runner()
    for origin in ("films.example", "ftp://films.example", "https://films.example/upload"):
        result = runner.invoke(args=["storage", "init", "--origin", origin])
        assert result.exit_code == 2 and "--origin" in result.output, result.output
    ok = runner.invoke(args=["storage", "init", "--origin", "https://films.example:8443"])
    assert ok.exit_code == 0, ok.output
