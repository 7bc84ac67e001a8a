"""A viewer's own data: the export holds what the store knows about them (and no one else),
and deleting the account ends access and erases the person while the orders and the ledger
keep their financial rows and still reconcile with the payment processor."""

from __future__ import annotations

import csv
import io
import json

from storefront.extensions import db
from storefront.models import (
    BuyerConsent,
    Entitlement,
    EntitlementStatus,
    LedgerEntry,
    Order,
    OrderStatus,
    OutboxMessage,
    StudioMember,
    User,
    WatchProgress,
    utcnow,
)
from tests.conftest import PASSWORD

from .conftest import checkout, fresh, latest_order, session_id_from


def buy(client, film, emu, kind: str = "buy") -> Order:  # type: ignore[no-untyped-def]
    emu.pay(session_id_from(checkout(client, film, kind).location))
    return latest_order()


def watched(user: User, film, position: int = 1234) -> None:  # type: ignore[no-untyped-def]
    db.session.add(
        WatchProgress(
            user_id=user.id, title_id=film.id, position_seconds=position, updated_at=utcnow()
        )
    )
    db.session.commit()


def test_the_export_holds_the_viewers_data_and_nobody_elses(
    app, viewer_client, viewer, film, emu, webhooks, make_user
):
    order = buy(viewer_client, film, emu, "buy")
    watched(viewer, film)
    db.session.add(BuyerConsent(user_id=viewer.id, title_id=film.id, order_id=order.id))
    other = make_user("someone.else@example.org")
    watched(other, film, 99)

    data = viewer_client.get("/account/data.json")
    assert data.headers["Content-Disposition"].startswith("attachment;")
    content = json.loads(data.data)
    assert content["account"]["email"] == viewer.email
    (bought,) = content["orders"]
    assert (bought["order"], bought["amount_minor"], bought["currency"]) == (
        order.public_id,
        1299,
        "EUR",
    )
    assert content["library"][0]["title"] == "Night Train"
    assert content["watch_progress"] == [
        {
            "title": "Night Train",
            "position_seconds": 1234,
            "duration_seconds": None,
            "updated_at": content["watch_progress"][0]["updated_at"],
        }
    ]
    assert content["consents"][0]["title"] == "Night Train"
    assert "someone.else" not in data.text

    rows = list(csv.reader(io.StringIO(viewer_client.get("/account/data.csv").text)))
    assert rows[0] == ["section", "item", "field", "value"]
    assert ["account", "1", "email", viewer.email] in rows
    assert ["orders", "1", "order", order.public_id] in rows


def test_deleting_the_account_ends_access_and_erases_the_person(
    app, viewer_client, viewer, film, emu, webhooks, sdk
):
    order = buy(viewer_client, film, emu, "buy")
    sdk.v1.refunds.create({"charge": emu.objects("charge")[0]["id"], "amount": 300})
    watched(viewer, film)
    db.session.add(BuyerConsent(user_id=viewer.id, title_id=film.id, order_id=order.id))
    db.session.add(OutboxMessage(to=viewer.email, subject="Hi", body="Private"))
    db.session.commit()
    ledger_before = [
        (r.entry_type, r.gross, r.net, r.currency)
        for r in db.session.scalars(db.select(LedgerEntry).order_by(LedgerEntry.id))
    ]
    email = viewer.email

    refused = viewer_client.post(
        "/account/delete", data={"current_password": "wrong password", "confirm": "y"}
    )
    assert refused.status_code == 400
    assert fresh(User, viewer.id).email == email

    done = viewer_client.post(
        "/account/delete", data={"current_password": PASSWORD, "confirm": "y"}
    )

    assert done.status_code in (302, 303)
    person = fresh(User, viewer.id)
    assert person.email != email and person.email.endswith("@deleted.invalid")
    assert not person.active and person.display_name == ""
    assert viewer_client.get("/account/").status_code in (302, 303)  # signed out
    login = app.test_client().post("/login", data={"email": email, "password": PASSWORD})
    assert login.status_code == 400  # the form again: no such account
    entitlement = db.session.scalar(db.select(Entitlement).filter_by(order_id=order.id))
    assert entitlement.status == EntitlementStatus.REVOKED
    for model in (WatchProgress, BuyerConsent):
        assert db.session.scalar(db.select(db.func.count()).select_from(model)) == 0
    assert db.session.scalar(db.select(OutboxMessage).filter_by(to=email)) is None
    # The accounts keep the sale and the refund, without the person.
    kept = fresh(Order, order.id)
    assert (kept.amount, kept.amount_refunded, kept.status) == (
        1299,
        300,
        OrderStatus.PARTIALLY_REFUNDED,
    )
    db.session.expire_all()
    ledger_after = [
        (r.entry_type, r.gross, r.net, r.currency)
        for r in db.session.scalars(db.select(LedgerEntry).order_by(LedgerEntry.id))
    ]
    assert ledger_after == ledger_before
    result = app.test_cli_runner().invoke(args=["payments", "reconcile"])
    assert result.exit_code == 0, result.output
    assert "No differences with stripe." in result.output


def test_the_only_owner_of_a_studio_cannot_delete_the_account(filmmaker_client, filmmaker):
    response = filmmaker_client.post(
        "/account/delete", data={"current_password": PASSWORD, "confirm": "y"}
    )

    assert response.status_code == 400
    assert "only owner" in response.text
    assert fresh(User, filmmaker.id).active
    assert db.session.scalar(db.select(StudioMember).filter_by(user_id=filmmaker.id))


def test_deletion_needs_the_confirmation_ticked(viewer_client, viewer):
    response = viewer_client.post("/account/delete", data={"current_password": PASSWORD})
    assert response.status_code == 400 and fresh(User, viewer.id).active


def test_a_film_title_cannot_become_a_formula_in_the_viewers_spreadsheet(
    viewer_client, viewer, film, emu, webhooks
):
    film.name = '=HYPERLINK("https://evil.example","Night Train")'
    db.session.commit()
    buy(viewer_client, film, emu, "buy")

    rows = list(csv.reader(io.StringIO(viewer_client.get("/account/data.csv").text)))

    assert ["library", "1", "title", "'" + film.name] in rows
    # The JSON export keeps the exact text: no spreadsheet reads it.
    assert viewer_client.get("/account/data.json").json["library"][0]["title"] == film.name


def test_the_export_lists_the_account_mails_sent_to_the_viewers_address_too(viewer_client, viewer):
    from storefront.services.accounts.mail import send_mail

    send_mail(
        viewer.email, lambda: ("Reset your password", "Open this link: https://example/reset/t0k3n")
    )
    db.session.commit()

    content = viewer_client.get("/account/data.json").json

    assert [m["event"] for m in content["mails"]] == ["message"]
    assert "t0k3n" not in json.dumps(content)  # a link that still works stays out of the file


def test_deleting_the_account_withdraws_the_invitations_waiting_for_the_person(
    app, viewer_client, viewer, film, filmmaker, make_user, make_studio
):
    from storefront.models import RightsHolder, StudioInvite
    from storefront.services import ServiceError
    from storefront.services.rights import holders

    email = viewer.email
    waiting = RightsHolder(title_id=film.id, email=email, invited_by_id=filmmaker.id)
    # A studio that took the film up through an earlier invitation keeps holding it.
    other = make_studio(make_user("other@example.org"), "Other Films")
    held = RightsHolder(title_id=film.id, studio_id=other.id, email=email, accepted_at=utcnow())
    member = StudioInvite(studio_id=other.id, email=email, invited_by_id=filmmaker.id)
    db.session.add_all([waiting, held, member])
    db.session.commit()
    with app.test_request_context():
        token = holders._serializer().dumps(waiting.id)

    done = viewer_client.post(
        "/account/delete", data={"current_password": PASSWORD, "confirm": "y"}
    )

    assert done.status_code in (302, 303)
    db.session.expire_all()
    assert db.session.scalar(db.select(RightsHolder).filter_by(email=email)) is None
    assert fresh(RightsHolder, waiting.id).revoked_at is not None
    kept = fresh(RightsHolder, held.id)
    assert kept.studio_id == other.id and kept.revoked_at is None
    assert db.session.scalar(db.select(StudioInvite).filter_by(email=email)) is None
    with app.test_request_context():
        try:
            holders.invitation(token)
        except ServiceError:
            pass
        else:
            raise AssertionError("the withdrawn invitation still opens")


def test_an_account_that_never_confirmed_the_address_withdraws_nothing_sent_to_it(
    app, make_user, film, filmmaker
):
    from storefront.models import RightsHolder
    from storefront.services.accounts import privacy

    squatter = make_user("owner.of.this@example.org", verified=False)
    meant = RightsHolder(title_id=film.id, email=squatter.email, invited_by_id=filmmaker.id)
    db.session.add(meant)
    db.session.commit()

    privacy.delete_account(squatter, PASSWORD)
    db.session.commit()

    kept = fresh(RightsHolder, meant.id)
    assert kept.revoked_at is None and kept.email == "owner.of.this@example.org"


def test_the_export_reads_only_the_titles_and_festivals_it_names(
    viewer_client, viewer, film, make_title, statements
):
    # A large catalogue: the export must not read every film's name to name the viewer's.
    for number in range(40):
        make_title(f"Someone else's film {number}")
    watched(viewer, film)
    statements.clear()

    content = viewer_client.get("/account/data.json").json

    assert [p["title"] for p in content["watch_progress"]] == ["Night Train"]
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    names = [s for s in selects if "FROM titles" in s]
    assert names, "the export names its titles"
    for table in ("titles", "festivals"):
        for statement in selects:
            if f"FROM {table}" in statement:
                assert f"{table}.id IN" in statement, statement
