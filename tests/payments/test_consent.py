"""Sharing the buyer's email with the filmmaker: off unless ticked at checkout, and the
studio's list holds only buyers who agreed and paid, with the date they agreed."""

from __future__ import annotations

import csv
import io
import re

from storefront.extensions import db
from storefront.models import BuyerConsent

from .conftest import latest_order, session_id_from


def pay(client, film, emu, kind: str = "buy", share: bool = False):  # type: ignore[no-untyped-def]
    data = {"kind": kind, **({"share_email": "y"} if share else {})}
    emu.pay(session_id_from(client.post(f"/buy/{film.slug}", data=data).location))
    return latest_order()


def buyers(client, film) -> list[list[str]]:  # type: ignore[no-untyped-def]
    response = client.get(f"/studio/{film.studio.slug}/titles/{film.id}/buyers.csv")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.text)))


def test_the_box_is_unticked_and_nothing_is_shared_by_default(
    app, viewer, viewer_client, film, emu, webhooks
):
    page = viewer_client.get(f"/films/{film.slug}").text
    assert (
        'name="share_email" value="y"' in page
        and "checked" not in page.split("share_email")[1][:40]
    )

    pay(viewer_client, film, emu, "buy")

    assert db.session.scalar(db.select(db.func.count()).select_from(BuyerConsent)) == 0


def test_the_studio_exports_the_buyers_who_agreed_with_the_date(
    app, make_user, film, emu, webhooks, filmmaker
):
    from tests.conftest import PASSWORD

    def client_of(email: str):  # type: ignore[no-untyped-def]
        make_user(email)
        client = app.test_client()
        client.post("/login", data={"email": email, "password": PASSWORD})
        return client

    agreed = client_of("fan@example.org")
    silent = client_of("quiet@example.org")
    abandoned = client_of("undecided@example.org")
    pay(agreed, film, emu, "buy", share=True)
    pay(silent, film, emu, "buy")
    abandoned.post(f"/buy/{film.slug}", data={"kind": "buy", "share_email": "y"})  # never paid

    studio_client = app.test_client()
    studio_client.post("/login", data={"email": filmmaker.email, "password": PASSWORD})
    rows = buyers(studio_client, film)

    assert rows[0] == ["email", "name", "consented_at"]
    assert [r[0] for r in rows[1:]] == ["fan@example.org"]
    consent = db.session.scalar(db.select(BuyerConsent))
    assert rows[1][2] == consent.created_at.isoformat()
    page = studio_client.get(f"/studio/{film.studio.slug}/titles/{film.id}/audience").text
    assert "1 buyer agreed" in page


def test_a_buyers_name_starting_like_a_formula_is_exported_as_text(
    app, make_user, film, emu, webhooks, filmmaker
):
    """Names are typed by viewers, any of them: the studio's spreadsheet must not run one."""
    from tests.conftest import PASSWORD

    make_user("fan@example.org", display_name='=HYPERLINK("http://evil.example","Open")')
    fan = app.test_client()
    fan.post("/login", data={"email": "fan@example.org", "password": PASSWORD})
    pay(fan, film, emu, "buy", share=True)
    studio_client = app.test_client()
    studio_client.post("/login", data={"email": filmmaker.email, "password": PASSWORD})

    rows = buyers(studio_client, film)

    assert rows[1][:2] == ["fan@example.org", '\'=HYPERLINK("http://evil.example","Open")']


def test_a_buyer_takes_the_consent_back_as_easily_as_they_gave_it(
    app, viewer, viewer_client, film, emu, webhooks, filmmaker
):
    from tests.conftest import PASSWORD

    pay(viewer_client, film, emu, "buy", share=True)
    settings = viewer_client.get("/account/").text
    assert film.name in settings
    (action,) = set(re.findall(r'action="(/account/consents/[^"]+)"', settings))

    done = viewer_client.post(action)

    assert done.status_code == 302
    assert film.name not in viewer_client.get(done.location).text.split("Your data")[0]
    studio_client = app.test_client()
    studio_client.post("/login", data={"email": filmmaker.email, "password": PASSWORD})
    assert buyers(studio_client, film) == [["email", "name", "consented_at"]]
    assert viewer_client.post(action).status_code == 404  # nothing left to take back
