"""An operator on a phone finds an account, suspends it with a reason, reads the audit log
and lifts the suspension: every state of the pages fits 390 px and passes axe-core."""

from __future__ import annotations

from playwright.sync_api import expect

from storefront.extensions import db
from storefront.models import User
from storefront.services.accounts import audit

from ..conftest import PASSWORD
from .pages import OVERFLOW, axe_violations


def check(page, where: str) -> list[str]:
    box = page.evaluate(OVERFLOW)
    wide = (
        [f"{where}: {box['scrollWidth']} px wide: {box['wide']}"]
        if (box["scrollWidth"] > box["width"])
        else []
    )
    return wide + [f"{where}: {line}" for line in axe_violations(page)]


def test_an_admin_suspends_and_restores_an_account_on_a_phone(
    browser, live_server, make_user, make_studio
):
    admin = make_user("admin@example.org", admin=True)
    target = make_user("a-rather-long-address-for-a-phone@festival-films.example")
    studio = make_studio(target, name="Long Named Documentary Collective of the North")
    # What the command line and the studio pages log shows on the same pages.
    audit.record(
        audit.CommandLine("operations-on-call"), audit.EDIT_STUDIO, studio, "studio.edit (edit)"
    )
    db.session.commit()
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-GB",
        viewport={"width": 390, "height": 844},
        bypass_csp=True,  # axe-core is injected inline; CSP is checked on its own elsewhere
    )
    page = context.new_page()
    problems: list[str] = []
    try:
        page.goto("/login")
        page.get_by_label("Email").fill(admin.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto("/admin/")
        page.get_by_role("link", name="Accounts").first.click()
        page.get_by_label("Email address contains").fill("festival-films")
        page.get_by_role("button", name="Search").click()
        expect(page.get_by_text("1 account found.")).to_be_visible()
        problems += check(page, "account list")
        page.get_by_role("link", name=target.email).click()

        page.get_by_role("button", name="Suspend the account").click()  # no reason yet
        expect(page.get_by_text("This field is required.")).to_be_visible()
        problems += check(page, "suspend refused")
        page.get_by_label("Why (kept in the audit log)").fill("Chargebacks on stolen cards")
        page.get_by_role("button", name="Suspend the account").click()
        expect(page.get_by_text("is suspended and signed out everywhere")).to_be_visible()
        problems += check(page, "suspended account")
        db.session.expire_all()  # the live server changed it in its own session
        assert db.session.get(User, target.id).suspended_at is not None

        page.goto("/admin/audit")
        expect(page.get_by_text("Chargebacks on stolen cards")).to_be_visible()
        expect(page.get_by_text("Command line (operations-on-call)")).to_be_visible()
        problems += check(page, "audit log")
        page.goto(f"/admin/users/{target.id}")
        page.get_by_role("button", name="Lift the suspension").click()
        expect(page.get_by_text("can sign in again")).to_be_visible()
        page.get_by_role("link", name="Long Named Documentary Collective of the North").click()
        expect(page.get_by_role("heading", name="Members")).to_be_visible()
        expect(page.get_by_text("Changed a studio's page")).to_be_visible()
        problems += check(page, "studio")
    finally:
        context.close()
    assert not problems, "\n".join(problems)
