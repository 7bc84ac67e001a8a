"""First journeys in a real browser: sign up, create a studio, log out and in; reset a password."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import expect

from storefront.extensions import db
from storefront.models import OutboxMessage, Studio

from .conftest import screenshot

PASSWORD = "a long browser passphrase"


def sign_up(page, email: str, name: str = "Bea Browser") -> None:
    page.goto("/")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    # The address is confirmed through the mailed link, then the new account logs in.
    body = db.session.scalar(
        db.select(OutboxMessage.body).filter_by(to=email).order_by(OutboxMessage.id.desc())
    )
    page.goto(urlsplit(re.findall(r"https?://\S+", body)[-1]).path)
    expect(page.get_by_text(f"Your email address {email} is confirmed.")).to_be_visible()
    log_in(page, email)


def log_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_visitor_signs_up_creates_a_studio_logs_out_and_back_in(page):
    sign_up(page, "bea@example.org")
    screenshot(page, "home")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sell your films").click()
    page.get_by_role("link", name="Create a studio").click()
    page.get_by_label("Studio name").fill("Lumen Collective")
    page.get_by_label("Country").select_option(label="Portugal")
    page.get_by_label("Short bio").fill("Short films from Lisbon.")
    page.get_by_role("button", name="Create the studio").click()
    expect(page.get_by_role("heading", name="Lumen Collective")).to_be_visible()
    expect(page.get_by_text("Portugal")).to_be_visible()
    screenshot(page, "studio")
    assert db.session.scalar(db.select(Studio.name)) == "Lumen Collective"

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    log_in(page, "bea@example.org")
    page.goto("/studio/")
    expect(page.get_by_role("heading", name="Lumen Collective")).to_be_visible()


def test_password_reset_through_the_outbox_link(page, browser, live_server, make_user, admin):
    make_user("forgetful@example.org")
    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("forgetful@example.org")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_text("If an account exists")).to_be_visible()

    # The embedded default has no SMTP server: an admin reads the message in the outbox.
    admin_page = browser.new_context(base_url=live_server.url).new_page()
    log_in(admin_page, admin.email, "correct horse battery")
    admin_page.goto("/admin/outbox")
    admin_page.get_by_role("link", name="Reset your password").click()
    body = admin_page.locator(".mail-body").inner_text()
    link = re.search(r"http://\S+/password/reset/\S+", body).group(0)
    path = urlsplit(link).path

    page.goto(path)
    page.get_by_label("New password", exact=True).fill("my new browser passphrase")
    page.get_by_label("Repeat the new password").fill("my new browser passphrase")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_text("Your password has been changed.")).to_be_visible()
    log_in(page, "forgetful@example.org", "my new browser passphrase")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_french_interface(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    page = context.new_page()
    page.goto("/")
    expect(page.get_by_role("link", name="S’inscrire")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "fr"
    context.close()
