"""Studio roles: one permission table, the README's copy of it, and the rights it withholds."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from storefront.extensions import db
from storefront.models import (
    Offer,
    OfferKind,
    Order,
    OrderStatus,
    StudioMember,
    StudioRole,
    Title,
    TitleStatus,
    utcnow,
)
from storefront.services.accounts.permissions import PERMISSIONS, Action

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_table_is_the_permission_table():
    text = README.read_text()
    section = text.split("## Studios and their roles", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    header, *body = rows
    roles = [cell.strip() for cell in header.strip("|").split("|")][1:]
    assert roles == [r.value for r in StudioRole]
    table = {}
    for row in body:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        action = cells[0].split(":")[0].replace(" ", "_")
        table[action] = {role for role, cell in zip(roles, cells[1:], strict=True) if cell == "yes"}
    assert table == {a.value: {r.value for r in allowed} for a, allowed in PERMISSIONS.items()}
    assert set(table) == {a.value for a in Action}


@pytest.fixture
def member_client(app, client, auth, studio, make_user):
    def make(role: str):
        user = make_user(f"{role}@example.org")
        db.session.add(StudioMember(studio_id=studio.id, user_id=user.id, role=role))
        db.session.commit()
        auth.login(user.email)
        return client

    return make


def paid_order(title: Title, buyer) -> Order:
    order = Order(
        public_id=str(uuid.uuid4()),
        user_id=buyer.id,
        title_id=title.id,
        studio_id=title.studio_id,
        kind=OfferKind.BUY,
        amount=999,
        currency="EUR",
        title_name=title.name,
        studio_name="Fjord Pictures",
        status=OrderStatus.PAID,
        provider="offline",
        charge_id="ch_test_1",
        paid_at=utcnow(),
    )
    db.session.add(order)
    db.session.commit()
    return order


def test_a_manager_can_neither_refund_nor_delete_a_published_title(
    member_client, studio, make_title, viewer
):
    title = make_title("Published", studio=studio, status=TitleStatus.PUBLISHED)
    order = paid_order(title, viewer)
    client = member_client("manager")
    assert client.get(f"/studio/{studio.slug}/orders/{order.public_id}").status_code == 200
    refund = client.post(
        f"/studio/{studio.slug}/orders/{order.public_id}",
        data={"refund_all": "y", "confirm_all": "yes"},
    )
    assert refund.status_code == 403
    db.session.refresh(order)
    assert order.status == OrderStatus.PAID and order.amount_refunded == 0
    deleted = client.post(
        f"/studio/{studio.slug}/titles/{title.id}/delete", data={"confirm_name": "Published"}
    )
    assert deleted.status_code == 403
    assert db.session.get(Title, title.id) is not None
    edited = client.get(f"/studio/{studio.slug}/titles/{title.id}/")
    assert edited.status_code == 200


def test_finance_reads_figures_and_changes_nothing(member_client, studio, make_title):
    title = make_title("Ours", studio=studio)
    client = member_client("finance")
    assert client.get(f"/studio/{studio.slug}/revenue").status_code == 200
    assert client.get(f"/studio/{studio.slug}/orders").status_code == 200
    assert client.get(f"/studio/{studio.slug}/titles/{title.id}/").status_code == 200
    renamed = client.post(
        f"/studio/{studio.slug}/titles/{title.id}/",
        data={"name": "Theirs", "rental_start_days": 30, "rental_watch_hours": 48},
    )
    assert renamed.status_code == 403
    status = client.post(
        f"/studio/{studio.slug}/titles/{title.id}/status", data={"action": "unpublish"}
    )
    assert status.status_code == 403
    db.session.refresh(title)
    assert title.name == "Ours" and title.status == TitleStatus.PUBLISHED


def test_a_title_s_pages_offer_only_what_the_role_may_do(member_client, auth, studio, make_title):
    """Finance saw "Save the details", "Save offers", "Unlist", upload forms and "Delete this
    film…": what they typed there ended on a "not allowed" page, and was lost."""
    title = make_title("Ours", studio=studio)
    base = f"/studio/{studio.slug}/titles/{title.id}"
    client = member_client("finance")
    details = client.get(f"{base}/").text
    offers = client.get(f"{base}/offers").text
    media = client.get(f"{base}/media").text
    for page in (details, offers, media):
        assert "Your role lets you read this film’s pages, not change them." in page
    for page in (details, media):
        assert '<button type="submit"' not in page.split('id="main"')[1].split("</main>")[0]
    assert "Save offers" not in offers and '<fieldset class="read-only" disabled>' in offers
    assert '<fieldset class="read-only" disabled>' in details
    assert "Delete this film" not in details
    auth.logout()
    manager = member_client("manager")
    details = manager.get(f"{base}/").text
    assert "Save the details" in details and "Unlist" in details
    assert "Save offers" in manager.get(f"{base}/offers").text
    assert "Upload subtitles" in manager.get(f"{base}/media").text
    assert "Delete this film" not in details and "not change them" not in details


def _main(page: str) -> str:
    return page.split('id="main"')[1].split("</main>")[0]


def test_pay_what_you_want_release_and_rights_pages_are_read_only_for_finance(
    member_client, auth, studio, make_title
):
    """Finance saw the pay-what-you-want table, the release form and (as a form with nothing
    to send it) the split rules as forms to fill in: what they typed ended on a "not allowed"
    page, and was lost. They now read them as the other title pages, and posting stays
    refused."""
    offers = [{"kind": "buy", "amount": 1200, "currency": "EUR"}]
    title = make_title("Ours", studio=studio, offers=offers)
    base = f"/studio/{studio.slug}/titles/{title.id}"
    client = member_client("finance")
    pwyw_page = _main(client.get(f"{base}/pay-what-you-want").text)
    release_page = _main(client.get(f"{base}/release").text)
    rights_page = _main(client.get(f"{base}/rights").text)
    for page in (pwyw_page, release_page):
        assert "Your role lets you read this film’s pages, not change them." in page
        assert '<fieldset class="read-only" disabled>' in page
        assert '<button type="submit"' not in page
    assert 'name="row-0-country"' not in pwyw_page  # no empty rows to type into
    assert '<form method="post"' not in rights_page
    assert '<fieldset class="read-only" disabled>' in rights_page
    assert "The studio's owner sets the split." in rights_page

    pwyw = client.post(
        f"{base}/pay-what-you-want", data={"buy_enabled": "y", "buy_floor": "5", "rows": "0"}
    )
    release = client.post(f"{base}/release", data={"take_preorders": "y"})
    rules = client.post(f"{base}/rights", data={"rules": "0"})
    assert (pwyw.status_code, release.status_code, rules.status_code) == (403, 403, 403)
    db.session.expire_all()
    assert db.session.get(Title, title.id).preorders is False
    offers_now = db.session.scalars(db.select(Offer).filter_by(title_id=title.id))
    assert not any(o.pay_what_you_want for o in offers_now)

    auth.logout()
    manager = member_client("manager")
    assert "Save" in _main(manager.get(f"{base}/pay-what-you-want").text)
    assert '<button type="submit"' in _main(manager.get(f"{base}/release").text)
    assert "not change them" not in manager.get(f"{base}/release").text


def test_the_last_owner_cannot_be_demoted(filmmaker_client, studio, filmmaker):
    member = db.session.scalar(db.select(StudioMember).filter_by(user_id=filmmaker.id))
    response = filmmaker_client.post(
        f"/studio/{studio.slug}/members/{member.id}/role", data={"role": "finance"}
    )
    assert response.status_code == 302
    db.session.refresh(member)
    assert member.role == StudioRole.OWNER


def test_a_role_not_on_the_list_is_refused_on_the_members_page(filmmaker_client, studio, make_user):
    other = make_user("other@example.org")
    member = StudioMember(studio_id=studio.id, user_id=other.id, role=StudioRole.MANAGER)
    db.session.add(member)
    db.session.commit()
    response = filmmaker_client.post(
        f"/studio/{studio.slug}/members/{member.id}/role", data={"role": "emperor"}
    )
    assert response.status_code == 303
    assert response.location.endswith(f"/studio/{studio.slug}/members")
    page = filmmaker_client.get(response.location).text
    assert "Choose a role from the list." in page
    db.session.refresh(member)
    assert member.role == StudioRole.MANAGER


def test_owners_change_roles(filmmaker_client, studio, make_user):
    other = make_user("other@example.org")
    member = StudioMember(studio_id=studio.id, user_id=other.id, role=StudioRole.MANAGER)
    db.session.add(member)
    db.session.commit()
    filmmaker_client.post(
        f"/studio/{studio.slug}/members/{member.id}/role", data={"role": "finance"}
    )
    db.session.refresh(member)
    assert member.role == StudioRole.FINANCE
    page = filmmaker_client.get(f"/studio/{studio.slug}/members").text
    assert re.search(r'<option value="finance" selected', page)
