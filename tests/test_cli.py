"""Operator commands: admins, demo data."""

from __future__ import annotations

from storefront.cli import DEMO_ACCOUNTS, DEMO_PASSWORD
from storefront.extensions import db
from storefront.models import (
    AssetStatus,
    MediaAsset,
    Offer,
    Studio,
    StudioMember,
    SubtitleTrack,
    Title,
    TitleStatus,
    User,
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
    assert (count(User), count(Studio), count(StudioMember)) == snapshot == (3, 1, 1)
    # The demo films are on sale and, once the worker has run, playable.
    titles = db.session.scalars(db.select(Title)).all()
    assert len(titles) == 2 and all(t.status == TitleStatus.PUBLISHED for t in titles)
    assert count(Offer) == 4
    assert count(SubtitleTrack) == 2  # timed English subtitles on each demo film
    assets = db.session.scalars(db.select(MediaAsset)).all()
    assert len(assets) == 2 and {a.status for a in assets} == {AssetStatus.READY}
    assert client.get("/films").text.count("€3.99") == 2
    for email in DEMO_ACCOUNTS.values():
        assert email in first.output
        assert auth.login(email, DEMO_PASSWORD).status_code == 302
        auth.logout()
    auth.login(DEMO_ACCOUNTS["filmmaker"], DEMO_PASSWORD)
    assert client.get("/studio/", follow_redirects=True).status_code == 200
    auth.logout()
    auth.login(DEMO_ACCOUNTS["admin"], DEMO_PASSWORD)
    assert client.get("/admin/outbox").status_code == 200


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
