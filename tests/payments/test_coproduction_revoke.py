"""The owner revokes a rights holder: after a confirmation that says what happens, future sales
no longer pay the holder (its percentages pass to the owner, so the film keeps selling
everywhere), while what it earned from earlier sales stays its own, refunds included."""

from __future__ import annotations

import re

from storefront.extensions import db
from storefront.models import PLATFORM_ENTRY_TYPES, LedgerEntry, OutboxMessage, RightsHolder
from storefront.services.rights.statements import holder_statement

from .conftest import checkout, latest_order
from .coproduction import add_holder, nordic_benelux_rest, payouts, split_rows
from .test_coproduction_journey import login

PAYMENTS_BACKEND = "offline"


def own_net(studio_id: int) -> int:
    db.session.expire_all()
    return sum(
        r.net
        for r in db.session.scalars(db.select(LedgerEntry).filter_by(studio_id=studio_id))
        if r.entry_type not in PLATFORM_ENTRY_TYPES
    )


def buy(app, make_user, film, country: str):  # type: ignore[no-untyped-def]
    client = login(app, make_user().email)
    start = checkout(client, film, "buy", country=country)
    assert start.status_code == 303, start.text
    client.post(start.location + "/pay")
    return latest_order()


def coproduce(film, studio, make_studio):  # type: ignore[no-untyped-def]
    belgian = make_studio(name="Bruxelles Films", country="BE")
    row = add_holder(film, belgian)
    nordic_benelux_rest(film, studio, belgian)
    return belgian, row


def test_revoking_asks_first_and_future_sales_pay_the_owner_only(
    app, make_user, make_studio, filmmaker, studio, film
):
    belgian, row = coproduce(film, studio, make_studio)
    before = buy(app, make_user, film, "DE")
    earned = own_net(belgian.id)
    assert earned > 0
    owner = login(app, filmmaker.email)
    url = f"/studio/{studio.slug}/titles/{film.id}/rights/holders/{row.id}/revoke"

    rights_page = owner.get(f"/studio/{studio.slug}/titles/{film.id}/rights")
    assert url in rights_page.text
    page = owner.get(url)
    assert page.status_code == 200
    assert "sales made from now on no longer pay it" in page.text
    assert f"Its percentages pass to {studio.name}" in page.text
    assert 'data-testid="rules-changing"' in page.text
    unconfirmed = owner.post(url, data={})
    assert unconfirmed.status_code == 400
    assert db.session.get(RightsHolder, row.id, populate_existing=True).revoked_at is None

    done = owner.post(url, data={"confirm": "yes"})

    assert done.status_code == 303
    assert "Bruxelles Films no longer holds Night Train." in owner.get(done.location).text
    assert db.session.get(RightsHolder, row.id, populate_existing=True).revoked_at is not None
    # Benelux and the rest of the world now pay the owner alone; nothing stops selling.
    for country in ("NL", "DE"):
        after = buy(app, make_user, film, country)
        assert split_rows(after.id) == [(studio.id, 10000, True)]
    # What the co-producer earned before is untouched, on its own statement too.
    assert own_net(belgian.id) == earned
    assert [p.amount for p in payouts(before.id) if p.studio_id == belgian.id] == [earned]
    assert sum(holder_statement(belgian).received.values()) == earned


def test_a_refund_of_an_earlier_sale_still_takes_back_the_revoked_holders_share(
    app, make_user, make_studio, filmmaker, studio, film, admin_client_factory
):
    belgian, row = coproduce(film, studio, make_studio)
    order = buy(app, make_user, film, "DE")
    owner = login(app, filmmaker.email)
    url = f"/studio/{studio.slug}/titles/{film.id}/rights/holders/{row.id}/revoke"
    assert owner.post(url, data={"confirm": "yes"}).status_code == 303

    admin_client_factory().post(
        f"/studio/{studio.slug}/orders/{order.public_id}",
        data={"refund_all": "y", "confirm_all": "yes"},
    )

    assert own_net(belgian.id) == 0
    assert sum(p.amount for p in payouts(order.id) if p.studio_id == belgian.id) == 0


def test_a_revoked_holder_cannot_be_revoked_twice_and_others_cannot_revoke(
    app, make_user, make_studio, filmmaker, studio, film
):
    belgian, row = coproduce(film, studio, make_studio)
    url = f"/studio/{studio.slug}/titles/{film.id}/rights/holders/{row.id}/revoke"
    owner = login(app, filmmaker.email)
    assert owner.post(url, data={"confirm": "yes"}).status_code == 303

    assert owner.get(url).status_code == 404
    stranger = login(app, make_user().email)
    assert stranger.post(url, data={"confirm": "yes"}).status_code in (403, 404)


def test_the_owner_still_sees_who_was_paid_for_sales_before_the_revocation(
    app, make_user, make_studio, filmmaker, studio, film
):
    belgian, row = coproduce(film, studio, make_studio)
    buy(app, make_user, film, "DE")
    owner = login(app, filmmaker.email)
    url = f"/studio/{studio.slug}/titles/{film.id}/rights/holders/{row.id}/revoke"
    assert owner.post(url, data={"confirm": "yes"}).status_code == 303

    page = owner.get(f"/studio/{studio.slug}/titles/{film.id}/rights/sales")

    assert page.status_code == 200
    assert "<li>Bruxelles Films: " in page.text  # its payment, named


def test_a_revoked_holder_invited_again_holds_the_film_again(
    app, make_user, make_studio, filmmaker, studio, film
):
    """Accepting once more used to fail with a server error: the earlier (revoked) holding of
    the same studio already takes the film and studio pair."""
    from .test_coproduction_journey import invite_and_accept

    owner = login(app, filmmaker.email)
    belgian, holder = invite_and_accept(app, owner, studio, film, make_user, make_studio)
    rights_url = f"/studio/{studio.slug}/titles/{film.id}/rights"
    first = db.session.scalar(db.select(RightsHolder).filter_by(studio_id=belgian.id))
    owner.post(f"{rights_url}/holders/{first.id}/revoke", data={"confirm": "yes"})
    owner.post(f"{rights_url}/invite", data={"email": "producer@bruxelles.example"})
    mail = db.session.scalars(
        db.select(OutboxMessage).filter_by(to="producer@bruxelles.example")
    ).all()[-1]
    link = re.search(r"http://localhost(/rights/invites/\S+)", mail.body).group(1)

    accepted = holder.post(link, data={"studio": belgian.id})

    assert accepted.status_code == 303
    assert accepted.location.endswith(f"/studio/{belgian.slug}/holdings")
    assert film.name in holder.get(accepted.location).text
    page = owner.get(rights_url)
    assert "Revoke Bruxelles Films…" in page.text
    assert "Invitations not accepted yet" not in page.text
    nordic_benelux_rest(film, studio, belgian)  # it can be given a share again
