"""A new account starts on the time zone its browser is in, so festival times, live starts,
rental deadlines and mails read on the viewer's own clock from the first day, not in UTC."""

from __future__ import annotations

from storefront.extensions import db
from storefront.models import User
from tests.conftest import PASSWORD


def test_signing_up_in_a_browser_in_sao_paulo_gives_the_account_that_zone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="pt-BR", timezone_id="America/Sao_Paulo"
    )
    page = context.new_page()
    page.goto("/signup")
    page.fill("#email", "nova@example.org")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Check your inbox")
    context.close()

    user = db.session.scalar(db.select(User).filter_by(email="nova@example.org"))
    assert user is not None and user.timezone == "America/Sao_Paulo"
