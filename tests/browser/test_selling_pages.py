"""The selling tools in Chromium: a studio creates a code, a viewer redeems it at checkout;
every new page fits 390 px and passes axe-core."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from storefront.extensions import db
from storefront.models import Promotion, Screener, utcnow

from ..payments.promo import make_promotion
from ..watching.conftest import hls_package, store_hls  # noqa: F401
from .accessibility import assert_usable_and_accessible
from .test_player import log_in

BUY = {"kind": "buy", "amount": 1299, "currency": "EUR"}


def test_a_studio_creates_a_code_and_a_viewer_redeems_it(
    page, browser, live_server, filmmaker, studio, viewer, make_title
):
    film = make_title("Night Train", studio=studio, offers=[dict(BUY)])
    log_in(page, filmmaker.email)
    page.goto(f"/studio/{studio.slug}/codes/new")
    page.get_by_label("Name (for you, not shown to viewers)").fill("Cast and crew")
    page.get_by_label("Percent off").fill("100")
    page.get_by_label("The code", exact=True).fill("crew2026")
    # Countries are picked as in the offers editor: a search whose picks become chips.
    page.get_by_label("Only in these countries").check()
    search = page.get_by_role("combobox", name="Countries")
    search.fill("nordic")
    page.get_by_role("option", name="Nordic countries").click()
    search.fill("germ")
    search.press("Enter")
    chosen = page.get_by_role("list", name="Chosen countries and groups")
    expect(chosen).to_contain_text("Nordic countries")
    page.get_by_role("button", name="Create the promotion").click()
    expect(page.get_by_role("heading", name="Cast and crew")).to_be_visible()
    promotion = db.session.scalar(db.select(Promotion))
    assert promotion.name == "Cast and crew"
    assert {"NO", "SE", "DK", "FI", "IS", "DE"} <= set(promotion.countries)

    context = browser.new_context(
        base_url=live_server.url,
        locale="en-GB",
        bypass_csp=True,
        extra_http_headers={"X-Test-Country": "NO"},  # where the code applies
    )
    viewer_page = context.new_page()
    log_in(viewer_page, viewer.email)
    viewer_page.goto(f"/films/{film.slug}")
    viewer_page.get_by_role("link", name="Have a promo code?").click()
    viewer_page.get_by_label("Promo code").fill("CREW2026")
    viewer_page.get_by_role("button", name="Apply").click()
    expect(viewer_page.get_by_test_id("quote-buy")).to_contain_text("€12.99")
    viewer_page.get_by_role("button", name="Get it free with this code").click()
    # A comp is not a payment: the order page says nothing was charged.
    expect(viewer_page.get_by_test_id("order-message")).to_have_text(
        "Your code covers the whole price: the film is yours, nothing was charged."
    )
    expect(viewer_page.get_by_test_id("watch-now")).to_be_visible()
    context.close()


def test_new_pages_fit_narrow_screens_and_pass_axe(
    page,
    browser,
    live_server,
    filmmaker,
    studio,
    viewer,
    make_title,
    hls_package,  # noqa: F811
):
    film = make_title("Night Train", studio=studio, offers=[dict(BUY)])
    store_hls(film, hls_package)
    release = utcnow() + timedelta(days=5)
    upcoming = make_title(
        "Soon",
        studio=studio,
        offers=[dict(BUY, available_from=release)],
        release_at=release,
        preorders=True,
    )
    promotion = make_promotion(studio, percent_off=20, batch_size=3)
    make_promotion(studio, percent_off=20, code="NEWS")
    log_in(page, filmmaker.email)
    for path in (
        f"/studio/{studio.slug}/codes",
        f"/studio/{studio.slug}/codes/new",
        f"/studio/{studio.slug}/codes/{promotion.id}",
        f"/studio/{studio.slug}/titles/{upcoming.id}/release",
        f"/watch/{film.slug}",
    ):
        assert_usable_and_accessible(page, path)
    expect(page.get_by_test_id("preview-banner")).to_be_visible()

    context = browser.new_context(base_url=live_server.url, locale="en-GB", bypass_csp=True)
    viewer_page = context.new_page()
    log_in(viewer_page, viewer.email)
    for path in (
        f"/buy/{film.slug}?code=NEWS",
        f"/buy/{film.slug}?code=WRONG",
        f"/films/{upcoming.slug}",
        f"/buy/{upcoming.slug}",
    ):
        assert_usable_and_accessible(viewer_page, path)
    context.close()


def test_a_recipient_watches_a_watermarked_screener_without_an_account(
    page,
    filmmaker,
    studio,
    make_title,
    hls_package,  # noqa: F811
):
    from storefront.services.promotion.screeners import ScreenerPlan, send_screener

    film = make_title("Night Train", studio=studio, offers=[dict(BUY)])
    store_hls(film, hls_package)
    _screener, token = send_screener(
        studio, ScreenerPlan(film.id, "Rita Critic", "rita@press.example"), utcnow(), filmmaker
    )
    db.session.commit()
    # The link's page (what a mail scanner fetches too) shows the terms and opens nothing.
    assert_usable_and_accessible(page, f"/screeners/{token}")
    db.session.expire_all()
    assert db.session.get(Screener, _screener.id).opened_at is None
    page.get_by_role("button", name="Start watching").click()
    page.wait_for_selector("[data-player]")
    assert_usable_and_accessible(page, f"/screeners/{token}")
    # Opening the screener (to check it, on another screen than the one to watch on) spends
    # no play: the first press of Play does.
    db.session.expire_all()
    opened = db.session.get(Screener, _screener.id)
    assert opened.opened_at is not None and opened.views == 0
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("document.querySelector('video').currentTime > 1.5", timeout=20_000)
    db.session.expire_all()
    assert db.session.get(Screener, _screener.id).views == 1
    mark = page.locator("[data-watermark]")
    expect(mark).to_have_text("Rita Critic · rita@press.example")
    expect(mark).to_be_visible()
    # Drawn over the picture: inside the video's box, above it.
    video = page.locator("video").bounding_box()
    box = mark.bounding_box()
    assert video and box
    assert video["x"] <= box["x"] and box["x"] + box["width"] <= video["x"] + video["width"]
    assert video["y"] <= box["y"] and box["y"] + box["height"] <= video["y"] + video["height"]
    # The player's controls offer no way to hide it.
    controls = page.locator(".player-controls").inner_text().lower()
    assert "watermark" not in controls and "name" not in controls


def test_studio_pages_for_screeners_and_pay_what_you_want_pass_axe(
    page, filmmaker, studio, make_title, viewer, browser, live_server
):
    film = make_title("Night Train", studio=studio, offers=[dict(BUY)])
    log_in(page, filmmaker.email)
    for path in (
        f"/studio/{studio.slug}/screeners",
        f"/studio/{studio.slug}/titles/{film.id}/pay-what-you-want",
    ):
        assert_usable_and_accessible(page, path)
    page.get_by_label("Pay what you want").first.check()
    page.get_by_label("Floor (EUR)").fill("5")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Pay what you want is saved")).to_be_visible()

    context = browser.new_context(base_url=live_server.url, locale="en-GB", bypass_csp=True)
    viewer_page = context.new_page()
    log_in(viewer_page, viewer.email)
    assert_usable_and_accessible(viewer_page, f"/buy/{film.slug}")
    viewer_page.get_by_label("Pay what you want (EUR)").fill("3")
    viewer_page.get_by_role("button", name="Buy at this price").click()
    expect(viewer_page.get_by_test_id("amount-refusal")).to_contain_text("€5.00")

    # A 20 % code lowers the floor to €4.00: the amount field stays, with the code's figures.
    make_promotion(studio, percent_off=20, code="FESTIVAL20")
    assert_usable_and_accessible(viewer_page, f"/buy/{film.slug}?code=FESTIVAL20")
    expect(viewer_page.get_by_test_id("pwyw-hint-buy")).to_contain_text("at least €4.00")
    viewer_page.get_by_label("Pay what you want (EUR)").fill("3.50")
    viewer_page.get_by_role("button", name="Buy at this price").click()
    expect(viewer_page.get_by_test_id("amount-refusal")).to_contain_text("€4.00")
    expect(viewer_page.get_by_test_id("quote-buy")).to_be_visible()  # the code is still on
    viewer_page.get_by_label("Pay what you want (EUR)").fill("4.50")
    viewer_page.get_by_role("button", name="Buy at this price").click()
    expect(viewer_page.get_by_test_id("amount")).to_have_text("€4.50")  # the test checkout
    context.close()
