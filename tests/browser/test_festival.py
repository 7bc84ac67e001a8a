"""A festival in Chromium: the organiser programmes a film, its filmmaker accepts the share,
the organiser schedules two screenings; a viewer buys a pass on the processor's hosted page,
books both screenings and watches one; the filmmaker reads its share. Every festival page
fits 390 px and passes axe-core."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from storefront.extensions import db
from storefront.models import FestivalPass, PassKind, utcnow
from storefront.services.promotion import festivals

from ..conftest import PASSWORD
from ..watching.conftest import hls_package, store_hls  # noqa: F401
from .accessibility import assert_usable_and_accessible
from .conftest import screenshot

WEBHOOK_SECRET = "whsec_browser_festival"


@pytest.fixture
def settings(settings: dict, stripe_emu) -> dict:  # type: ignore[no-untyped-def]
    settings.update(
        PAYMENTS_BACKEND="stripe",
        STRIPE_SECRET_KEY="sk_test_browser_festival",
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=stripe_emu.url,
        STRIPE_MAX_NETWORK_RETRIES=0,
    )
    return settings


@pytest.fixture
def world(live_server, stripe_emu, make_user, make_studio, make_title, hls_package):  # type: ignore[no-untyped-def]  # noqa: F811
    stripe_emu.add_webhook_endpoint(live_server.url + "/webhooks/stripe", WEBHOOK_SECRET)
    filmmaker = make_user("fenna@example.org")
    film_studio = make_studio(filmmaker, name="North Light Films")
    film = make_title("Northern Lights", studio=film_studio)
    store_hls(film, hls_package)
    organiser = make_user("frida@example.org")
    festival_studio = make_studio(organiser, name="Arctic Lights")
    today = utcnow().date()
    festival = festivals.create_festival(
        festival_studio, "Arctic Lights Festival", today, today + timedelta(days=5),
        "Europe/Oslo", 3000,
    )  # fmt: skip
    db.session.add(
        FestivalPass(
            festival_id=festival.id, name="Two-film pass", kind=PassKind.FILMS, films=2,
            amount=2000, currency="EUR",
        )
    )  # fmt: skip
    db.session.commit()
    viewer = make_user("vera@example.org")
    return {
        "filmmaker": filmmaker, "film": film, "film_studio": film_studio,
        "organiser": organiser, "festival": festival, "festival_studio": festival_studio,
        "viewer": viewer,
    }  # fmt: skip


def log_in(page, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def log_out(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()


def oslo(at) -> str:  # type: ignore[no-untyped-def]
    return at.astimezone(ZoneInfo("Europe/Oslo")).strftime("%Y-%m-%dT%H:%M")


def test_a_festival_programmes_a_viewer_books_with_a_pass_the_filmmaker_reads(page, world):
    festival, film = world["festival"], world["film"]
    manage = f"/studio/{world['festival_studio'].slug}/festivals/{festival.slug}"
    invitations = f"/studio/{world['film_studio'].slug}/festival-invitations"

    # The festival invites the film.
    log_in(page, world["organiser"].email)
    page.goto(manage)
    page.get_by_label("The film's address on the store").fill(f"/films/{film.slug}")
    page.get_by_role("button", name="Invite", exact=True).click()
    expect(page.get_by_text("Northern Lights is invited")).to_be_visible()
    log_out(page)

    # The filmmaker accepts its share.
    log_in(page, world["filmmaker"].email)
    page.goto(invitations)
    expect(page.get_by_text("asks for 30 % of the net")).to_be_visible()
    page.get_by_role("button", name="Accept the share").click()
    expect(page.get_by_text("Your answer is sent.")).to_be_visible()
    log_out(page)

    # The festival schedules two screenings, open now, in its own time zone.
    log_in(page, world["organiser"].email)
    now = utcnow()
    for hours in (1, 2):
        page.goto(manage)
        page.get_by_label("Opens (festival time)").fill(oslo(now - timedelta(hours=hours)))
        page.get_by_label("Closes (festival time)").fill(oslo(now + timedelta(days=1)))
        page.get_by_label("Seat cap (optional)").fill("10")
        page.get_by_label("Ticket price").fill("8")
        page.get_by_role("button", name="Add the screening").click()
        expect(page.get_by_text("Screening added.")).to_be_visible()
    log_out(page)

    # A viewer buys the pass on the processor's page and books both screenings.
    log_in(page, world["viewer"].email)
    page.goto(f"/festivals/{festival.slug}")
    page.get_by_role("button", name="Buy for €20.00").click()
    expect(page.get_by_text("Pass: Arctic Lights Festival: Two-film pass")).to_be_visible()
    page.get_by_test_id("pay").click()
    expect(page.get_by_test_id("order-message")).to_have_text("Payment confirmed.")
    page.goto(f"/festivals/{festival.slug}")
    expect(page.get_by_text("2 screenings left to book")).to_be_visible()
    for _ in range(2):
        page.get_by_role("button", name="Book with my Two-film pass").first.click()
        expect(page.get_by_text("Booked: Northern Lights")).to_be_visible()
    expect(page.get_by_text("0 screenings left to book")).to_be_visible()
    screenshot(page, "festival-booked")

    # ...and watches one in the player.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My films").click()
    expect(page.get_by_text("Festival ticket")).to_be_visible()
    page.get_by_role("link", name="Watch", exact=True).click()
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("document.querySelector('video').currentTime > 1", timeout=20_000)
    log_out(page)

    # The filmmaker reads its share: two bookings, each half the pass's €19.12 net, less 30 %.
    log_in(page, world["filmmaker"].email)
    page.goto(invitations)
    expect(page.get_by_test_id("own-share")).to_have_text("€13.38")
    screenshot(page, "festival-filmmaker-share")


def test_every_festival_page_fits_and_is_accessible(page, world, make_title):
    festival, film = world["festival"], world["film"]
    selection = festivals.invite_title(festival, film)
    festivals.respond(selection, world["filmmaker"], accept=True)
    from storefront.services.promotion.bundles import create_bundle
    from storefront.services.promotion.screenings import add_screening

    add_screening(selection, utcnow() - timedelta(hours=1), utcnow() + timedelta(days=1), 800,
                  "EUR", capacity=3)  # fmt: skip
    other_film = make_title("Salt and Ice", studio=world["film_studio"])
    bundle = create_bundle(world["film_studio"], "Northern pair", [film, other_film], 1500, "EUR")
    db.session.commit()

    assert_usable_and_accessible(page, "/festivals/")
    assert_usable_and_accessible(page, f"/festivals/{festival.slug}")
    assert_usable_and_accessible(page, f"/bundles/{bundle.id}")
    log_in(page, world["organiser"].email)
    base = f"/studio/{world['festival_studio'].slug}"
    for path in (
        f"{base}/festivals",
        f"{base}/festivals/{festival.slug}",
        f"{base}/festivals/{festival.slug}/report",
        f"{base}/bundles",
    ):
        assert_usable_and_accessible(page, path)
    log_out(page)
    log_in(page, world["filmmaker"].email)
    assert_usable_and_accessible(page, f"/studio/{world['film_studio'].slug}/festival-invitations")
    assert_usable_and_accessible(page, f"/studio/{world['film_studio'].slug}/bundles")
    assert_usable_and_accessible(page, "/library")
