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


def test_an_admins_change_to_a_studio_page_records_each_field_with_its_old_and_new_value(
    client, auth, studio, admin
):
    """ "Changed a studio's page" alone does not say whether the admin fixed a typo or
    redirected the studio's mail: the entry keeps each changed field, before and after."""
    before = studio.contact_email
    auth.login(admin.email)
    form = {**STUDIO_FORM, "name": "Renamed", "contact_email": "new@fjord.example"}
    assert client.post(f"/studio/{studio.slug}/edit", data=form).status_code == 302

    [entry] = entries()
    changed = {(c["record"], c["field"]): (c["old"], c["new"]) for c in entry.changes}
    assert changed[("studios", "name")] == ("Fjord Pictures", "Renamed")
    assert changed[("studios", "contact_email")] == (before, "new@fjord.example")
    assert all(c["id"] == studio.id for c in entry.changes)
    page = client.get(f"/admin/studios/{studio.id}").text
    assert "Fjord Pictures" in page and "new@fjord.example" in page and "contact_email" in page
    assert "new@fjord.example" in client.get("/admin/audit").text


def test_the_recorded_changes_keep_no_secrets(studio, filmmaker):
    from storefront.services.accounts import audit

    filmmaker.password_hash = "pbkdf2:sha256:new-secret-hash"
    filmmaker.security_stamp = "stamp-2"
    studio.stripe_account_id = "acct_1Changed"
    changes = audit.changes_of(db.session.new, db.session.dirty, db.session.deleted)
    db.session.rollback()

    text = repr(changes)
    assert "new-secret-hash" not in text and "stamp-2" not in text
    assert {"users"} <= {c["record"] for c in changes}  # that it changed is still said
    assert "acct_1Changed" in text  # shown to the admin on the studio's payment page
