"""Studios: creating one makes a filmmaker; members, invitations and access rules."""

from __future__ import annotations

import pytest

from storefront.extensions import db
from storefront.models import OutboxMessage, Studio, StudioMember

from .conftest import PASSWORD
from .helpers import last_link

STUDIO_FORM = {
    "name": "Aurora Docs",
    "country": "IS",
    "contact_email": "hello@aurora.example",
    "website": "https://aurora.example",
    "bio": "Documentaries from Iceland.",
}


def test_viewer_creates_a_studio_and_becomes_its_owner(viewer_client, viewer):
    response = viewer_client.post("/studio/new", data=STUDIO_FORM)
    assert response.status_code == 302
    studio = db.session.scalar(db.select(Studio).filter_by(name="Aurora Docs"))
    assert studio.slug == "aurora-docs" and studio.country == "IS"
    [member] = studio.members
    assert member.user_id == viewer.id and member.role == "owner"
    page = viewer_client.get(response.headers["Location"])
    assert b"Aurora Docs" in page.data and b"Iceland" in page.data


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("country", "XX", b"Choose a country from the list."),
        ("website", "not a url", b"Enter a full web address"),
        ("contact_email", "nope", b"Invalid email address"),
        ("name", "", b"This field is required."),
    ],
)
def test_bad_studio_input_is_refused_and_nothing_saved(viewer_client, field, value, message):
    response = viewer_client.post("/studio/new", data={**STUDIO_FORM, field: value})
    assert response.status_code == 400
    assert message in response.data
    assert db.session.scalar(db.select(db.func.count(Studio.id))) == 0


def test_a_bare_domain_is_taken_as_its_https_address(viewer_client):
    """People type "aurora.example", as other stores accept; it was refused."""
    response = viewer_client.post(
        "/studio/new", data={**STUDIO_FORM, "website": " aurora.example "}
    )
    assert response.status_code == 302
    studio = db.session.scalar(db.select(Studio).filter_by(name="Aurora Docs"))
    assert studio.website == "https://aurora.example"


def test_slugs_stay_unique(viewer_client):
    viewer_client.post("/studio/new", data=STUDIO_FORM)
    viewer_client.post("/studio/new", data=STUDIO_FORM)
    slugs = sorted(db.session.scalars(db.select(Studio.slug)))
    assert slugs == ["aurora-docs", "aurora-docs-2"]


@pytest.mark.parametrize(
    "path", ["/studio/{slug}/", "/studio/{slug}/members", "/studio/{slug}/edit"]
)
def test_non_members_cannot_see_a_studio(viewer_client, studio, path):
    assert viewer_client.get(path.format(slug=studio.slug)).status_code == 404


@pytest.mark.parametrize("path", ["/studio/", "/studio/new", "/account/"])
def test_login_required(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]


def test_owner_invites_a_member_who_accepts(app, client, auth, studio, filmmaker, make_user):
    invitee = make_user("colleague@example.org")
    auth.login(filmmaker.email)
    response = client.post(
        f"/studio/{studio.slug}/members", data={"email": "Colleague@example.org"}
    )
    assert response.status_code == 302
    message = db.session.scalar(db.select(OutboxMessage).filter_by(to="colleague@example.org"))
    link = last_link(message.body).replace("http://localhost", "")
    auth.logout()

    auth.login(invitee.email)
    assert client.post(link).status_code == 302
    assert client.get(f"/studio/{studio.slug}/").status_code == 200
    # A manager is not an owner: cannot edit the profile or invite.
    assert client.get(f"/studio/{studio.slug}/edit").status_code == 403
    assert (
        client.post(f"/studio/{studio.slug}/members", data={"email": "x@example.org"}).status_code
        == 403
    )


def test_invitation_cannot_be_used_by_another_account(client, auth, studio, filmmaker, make_user):
    make_user("colleague@example.org")
    stranger = make_user("stranger@example.org")
    auth.login(filmmaker.email)
    client.post(f"/studio/{studio.slug}/members", data={"email": "colleague@example.org"})
    link = last_link(db.session.scalar(db.select(OutboxMessage.body))).replace(
        "http://localhost", ""
    )
    auth.logout()
    auth.login(stranger.email)
    response = client.post(link)
    assert response.status_code == 400 and b"another email address" in response.data
    assert b"colleague@example.org" not in response.data  # the link tells nobody who
    assert client.get(f"/studio/{studio.slug}/").status_code == 404


def test_tampered_invitation_is_refused(viewer_client):
    response = viewer_client.post("/studio/invites/not-a-real-token")
    assert response.status_code == 400 and b"not valid" in response.data


def test_inviting_an_existing_member_is_refused(filmmaker_client, studio, filmmaker):
    response = filmmaker_client.post(
        f"/studio/{studio.slug}/members", data={"email": filmmaker.email}
    )
    assert response.status_code == 400 and b"already a member" in response.data


def test_last_owner_cannot_be_removed(filmmaker_client, studio, filmmaker):
    member = db.session.scalar(db.select(StudioMember).filter_by(user_id=filmmaker.id))
    response = filmmaker_client.post(
        f"/studio/{studio.slug}/members/{member.id}/remove", follow_redirects=True
    )
    assert b"at least one owner" in response.data
    assert db.session.scalar(db.select(db.func.count(StudioMember.id))) == 1


def test_owner_edits_profile(filmmaker_client, studio):
    response = filmmaker_client.post(
        f"/studio/{studio.slug}/edit", data={**STUDIO_FORM, "name": "Renamed"}
    )
    assert response.status_code == 302
    db.session.refresh(studio)
    assert studio.name == "Renamed" and studio.country == "IS"


def test_admin_can_open_any_studio(client, auth, studio, admin):
    auth.login(admin.email, PASSWORD)
    assert client.get(f"/studio/{studio.slug}/").status_code == 200


def invite(client, studio, email: str, role: str = "manager"):
    return client.post(f"/studio/{studio.slug}/members", data={"email": email, "role": role})


def invitation_link(email: str) -> str:
    body = db.session.scalar(
        db.select(OutboxMessage.body).filter_by(to=email).order_by(OutboxMessage.id.desc())
    )
    return last_link(body).replace("http://localhost", "")


def test_a_removed_member_cannot_use_their_invitation_again(
    client, auth, studio, filmmaker, make_user
):
    colleague = make_user("colleague@example.org")
    auth.login(filmmaker.email)
    invite(client, studio, colleague.email)
    link = invitation_link(colleague.email)
    auth.logout()
    auth.login(colleague.email)
    assert client.post(link).status_code == 302
    auth.logout()

    auth.login(filmmaker.email)
    member = db.session.scalar(db.select(StudioMember).filter_by(user_id=colleague.id))
    client.post(f"/studio/{studio.slug}/members/{member.id}/remove")
    auth.logout()

    auth.login(colleague.email)
    again = client.post(link)
    assert again.status_code == 400 and b"already been used" in again.data
    assert client.get(f"/studio/{studio.slug}/").status_code == 404


def test_an_invitation_needs_the_invited_address_confirmed(
    client, auth, studio, filmmaker, make_user
):
    colleague = make_user("colleague@example.org", verified=False)
    auth.login(filmmaker.email)
    invite(client, studio, colleague.email)
    link = invitation_link(colleague.email)
    auth.logout()
    auth.login(colleague.email)
    refused = client.post(link)
    assert refused.status_code == 403 and b"Confirm your email address" in refused.data
    assert client.get(f"/studio/{studio.slug}/").status_code == 404


def test_changing_ones_email_to_the_invited_one_does_not_claim_the_invitation(
    client, auth, studio, filmmaker, make_user
):
    attacker = make_user("attacker@example.org")
    auth.login(filmmaker.email)
    invite(client, studio, "colleague@example.org")
    link = invitation_link("colleague@example.org")
    auth.logout()

    auth.login(attacker.email)
    client.post(
        "/account/",
        data={
            "action": "email",
            "email-email": "colleague@example.org",
            "email-current_password": PASSWORD,
        },
    )
    db.session.refresh(attacker)
    assert attacker.email == "attacker@example.org"  # unchanged until the address confirms
    assert client.post(link).status_code == 400
    assert client.get(f"/studio/{studio.slug}/").status_code == 404


def test_the_invited_role_is_the_one_granted(client, auth, studio, filmmaker, make_user):
    colleague = make_user("colleague@example.org")
    auth.login(filmmaker.email)
    invite(client, studio, colleague.email, role="finance")
    link = invitation_link(colleague.email)
    auth.logout()
    auth.login(colleague.email)
    client.post(link)
    member = db.session.scalar(db.select(StudioMember).filter_by(user_id=colleague.id))
    assert member.role == "finance"


def test_invitation_mails_open_with_the_stores_words_not_the_inviters(
    client, auth, studio, filmmaker
):
    filmmaker.display_name = "WIN A PRIZE: visit http://spam.example\nClaim now"
    studio.name = "Cheap pills at http://spam.example"
    db.session.commit()
    auth.login(filmmaker.email)
    invite(client, studio, "target@example.org")
    message = db.session.scalar(db.select(OutboxMessage).filter_by(to="target@example.org"))
    assert message.subject == "Invitation to a studio on Storefront"
    first_lines = "\n".join(message.body.splitlines()[:6])
    assert "spam.example" not in first_lines and "PRIZE" not in first_lines
    assert "Claim now" not in message.body.split("Invited by:")[1].splitlines()[1:]
    assert last_link(first_lines).startswith("http://localhost/studio/invites/")


def test_invitations_are_limited_per_account_and_per_studio(app, client, auth, studio, filmmaker):
    app.config.update(INVITES_PER_ACCOUNT_DAY=3, INVITES_PER_STUDIO_DAY=5)
    auth.login(filmmaker.email)
    statuses = [invite(client, studio, f"p{n}@example.org").status_code for n in range(4)]
    assert statuses == [302, 302, 302, 400]
    assert db.session.scalar(db.select(db.func.count(OutboxMessage.id))) == 3


def test_an_unconfirmed_account_can_neither_create_a_studio_nor_invite(client, auth, make_user):
    fresh = make_user("fresh@example.org", verified=False)
    auth.login(fresh.email)
    page = client.post("/studio/new", data=STUDIO_FORM)
    assert page.status_code == 403 and b"confirmed" in page.data
    assert db.session.scalar(db.select(db.func.count(Studio.id))) == 0


def test_studios_an_account_may_own_are_limited(app, viewer_client, viewer, make_studio, make_user):
    # Each studio has its own invitation allowance: unlimited studios meant unlimited mail.
    app.config["STUDIOS_PER_ACCOUNT"] = 2
    make_studio(make_user("other@example.org"), name="Not Theirs")  # another's counts not
    first = viewer_client.post("/studio/new", data=STUDIO_FORM)
    second = viewer_client.post("/studio/new", data={**STUDIO_FORM, "name": "Second"})
    assert first.status_code == second.status_code == 302
    refused = viewer_client.post("/studio/new", data={**STUDIO_FORM, "name": "Third"})
    assert refused.status_code == 400
    assert b"the most studios one account may own (2)" in refused.data
    owned = db.select(db.func.count(StudioMember.id)).filter_by(user_id=viewer.id)
    assert db.session.scalar(owned) == 2
    # The form says so before anything is typed, in the viewer's language.
    page = viewer_client.get("/studio/new")
    assert b"the most studios one account may own (2)" in page.data
    viewer.locale = "fr"
    db.session.commit()
    assert b"nombre maximal de studios" in viewer_client.get("/studio/new").data
    # The operator's own admins open studios for others.
    admin = make_user("admin@example.org", admin=True)
    for n in range(3):
        make_studio(admin, name=f"Operator {n}")


def test_being_invited_into_studios_is_not_owning_them(app, client, auth, make_studio, make_user):
    app.config["STUDIOS_PER_ACCOUNT"] = 1
    member = make_user("crew@example.org")
    studio = make_studio(make_user("owner@example.org"))
    studio.members.append(StudioMember(user=member, role="manager"))
    db.session.commit()
    auth.login(member.email)
    assert client.post("/studio/new", data=STUDIO_FORM).status_code == 302
