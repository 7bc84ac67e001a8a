"""The operator's account and studio pages: search, essentials, suspension and its audit log."""

from __future__ import annotations

import pytest

from storefront.extensions import db
from storefront.models import AdminAction, Order, StudioMember, StudioRole, TitleStatus, User

from .conftest import PASSWORD
from .watching.conftest import grant

SUSPENDED_AT_LOGIN = b"This account is suspended"


def test_accounts_are_found_by_email_and_paged(app, admin_client, make_user, monkeypatch):
    from storefront.web import admin_accounts

    monkeypatch.setattr(admin_accounts, "PAGE_SIZE", 2)
    for name in ("ana", "bjorn", "carla"):
        make_user(f"{name}@films.example")
    make_user("percent%sign@example.org")
    found = admin_client.get("/admin/users?q=FILMS.example")
    assert found.status_code == 200 and b"3 accounts found" in found.data
    assert found.data.count(b"@films.example</a>") == 2  # a page of two, newest first
    assert b"carla@films.example" in found.data and b"ana@films.example" not in found.data
    second = admin_client.get("/admin/users?q=FILMS.example&page=2")
    assert b"ana@films.example" in second.data and b"carla@" not in second.data
    # Search text is text: % and _ match themselves, not everything.
    literal = admin_client.get("/admin/users?q=%25")
    assert b"1 account found" in literal.data and b"percent%sign@example.org" in literal.data
    assert b"No account matches" in admin_client.get("/admin/users?q=nobody").data


def test_studios_are_found_by_name_whatever_its_case(admin_client, make_studio, make_user):
    make_studio(make_user(), name="Fjord Pictures")
    make_studio(make_user(), name="Aurora Docs")
    found = admin_client.get("/admin/studios?q=fjord")
    assert b"1 studio found" in found.data and b"Fjord Pictures" in found.data
    assert b"Aurora Docs" not in found.data
    assert b"2 studios found" in admin_client.get("/admin/studios").data


def test_an_accounts_page_shows_its_studios_and_orders(
    admin_client, make_studio, make_title, make_user
):
    buyer = make_user("buyer@example.org")
    studio = make_studio(buyer, name="Buyer's Own Films")
    film = make_title("Northern Lights", studio=make_studio(make_user(), name="Other"))
    grant(buyer, film)
    page = admin_client.get(f"/admin/users/{buyer.id}")
    assert page.status_code == 200
    assert b"buyer@example.org" in page.data and studio.name.encode() in page.data.replace(
        b"&#39;", b"'"
    )
    assert b"Owner" in page.data
    assert b"1 paid of 1" in page.data
    assert admin_client.get("/admin/users/999999").status_code == 404


def test_a_studios_page_shows_members_titles_and_payments(
    admin_client, make_studio, make_title, make_user
):
    owner = make_user("owner@example.org")
    studio = make_studio(owner, name="Fjord Pictures")
    db.session.add(
        StudioMember(
            studio_id=studio.id, user_id=make_user("cfo@example.org").id, role=StudioRole.FINANCE
        )
    )
    studio.stripe_account_id = "acct_123"
    studio.charges_enabled = True
    studio.payment_requirements = ["external_account"]
    make_title("Draft Film", studio=studio, status=TitleStatus.DRAFT)
    db.session.commit()
    page = admin_client.get(f"/admin/studios/{studio.id}")
    assert page.status_code == 200
    for text in (
        b"owner@example.org",
        b"cfo@example.org",
        b"Finance:",
        b"Owner:",
        b"Draft Film",
        b"Draft",
        b"acct_123",
        b"external_account",
    ):
        assert text in page.data, text
    assert admin_client.get("/admin/studios/999999").status_code == 404


def test_a_suspended_account_is_signed_out_everywhere_and_cannot_sign_in_or_buy(
    app, auth, admin, viewer, make_title
):
    film = make_title("For Sale", offers=[{"kind": "buy", "amount": 500, "currency": "EUR"}])
    phone = app.test_client()
    phone.post("/login", data={"email": viewer.email, "password": PASSWORD, "remember": "y"})
    remembered = app.test_client()
    remembered.set_cookie(
        "remember_token", phone.get_cookie("remember_token").value, domain="localhost"
    )
    assert phone.get("/account/").status_code == 200

    auth.login(admin.email)
    done = auth.client.post(f"/admin/users/{viewer.id}/suspend", data={"reason": "Card testing"})
    assert done.status_code == 302
    for client in (phone, remembered):
        assert client.get("/account/").status_code == 302
    bought = phone.post(f"/buy/{film.slug}", data={"kind": "buy"})
    assert bought.status_code == 302 and "/login" in bought.headers["Location"]
    assert db.session.scalar(db.select(db.func.count(Order.id))) == 0
    refused = app.test_client().post("/login", data={"email": viewer.email, "password": PASSWORD})
    assert refused.status_code == 400 and SUSPENDED_AT_LOGIN in refused.data
    # A wrong password learns nothing about the account.
    wrong = app.test_client().post("/login", data={"email": viewer.email, "password": "nope"})
    assert SUSPENDED_AT_LOGIN not in wrong.data

    page = auth.client.get(f"/admin/users/{viewer.id}")
    assert b"Suspended since" in page.data and b"Card testing" in page.data
    log = auth.client.get("/admin/audit")
    assert b"Suspended the account" in log.data and b"Card testing" in log.data
    assert admin.email.encode() in log.data and viewer.email.encode() in log.data

    assert auth.client.post(f"/admin/users/{viewer.id}/unsuspend").status_code == 302
    assert phone.get("/account/").status_code == 302  # ended sessions stay ended
    again = app.test_client()
    assert (
        again.post("/login", data={"email": viewer.email, "password": PASSWORD}).status_code == 302
    )
    assert again.get("/account/").status_code == 200
    actions = db.session.scalars(db.select(AdminAction.action).order_by(AdminAction.id)).all()
    assert actions == ["user.suspend", "user.unsuspend"]


@pytest.mark.parametrize(
    ("data", "message"),
    [({"reason": "  "}, b"This field is required"), ({"reason": "x" * 501}, b"500")],
)
def test_a_suspension_needs_a_reason_and_saves_nothing_without_one(
    admin_client, viewer, data, message
):
    page = admin_client.post(f"/admin/users/{viewer.id}/suspend", data=data)
    assert page.status_code == 400 and message in page.data
    db.session.refresh(viewer)
    assert viewer.active and viewer.suspended_at is None
    assert db.session.scalar(db.select(db.func.count(AdminAction.id))) == 0


def test_what_cannot_be_suspended_or_lifted_is_refused_and_nothing_logged(
    admin_client, admin, viewer
):
    own = admin_client.post(f"/admin/users/{admin.id}/suspend", data={"reason": "oops"})
    assert own.status_code == 400 and b"your own account" in own.data
    viewer.active = False  # a deleted account is inactive for good
    db.session.commit()
    deleted = admin_client.post(f"/admin/users/{viewer.id}/suspend", data={"reason": "spam"})
    assert deleted.status_code == 400 and b"was deleted" in deleted.data
    lift = admin_client.post(f"/admin/users/{viewer.id}/unsuspend", follow_redirects=True)
    assert b"This account is not suspended" in lift.data
    assert not db.session.get(User, viewer.id).active
    assert db.session.scalar(db.select(db.func.count(AdminAction.id))) == 0


def test_the_admin_pages_read_in_the_admins_language(admin_client, admin, viewer):
    admin.locale = "de"
    db.session.commit()
    page = admin_client.get(f"/admin/users/{viewer.id}").data.decode()
    assert "Konto sperren" in page and "Suspend the account" not in page
    assert "Prüfprotokoll" in admin_client.get("/admin/").data.decode()
