"""Links that leave the store are built from PUBLIC_URL, never from the request's Host."""

from __future__ import annotations

from storefront import create_app
from storefront.config import load_config
from storefront.extensions import db
from storefront.models import OutboxMessage

from .helpers import last_link


def test_reset_link_ignores_a_forged_host_header(client, viewer):
    client.post(
        "/password/forgot",
        data={"email": viewer.email},
        headers={"Host": "evil.example"},
    )
    message = db.session.scalar(db.select(OutboxMessage).filter_by(to=viewer.email))
    link = last_link(message.body)
    assert link.startswith("http://localhost/password/reset/")
    assert "evil.example" not in message.body


def test_invitation_link_ignores_a_forged_host_header(app, filmmaker, studio):
    from storefront.services.accounts.studios import invite_member

    with app.test_request_context("/", headers={"Host": "evil.example"}):
        invite_member(studio, filmmaker, "colleague@example.org")
        db.session.commit()  # mail goes out from a job once the work is committed
    message = db.session.scalar(db.select(OutboxMessage).filter_by(to="colleague@example.org"))
    assert last_link(message.body).startswith("http://localhost/studio/invites/")
    assert "evil.example" not in message.body


def test_production_serves_only_the_public_host(settings):
    settings.update(TRUSTED_HOSTS=["films.example"])
    client = create_app(settings).test_client()
    assert client.get("/healthz", headers={"Host": "films.example"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "films.example:443"}).status_code == 200
    assert client.get("/login", headers={"Host": "evil.example"}).status_code == 400
    forged = client.post(
        "/password/forgot", data={"email": "a@example.org"}, headers={"Host": "evil.example"}
    )
    assert forged.status_code == 400


def test_trusted_hosts_come_from_public_url_in_production():
    production = load_config(
        {"STOREFRONT_ENV": "production", "PUBLIC_URL": "https://films.example/"}
    )
    assert production["TRUSTED_HOSTS"] == ["films.example"]
    assert load_config({"PUBLIC_URL": "http://127.0.0.1:5000"})["TRUSTED_HOSTS"] is None
    extra = load_config({"TRUSTED_HOSTS": "films.example, www.films.example"})
    assert extra["TRUSTED_HOSTS"] == ["films.example", "www.films.example"]
