"""Admins may act in any studio's pages: what one changes in a studio not theirs is in the
audit log, and nothing else is."""

from __future__ import annotations

from storefront.extensions import db
from storefront.models import AdminAction, StudioMember

from .test_studios import STUDIO_FORM


def entries() -> list[AdminAction]:
    return list(db.session.scalars(db.select(AdminAction).order_by(AdminAction.id)))


def test_an_admin_changing_a_studio_not_theirs_is_audited(
    app, client, auth, studio, filmmaker, admin
):
    owner_client = app.test_client()
    owner_client.post(
        "/login", data={"email": filmmaker.email, "password": "correct horse battery"}
    )
    assert owner_client.post(f"/studio/{studio.slug}/edit", data=STUDIO_FORM).status_code == 302
    assert entries() == []  # the studio's own owner: not an admin action

    auth.login(admin.email)
    bad = client.post(f"/studio/{studio.slug}/edit", data={**STUDIO_FORM, "name": ""})
    assert bad.status_code == 400
    owner = db.session.scalar(db.select(StudioMember).filter_by(user_id=filmmaker.id))
    refused = client.post(f"/studio/{studio.slug}/members/{owner.id}/remove")
    assert refused.status_code == 302  # "a studio needs an owner": nothing changed
    assert entries() == []

    done = client.post(f"/studio/{studio.slug}/edit", data={**STUDIO_FORM, "name": "Renamed"})
    assert done.status_code == 302

    [entry] = entries()
    assert (entry.action, entry.target_type, entry.target_id) == (
        "studio.edit",
        "studio",
        studio.id,
    )
    assert entry.admin_id == admin.id and "studio.edit" in entry.detail
    log = client.get("/admin/audit").text
    assert "Changed a studio" in log and "Renamed" in log
    studio_page = client.get(f"/admin/studios/{studio.id}").text
    assert "Changed a studio" in studio_page and admin.email in studio_page


def test_the_outbox_does_not_hand_admins_working_reset_links_when_mail_is_delivered(
    app, client, admin_client, viewer
):
    """With real delivery, only the reader may use a reset link: an admin copying one from
    the outbox could take the account over, unseen by the audit log. Without SMTP the
    outbox is how a test install reads its mail, and keeps the link."""
    from storefront.models import OutboxMessage

    client.post("/password/forgot", data={"email": viewer.email})
    message = db.session.scalar(db.select(OutboxMessage).filter_by(to=viewer.email))
    token = message.body.split("/password/reset/", 1)[1].split()[0]
    page = f"/admin/outbox/{message.id}"
    assert token in admin_client.get(page).text

    app.config["SMTP_HOST"] = "smtp.example.org"
    shown = admin_client.get(page).text
    assert token not in shown and "/password/reset/" in shown


def test_hidden_links_under_a_public_url_with_a_path(app):
    from storefront.public_urls import public_url_for, without_secrets

    app.config["PUBLIC_URL"] = "https://films.example/store"
    link = public_url_for("auth.reset_password", token="abc.def.ghi")
    hidden = without_secrets(f"Open {link}\nor {public_url_for('store.home')}")
    assert (
        hidden
        == "Open https://films.example/store/password/reset/…\nor https://films.example/store/"
    )
