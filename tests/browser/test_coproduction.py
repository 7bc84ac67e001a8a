"""In a real browser: the owner of a film invites a co-producer, the co-producer accepts with
its studio, the owner sets the Nordic/Benelux/rest split, a viewer in Germany buys the film
(offline test payments, which emulate the transfers) and the co-producer reads its statement.
The new pages fit a 390 px wide screen and pass axe-core."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from storefront.extensions import db
from storefront.models import OutboxMessage

from .conftest import screenshot

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def settings(settings: dict) -> dict:
    settings["PAYMENTS_BACKEND"] = "offline"
    return settings


def log_in(page, email: str) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import PASSWORD

    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def check_page(page) -> None:  # type: ignore[no-untyped-def]
    """No horizontal overflow at 390 px, and no axe-core violation."""
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} overflows by {overflow}px at 390 px"
    if not AXE.exists():
        pytest.fail("axe-core is missing: run make setup")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document).then(r => JSON.stringify(r.violations))")
    violations = [(v["id"], [n["target"] for n in v["nodes"]]) for v in json.loads(result)]
    assert violations == [], f"{page.url}: {violations}"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_owner_invites_sets_the_split_and_the_coproducer_reads_its_statement(
    browser, live_server, make_user, make_studio, make_title, studio, filmmaker
):
    film = make_title(
        "Between Two Seas",
        studio=studio,
        offers=[{"kind": "buy", "amount": 1299, "currency": "EUR"}],
    )
    producer = make_user("producer@bruxelles.example")
    make_studio(producer, name="Bruxelles Films", country="BE")
    make_user("dora@example.org")

    owner = browser.new_context(base_url=live_server.url, locale="en-GB", bypass_csp=True)
    owner.set_default_timeout(15_000)
    page = owner.new_page()
    log_in(page, filmmaker.email)
    page.goto(f"/studio/{studio.slug}/titles/{film.id}/rights")
    check_page(page)
    page.get_by_label("Invite a co-producer or sales agent by email").fill(producer.email)
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text(f"Invitation sent to {producer.email}")).to_be_visible()

    db.session.expire_all()
    mail = db.session.scalar(db.select(OutboxMessage).filter_by(to=producer.email))
    link = re.search(r"(/rights/invites/\S+)", mail.body).group(1)
    coproducer = browser.new_context(base_url=live_server.url, locale="en-GB", bypass_csp=True)
    coproducer.set_default_timeout(15_000)
    theirs = coproducer.new_page()
    log_in(theirs, producer.email)
    theirs.goto(link)
    check_page(theirs)
    theirs.get_by_label("Accept for this studio").select_option(label="Bruxelles Films")
    theirs.get_by_role("button", name="Accept the invitation").click()
    expect(theirs.get_by_text("Bruxelles Films now holds rights in this film.")).to_be_visible()

    page.reload()
    expect(page.get_by_test_id("holders")).to_contain_text("Bruxelles Films")
    rules = [
        ("Only these countries", "nordics", "100", ""),
        ("Only these countries", "benelux", "", "100"),
        ("All countries except these", "nordics benelux", "60", "40"),
    ]
    for n, (where, countries, norwegian, belgian) in enumerate(rules):
        rule = page.get_by_test_id(f"rule-{n}")
        rule.get_by_label("Where").select_option(label=where)
        rule.get_by_label("Countries or regions").fill(countries)
        rule.get_by_label("Fjord Pictures, percent").fill(norwegian)
        rule.get_by_label("Bruxelles Films, percent").fill(belgian)
    page.get_by_role("button", name="Save the split").click()
    expect(page.get_by_text("The split of Between Two Seas is saved.")).to_be_visible()
    screenshot(page, "coproduction-split")

    buyer = browser.new_context(
        base_url=live_server.url,
        locale="en-GB",
        bypass_csp=True,
        extra_http_headers={"X-Test-Country": "DE"},
    )
    buyer.set_default_timeout(15_000)
    viewer = buyer.new_page()
    log_in(viewer, "dora@example.org")
    viewer.goto(f"/buy/{film.slug}")
    viewer.get_by_role("button", name=re.compile("Buy for")).click()
    viewer.get_by_test_id("pay").click()
    expect(viewer.get_by_test_id("watch-now")).to_be_visible()

    theirs.goto("/studio/bruxelles-films/holdings")
    expect(theirs.get_by_test_id("received-EUR")).to_have_text("€4.92")
    expect(theirs.get_by_test_id("share-lines")).to_contain_text("Share of a sale")
    check_page(theirs)
    screenshot(theirs, "coproduction-statement")

    page.goto(f"/studio/{studio.slug}/titles/{film.id}/rights/sales")
    expect(page.get_by_test_id("split-sales")).to_contain_text("Bruxelles Films: €4.92")
    check_page(page)
    for context in (owner, coproducer, buyer):
        context.close()
