"""A filmmaker's title pages once they hold something: the offers page with both a rent and a
buy price, and the media page after subtitles are uploaded through its own form, fit 390 px
and pass axe (each scrolling table is a landmark of its own name, not its section's)."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from storefront.models import TitleStatus

from ..watching.conftest import WORLDWIDE
from .accessibility import assert_usable_and_accessible
from .test_player import log_in


def test_the_offers_page_with_rent_and_buy_prices_passes_axe(page, filmmaker, studio, make_title):
    title = make_title("Tide Lines", studio=studio, offers=WORLDWIDE)
    log_in(page, filmmaker.email)
    assert_usable_and_accessible(page, f"/studio/{studio.slug}/titles/{title.id}/offers")
    expect(page.get_by_role("region", name="Rent prices by country")).to_be_visible()
    expect(page.get_by_role("region", name="Buy prices by country")).to_be_visible()


def test_the_media_page_with_subtitles_passes_axe(
    page, filmmaker, studio, make_title, tmp_path: Path
):
    title = make_title("Tide Lines", studio=studio, status=TitleStatus.DRAFT)
    srt = tmp_path / "tide.srt"
    srt.write_text("1\n00:00:01,000 --> 00:00:02,500\nOlá\n", encoding="utf-8")
    log_in(page, filmmaker.email)
    path = f"/studio/{studio.slug}/titles/{title.id}/media"
    page.goto(path)
    form = page.locator("form", has=page.get_by_role("button", name="Upload subtitles"))
    form.get_by_label("Language").select_option("pt")
    form.locator("input[type=file]").set_input_files(str(srt))
    form.get_by_role("button", name="Upload subtitles").click()
    expect(page.get_by_text("The Portuguese track is saved.")).to_be_visible()
    assert_usable_and_accessible(page, path)
    expect(page.get_by_role("region", name="Subtitle tracks")).to_be_visible()
