"""An owner invites a co-producer by email, the co-producer accepts with its own studio, the
owner sets the Nordic/Benelux/rest split, a viewer buys with offline test payments (which
emulate the transfers), and each holder reads exactly its own share, nothing more."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from markupsafe import escape

from storefront.extensions import db
from storefront.jobs import QUEUED_JOB_GRACE
from storefront.models import OutboxMessage, RightsHolder

from .conftest import checkout, latest_order
from .coproduction import payouts

PAYMENTS_BACKEND = "offline"


def login(app, email):  # type: ignore[no-untyped-def]
    from tests.conftest import PASSWORD

    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def split_form(rules, holders):  # type: ignore[no-untyped-def]
    data = {"rules": str(len(rules))}
    for n, (mode, countries, shares) in enumerate(rules):
        data[f"rule-{n}-mode"] = mode
        data[f"rule-{n}-countries"] = countries
        data[f"rule-{n}-kind"] = ""
        for studio, percent in zip(holders, shares, strict=True):
            data[f"rule-{n}-share-{studio.id}"] = percent
    return data


def invite_and_accept(app, owner_client, studio, film, make_user, make_studio):  # type: ignore[no-untyped-def]
    person = make_user("producer@bruxelles.example")
    belgian = make_studio(person, name="Bruxelles Films", country="BE")
    sent = owner_client.post(
        f"/studio/{studio.slug}/titles/{film.id}/rights/invite",
        data={"email": "producer@bruxelles.example"},
    )
    assert sent.status_code == 303
    mail = db.session.scalar(db.select(OutboxMessage).filter_by(to="producer@bruxelles.example"))
    link = re.search(r"http://localhost(/rights/invites/\S+)", mail.body).group(1)
    holder_client = login(app, person.email)
    page = holder_client.get(link)
    assert page.status_code == 200 and "Bruxelles Films" in page.text
    accepted = holder_client.post(link, data={"studio": belgian.id})
    assert accepted.status_code == 303 and accepted.location.endswith(
        "/studio/bruxelles-films/holdings"
    )
    return belgian, holder_client


def test_invite_split_sell_and_each_holder_reads_its_share(
    app, filmmaker_client, studio, film, make_user, make_studio, make_title, viewer_client
):
    belgian, holder_client = invite_and_accept(
        app, filmmaker_client, studio, film, make_user, make_studio
    )
    other_film = make_title("Owner's Other Film", studio=studio)
    rights_url = f"/studio/{studio.slug}/titles/{film.id}/rights"

    gap = filmmaker_client.post(
        rights_url,
        data=split_form([("allow", "nordics", ["100", ""]), ("allow", "benelux", ["", "100"])],
                        [studio, belgian]),
    )  # fmt: skip
    assert gap.status_code == 400
    assert "Andorra, rent: the shares add up to 0 %, not 100 %." in gap.text

    saved = filmmaker_client.post(
        rights_url,
        data=split_form(
            [
                ("allow", "nordics", ["100", ""]),
                ("allow", "benelux", ["", "100"]),
                ("deny", "nordics benelux", ["60", "40"]),
            ],
            [studio, belgian],
        ),
    )
    assert saved.status_code == 302

    start = checkout(viewer_client, film, "buy", country="DE")
    viewer_client.post(start.location + "/pay")
    order = latest_order()

    # 12.99 less the offline fee 0.68: 12.31 shared 60/40, the 60 % taking the odd cent.
    shares = {p.studio_id: (p.amount, p.status.value, p.transfer_id) for p in payouts(order.id)}
    assert {k: v[:2] for k, v in shares.items()} == {
        studio.id: (739, "paid"),
        belgian.id: (492, "paid"),
    }
    gateway = app.extensions["payments"]
    moved = {
        t["source"]: t["amount"] for t in gateway.balance_transactions() if t["type"] == "transfer"
    }
    assert sorted(-a for a in moved.values()) == [492, 739]

    statement = holder_client.get(f"/studio/{belgian.slug}/holdings")
    assert statement.status_code == 200
    assert 'data-testid="received-EUR">€4.92' in statement.text
    assert film.name in statement.text
    assert "viewer@example.org" not in statement.text and "€7.39" not in statement.text
    assert other_film.name not in statement.text
    exported = holder_client.get(f"/studio/{belgian.slug}/holdings.csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["movement"], r["amount_minor"], r["currency"]) for r in rows] == [
        ("sale", "492", "EUR")
    ]
    # Not a member of the owner's studio: none of its pages, orders or other films.
    for path in (
        f"/studio/{studio.slug}/",
        f"/studio/{studio.slug}/orders",
        f"/studio/{studio.slug}/orders/{order.public_id}",
        rights_url,
        f"{rights_url}/sales",
        f"/studio/{studio.slug}/titles/{other_film.id}/",
        f"/studio/{studio.slug}/revenue",
        f"/studio/{studio.slug}/holdings",
    ):
        assert holder_client.get(path).status_code == 404, path

    owner_view = filmmaker_client.get(f"{rights_url}/sales")
    assert "Bruxelles Films: €4.92" in owner_view.text and "€7.39" in owner_view.text
    owner_statement = filmmaker_client.get(f"/studio/{studio.slug}/holdings")
    assert 'data-testid="received-EUR">€7.39' in owner_statement.text


def test_an_invitation_is_for_the_address_it_was_sent_to(
    app, filmmaker_client, studio, film, make_user, make_studio
):
    filmmaker_client.post(
        f"/studio/{studio.slug}/titles/{film.id}/rights/invite", data={"email": "a@example.org"}
    )
    mail = db.session.scalar(db.select(OutboxMessage).filter_by(to="a@example.org"))
    link = re.search(r"http://localhost(/rights/invites/\S+)", mail.body).group(1)
    intruder = make_user("intruder@example.org")
    theirs = make_studio(intruder, name="Intruders")

    refused = login(app, intruder.email).post(link, data={"studio": theirs.id})

    assert refused.status_code == 400 and "another email address" in refused.text
    assert payouts() == []


def test_a_lost_settle_job_is_picked_up_by_the_periodic_sweep(
    app, studio, film, make_studio, viewer_client
):
    from storefront.services.rights.splits import RuleInput, save_rules

    from .coproduction import add_holder

    belgian = make_studio(name="Bruxelles Films", country="BE")
    add_holder(film, belgian)
    save_rules(
        film,
        [RuleInput("worldwide", "", "", {studio.id: "50", belgian.id: "50"})],
        {studio.id, belgian.id},
        "en",
    )
    db.session.commit()
    tasks = app.extensions["tasks"]
    real = tasks["rights.settle_order"]
    tasks["rights.settle_order"] = lambda order_id: None  # the queue lost it
    start = checkout(viewer_client, film, "buy", country="DE")
    viewer_client.post(start.location + "/pay")
    tasks["rights.settle_order"] = real
    assert payouts() == []

    tasks["rights.settle_open_payouts"]()  # a sale this young still has its job queued
    assert payouts() == []

    # The sweep after QUEUED_JOB_GRACE has passed takes the job as lost and settles the sale.
    order = latest_order()
    order.paid_at -= QUEUED_JOB_GRACE + timedelta(seconds=1)
    db.session.commit()
    tasks["rights.settle_open_payouts"]()

    assert sorted((p.amount, p.status.value) for p in payouts()) == [(615, "paid"), (616, "paid")]


def test_rights_invitations_count_against_the_senders_daily_limit(
    app, filmmaker_client, studio, film, make_title
):
    """Each film allows 20 invitations a day, and films cost nothing to add: the account's
    daily limit for invitations (the number member invitations have) stops a sender
    mailing strangers through the store, and the mails count for the studio's limit."""
    from storefront.models import Notification

    app.config["INVITES_PER_ACCOUNT_DAY"] = 2
    films = [film, make_title("Second", studio=studio), make_title("Third", studio=studio)]
    answers = [
        filmmaker_client.post(
            f"/studio/{studio.slug}/titles/{title.id}/rights/invite",
            data={"email": f"stranger{n}@example.org"},
        )
        for n, title in enumerate(films)
    ]

    sent = db.session.scalars(db.select(Notification).order_by(Notification.id)).all()
    assert [m.to for m in sent] == ["stranger0@example.org", "stranger1@example.org"]
    assert {m.studio_id for m in sent} == {studio.id}
    refused = answers[2]  # the rights page again, with the address as typed
    assert refused.status_code == 400
    assert "as many invitations as allowed today" in refused.text


def test_an_address_waiting_for_its_invitation_is_not_invited_twice(
    app, filmmaker_client, studio, film
):
    """A second invitation used to be sent and listed as a second pending row, so the owner
    saw the same address twice and the person got two links."""
    url = f"/studio/{studio.slug}/titles/{film.id}/rights/invite"
    filmmaker_client.post(url, data={"email": "agent@example.org"})

    again = filmmaker_client.post(url, data={"email": " Agent@Example.org "}, follow_redirects=True)

    assert "An invitation to agent@example.org is waiting for an answer." in again.text
    assert again.text.count("Withdraw the invitation to agent@example.org…") == 1
    assert (
        len(db.session.scalars(db.select(OutboxMessage).filter_by(to="agent@example.org")).all())
        == 1
    )


def test_a_holder_can_narrow_its_revenue_to_a_film_it_holds(
    app, filmmaker_client, studio, film, make_user, make_studio, make_title, viewer_client
):
    """Its revenue counts its shares of the film, but the title filter listed only its own
    films and refused the held one as "Not a valid choice"."""
    from storefront.services.rights.splits import RuleInput, save_rules

    belgian, holder_client = invite_and_accept(
        app, filmmaker_client, studio, film, make_user, make_studio
    )
    save_rules(film, [RuleInput("worldwide", "", "", {belgian.id: "100"})], {belgian.id}, "en")
    db.session.commit()
    start = checkout(viewer_client, film, "buy", country="DE")
    viewer_client.post(start.location + "/pay")
    revenue_url = f"/studio/{belgian.slug}/revenue"

    page = holder_client.get(revenue_url)
    narrowed = holder_client.get(f"{revenue_url}?title={film.id}")

    assert f'<option value="{film.id}">{film.name}</option>' in page.text
    assert narrowed.status_code == 200
    assert "€12.31" in narrowed.text
    other = make_title("Owner's Other Film", studio=studio)
    assert holder_client.get(f"{revenue_url}?title={other.id}").status_code == 400


def test_an_accepted_invitation_opened_again_says_so(
    app, filmmaker_client, studio, film, make_user, make_studio
):
    """The link opened again after accepting showed the invitation and its Accept button, as
    if nothing had happened."""
    belgian, holder_client = invite_and_accept(
        app, filmmaker_client, studio, film, make_user, make_studio
    )
    holder_client.get(f"/studio/{belgian.slug}/holdings")  # reads the flash
    mail = db.session.scalar(db.select(OutboxMessage).filter_by(to="producer@bruxelles.example"))
    link = re.search(r"http://localhost(/rights/invites/\S+)", mail.body).group(1)

    page = holder_client.get(link)

    assert page.status_code == 200
    assert "Accept the invitation" not in page.text
    assert "Bruxelles Films now holds rights in this film." in page.text
    assert f'href="/studio/{belgian.slug}/holdings"' in page.text
    other = login(app, make_user().email).get(link)
    assert "This invitation was sent to another email address." in other.text
    assert "Bruxelles Films" not in other.text and "Accept the invitation" not in other.text


def test_an_offer_beyond_the_split_warns_that_those_sales_pay_the_owner_alone(
    filmmaker_client, studio, make_title, make_studio
):
    """The split covered Norway only; offering the film everywhere made every other sale pay
    the owner alone, and neither the offers page nor the rights page said a word."""
    from storefront.services.rights.splits import RuleInput, save_rules

    from .coproduction import add_holder

    norway_only = {"kind": "rent", "amount": 499, "currency": "EUR",
                   "territory_mode": "allow", "territories": [{"country": "NO"}]}  # fmt: skip
    film = make_title("Nordic Only", studio=studio, offers=[norway_only])
    belgian = make_studio(name="Bruxelles Films", country="BE")
    add_holder(film, belgian)
    save_rules(film, [RuleInput("allow", "NO", "", {studio.id: "50", belgian.id: "50"})],
               {studio.id, belgian.id}, "en")  # fmt: skip
    db.session.commit()
    warning = (
        "The split of Nordic Only does not add up everywhere the film is offered now: "
        "Andorra, rent: the shares add up to 0 %, not 100 %. Until the split is changed, "
        "those sales pay Fjord Pictures alone."
    )
    rights_url = f"/studio/{studio.slug}/titles/{film.id}/rights"
    assert warning not in filmmaker_client.get(rights_url).text

    offers = filmmaker_client.post(
        f"/studio/{studio.slug}/titles/{film.id}/offers",
        data={"rent-enabled": "y", "rent-price": "4.99", "rent-currency": "EUR",
              "rent-mode": "worldwide", "buy-price": "", "buy-currency": "",
              "buy-mode": "worldwide", "rental_start_days": "30", "rental_watch_hours": "48"},
        follow_redirects=True,
    )  # fmt: skip

    assert "The offers for Nordic Only are saved." in offers.text
    assert warning in offers.text
    assert warning in filmmaker_client.get(rights_url).text


def test_an_invited_person_without_a_studio_creates_one_and_comes_back_to_accept(
    app, filmmaker_client, studio, film, make_user
):
    """Creating the studio led to its overview: the invitation was out of sight until the
    person found the mail and opened the link again."""
    person = make_user("producer@bruxelles.example")
    filmmaker_client.post(
        f"/studio/{studio.slug}/titles/{film.id}/rights/invite", data={"email": person.email}
    )
    mail = db.session.scalar(db.select(OutboxMessage).filter_by(to=person.email))
    link = re.search(r"http://localhost(/rights/invites/\S+)", mail.body).group(1)
    client = login(app, person.email)
    page = client.get(link)
    create = (
        re.search(r'href="(/studio/new\?next=[^"]+)"', page.text).group(1).replace("&amp;", "&")
    )

    created = client.post(
        create,
        data={"name": "Bruxelles Films", "country": "BE", "contact_email": person.email,
              "timezone": "Europe/Brussels"},
    )  # fmt: skip

    assert created.status_code == 302 and created.location == link
    back = client.get(link)
    assert '<option value="' in back.text and "Bruxelles Films" in back.text


def test_a_finance_member_reads_the_split_without_being_able_to_change_it(
    app, studio, film, make_user, make_studio
):
    """Members who read the studio's sales saw only "The studio's owner sets the split", not
    the split itself."""
    from storefront.models import StudioMember, StudioRole

    from .coproduction import add_holder, nordic_benelux_rest

    belgian = make_studio(name="Bruxelles Films", country="BE")
    add_holder(film, belgian)
    nordic_benelux_rest(film, studio, belgian)
    accountant = make_user("accounts@fjord.example")
    db.session.add(
        StudioMember(studio_id=studio.id, user_id=accountant.id, role=StudioRole.FINANCE)
    )
    db.session.commit()
    rights_url = f"/studio/{studio.slug}/titles/{film.id}/rights"

    page = login(app, accountant.email).get(rights_url)

    assert page.status_code == 200
    assert "The studio's owner sets the split." in page.text
    assert 'data-testid="rule-2"' in page.text and 'data-testid="rule-3"' not in page.text
    assert f'name="rule-2-share-{belgian.id}" value="40" disabled' in page.text
    assert "Save the split" not in page.text
    assert login(app, accountant.email).post(rights_url, data={"rules": "0"}).status_code == 403


@pytest.mark.parametrize(
    "typed", ["@", "agent@", "an agent@example.org", "a@b@example.org", "a@x.org\r\nBcc: b@y.org"]
)
def test_an_address_that_is_not_one_is_refused_and_kept_in_the_field(
    filmmaker_client, studio, film, typed
):
    """Anything with an "@" was accepted: "Invitation sent to @." and a mail queued to it."""
    response = filmmaker_client.post(
        f"/studio/{studio.slug}/titles/{film.id}/rights/invite", data={"email": typed}
    )

    assert response.status_code == 400
    assert "Enter the email address of the person to invite." in response.text
    assert "Invitation sent" not in response.text
    assert f'name="email" autocomplete="email" value="{escape(typed.strip())}"' in response.text
    assert db.session.scalars(db.select(RightsHolder)).all() == []
    assert db.session.scalars(db.select(OutboxMessage)).all() == []


def test_the_invitation_names_the_studio_that_sends_it(
    app, filmmaker_client, studio, film, make_user, make_studio
):
    """The mail said "A studio on Storefront invites your studio" and the page did not say
    which studio either: the person could not tell who was asking."""
    person = make_user("producer@bruxelles.example")
    make_studio(person, name="Bruxelles Films", country="BE")
    filmmaker_client.post(
        f"/studio/{studio.slug}/titles/{film.id}/rights/invite", data={"email": person.email}
    )
    mail = db.session.scalar(db.select(OutboxMessage).filter_by(to=person.email))
    link = re.search(r"http://localhost(/rights/invites/\S+)", mail.body).group(1)

    page = login(app, person.email).get(link)

    assert f"Studio: {studio.name}\nFilm: {film.name}" in mail.body
    assert f"{studio.name} invites you to hold rights in {film.name}" in page.text


def test_a_refused_split_keeps_a_rule_whose_percentages_are_not_typed_yet(
    app, filmmaker_client, studio, film, make_user, make_studio
):
    """A rule with its countries typed but no percentages yet vanished from the refused form,
    so the owner had to type its countries again."""
    belgian, _holder = invite_and_accept(
        app, filmmaker_client, studio, film, make_user, make_studio
    )
    form = split_form(
        [("allow", "nordics", ["100", ""]), ("allow", "benelux", ["", ""])], [studio, belgian]
    )

    refused = filmmaker_client.post(f"/studio/{studio.slug}/titles/{film.id}/rights", data=form)

    assert refused.status_code == 400
    assert 'name="rule-1-countries" value="benelux"' in refused.text


def test_the_shares_page_says_whether_each_sale_was_a_rental_or_a_purchase(
    app, filmmaker_client, studio, film, make_user, make_studio, viewer_client
):
    """The CSV had the kind of each sale, the page did not: a holder paid per rentals and
    purchases could not tell them apart."""
    from storefront.services.rights.splits import RuleInput, save_rules

    belgian, holder_client = invite_and_accept(
        app, filmmaker_client, studio, film, make_user, make_studio
    )
    save_rules(film, [RuleInput("worldwide", "", "", {belgian.id: "100"})], {belgian.id}, "en")
    db.session.commit()
    start = checkout(viewer_client, film, "rent", country="DE")
    viewer_client.post(start.location + "/pay")

    page = holder_client.get(f"/studio/{belgian.slug}/holdings")

    assert '<th scope="col">Rent or buy</th>' in page.text
    assert "<td>Rent</td>" in page.text


def test_changing_the_split_after_sales_says_earlier_sales_keep_theirs(
    app, filmmaker_client, studio, film, make_user, make_studio, viewer_client
):
    """The owner changing a split after sales was not told whether the earlier sales (and
    their refunds) would be divided again."""
    belgian, _holder = invite_and_accept(
        app, filmmaker_client, studio, film, make_user, make_studio
    )
    rights_url = f"/studio/{studio.slug}/titles/{film.id}/rights"
    form = split_form([("worldwide", "", ["60", "40"])], [studio, belgian])
    filmmaker_client.post(rights_url, data=form)
    start = checkout(viewer_client, film, "buy", country="DE")
    viewer_client.post(start.location + "/pay")

    changed = filmmaker_client.post(
        rights_url, data=split_form([("worldwide", "", ["50", "50"])], [studio, belgian]),
        follow_redirects=True,
    )  # fmt: skip

    assert "The split of Night Train is saved." in changed.text
    assert "Sales made before keep the split they were bought with" in changed.text


def test_someone_else_opening_the_invitation_is_told_at_once(
    app, filmmaker_client, studio, film, make_user, make_studio
):
    """Logged in with another address, the page offered their studios and an Accept button,
    and said only after the click that the invitation was not for them."""
    filmmaker_client.post(
        f"/studio/{studio.slug}/titles/{film.id}/rights/invite", data={"email": "a@example.org"}
    )
    mail = db.session.scalar(db.select(OutboxMessage).filter_by(to="a@example.org"))
    link = re.search(r"http://localhost(/rights/invites/\S+)", mail.body).group(1)
    colleague = make_user("colleague@example.org")
    make_studio(colleague, name="Colleague Films")

    page = login(app, colleague.email).get(link)

    assert "This invitation was sent to another email address." in page.text
    assert "Accept the invitation" not in page.text and "Colleague Films" not in page.text
