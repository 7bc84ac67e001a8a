"""The studio's codes pages: creating shared and batch codes through the form, the offers
editor's territory picker, the CSV of codes, the redemption view, withdrawing."""

from __future__ import annotations

import csv
import io

from storefront.extensions import db
from storefront.models import PromoCode, Promotion, TerritoryMode

BUY = {"kind": "buy", "amount": 1299, "currency": "EUR"}


def form(**fields: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Newsletter",
        "discount_type": "percent",
        "percent_off": "20",
        "kind": "",
        "mode": "worldwide",
        "per_viewer_limit": "1",
        "code_mode": "shared",
        "code": "newsletter20",
    }
    data.update(fields)
    return data


def test_a_studio_creates_a_shared_code(filmmaker_client, studio, make_title):
    film = make_title("Night Train", studio=studio, offers=[dict(BUY)])
    response = filmmaker_client.post(
        f"/studio/{studio.slug}/codes/new",
        data=form(titles=[str(film.id)], max_uses="100", mode="allow", groups=["nordics"]),
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    promotion = db.session.scalar(db.select(Promotion))
    assert [c.code for c in promotion.codes] == ["NEWSLETTER20"]
    assert promotion.titles == [film] and not promotion.all_titles
    assert promotion.territory_mode == TerritoryMode.ALLOW
    assert {"NO", "SE", "DK", "FI", "IS"} <= set(promotion.countries)  # the region group
    listing = filmmaker_client.get(f"/studio/{studio.slug}/codes").get_data(as_text=True)
    assert "NEWSLETTER20" in listing and "20 % off" in listing


def test_the_form_names_each_mistake(filmmaker_client, studio):
    filmmaker_client.post(f"/studio/{studio.slug}/codes/new", data=form())
    response = filmmaker_client.post(
        f"/studio/{studio.slug}/codes/new",
        data=form(
            percent_off="0",
            mode="allow",
            valid_from="2027-03-02T10:00",
            valid_until="2027-03-01T10:00",
        ),
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter a percentage from 1 to 100" in page
    assert "The studio already has the code NEWSLETTER20." in page
    assert "Choose the countries where the code can be used." in page
    assert "The end must come after the start." in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Promotion)) == 1


def test_a_code_that_would_already_have_ended_is_refused_and_nothing_is_saved(
    filmmaker_client, studio
):
    """A code ending in the past could never be used: it is a typing mistake (a year, a month)."""
    response = filmmaker_client.post(
        f"/studio/{studio.slug}/codes/new",
        data=form(valid_from="2020-01-01T10:00", valid_until="2020-02-01T10:00"),
    )
    assert response.status_code == 400
    assert "This end has already passed" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Promotion)) == 0


def test_a_territory_choice_the_form_does_not_offer_is_refused(filmmaker_client, studio):
    response = filmmaker_client.post(
        f"/studio/{studio.slug}/codes/new", data=form(mode="everywhere-but-mars")
    )
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(Promotion)) == 0


def test_a_film_id_past_the_id_column_is_refused_and_nothing_is_saved(filmmaker_client, studio):
    for impossible in ("99999999999999999999", "2147483648"):
        response = filmmaker_client.post(
            f"/studio/{studio.slug}/codes/new", data=form(titles=[impossible])
        )
        assert response.status_code == 400
        assert "Choose films of this studio." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Promotion)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(PromoCode)) == 0


def test_limits_past_what_a_column_holds_are_refused_and_nothing_is_saved(filmmaker_client, studio):
    """PostgreSQL's INTEGER ends at 2**31 - 1 (SQLite's later): a limit past it was a 500."""
    for name in ("max_uses", "per_viewer_limit"):
        for value in ("1000001", str(10**12), "99999999999999999999"):
            response = filmmaker_client.post(
                f"/studio/{studio.slug}/codes/new", data=form(**{name: value})
            )
            assert response.status_code == 400, (name, value)
            page = response.get_data(as_text=True)
            assert "Enter at most 1000000, or leave it empty for no limit." in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Promotion)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(PromoCode)) == 0


def test_a_batch_of_single_use_codes_downloads_as_csv(filmmaker_client, studio):
    response = filmmaker_client.post(
        f"/studio/{studio.slug}/codes/new",
        data=form(
            name="Festival jurors",
            percent_off="100",
            code_mode="batch",
            batch_size="25",
            batch_prefix="jury",
        ),
    )
    assert response.status_code == 303
    promotion = db.session.scalar(db.select(Promotion))
    download = filmmaker_client.get(f"/studio/{studio.slug}/codes/{promotion.id}/codes.csv")
    assert download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert len(rows) == 25 and len({r["code"] for r in rows}) == 25
    assert all(r["code"].startswith("JURY-") and r["uses_left"] == "1" for r in rows)
    assert {c.max_uses for c in db.session.scalars(db.select(PromoCode))} == {1}


def test_a_promotion_name_is_never_run_as_a_spreadsheet_formula(filmmaker_client, studio):
    """The codes file is opened in a spreadsheet by whoever prints or mails the codes."""
    name = '=HYPERLINK("http://evil.example","Open")'
    response = filmmaker_client.post(
        f"/studio/{studio.slug}/codes/new",
        data=form(name=name, percent_off="100", code_mode="batch", batch_size="2"),
    )
    assert response.status_code == 303
    promotion = db.session.scalar(db.select(Promotion))
    download = filmmaker_client.get(f"/studio/{studio.slug}/codes/{promotion.id}/codes.csv")
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert [r["promotion"] for r in rows] == ["'" + name] * 2


def test_the_redemption_view_counts_uses_comps_and_discounts(
    filmmaker_client, studio, make_title, make_user, app
):
    from tests.payments.promo import buy_with_code, logged_in

    film = make_title("Night Train", studio=studio, offers=[dict(BUY)])
    filmmaker_client.post(
        f"/studio/{studio.slug}/codes/new", data=form(percent_off="100", code="CREW", max_uses="5")
    )
    promotion = db.session.scalar(db.select(Promotion))
    for email in ("a@example.org", "b@example.org"):
        viewer = logged_in(app, make_user(email).email)
        assert buy_with_code(viewer, film, "crew", "buy").status_code == 303
    page = filmmaker_client.get(f"/studio/{studio.slug}/codes/{promotion.id}")
    text = page.get_data(as_text=True)
    assert "2 used, 0 held by checkouts in progress, 0 given back by full refunds." in text
    assert "€25.98" in text  # discount given: two comps of 12.99
    assert '<tr data-code="CREW">' in text


def test_a_withdrawn_code_is_refused(filmmaker_client, studio, make_title, make_user, app):
    from tests.payments.promo import buy_with_code, logged_in

    film = make_title("Night Train", studio=studio, offers=[dict(BUY)])
    filmmaker_client.post(f"/studio/{studio.slug}/codes/new", data=form(code="GONE"))
    promotion = db.session.scalar(db.select(Promotion))
    assert (
        filmmaker_client.post(f"/studio/{studio.slug}/codes/{promotion.id}/withdraw").status_code
        == 303
    )
    viewer = logged_in(app, make_user("late@example.org").email)
    refused = buy_with_code(viewer, film, "GONE", "buy")
    assert refused.status_code == 409
    assert "withdrawn by the studio" in refused.get_data(as_text=True)


def test_a_withdrawn_code_can_be_put_back_in_use(
    filmmaker_client, studio, make_title, make_user, app
):
    """Withdrawing is not final: the code (unique in the studio, already sent to viewers)
    could otherwise never work again."""
    from tests.payments.promo import buy_with_code, logged_in

    film = make_title("Night Train", studio=studio, offers=[dict(BUY)])
    filmmaker_client.post(f"/studio/{studio.slug}/codes/new", data=form(code="BACK"))
    promotion = db.session.scalar(db.select(Promotion))
    base = f"/studio/{studio.slug}/codes/{promotion.id}"
    filmmaker_client.post(f"{base}/withdraw")
    assert "Put these codes back in use" in filmmaker_client.get(base).get_data(as_text=True)

    response = filmmaker_client.post(f"{base}/reinstate", follow_redirects=True)

    page = response.get_data(as_text=True)
    assert "The codes of Newsletter can be used again." in page
    assert "Withdraw these codes" in page
    db.session.refresh(promotion)
    assert promotion.active
    viewer = logged_in(app, make_user("late@example.org").email)
    assert buy_with_code(viewer, film, "BACK", "buy").status_code == 303


def test_a_single_use_limit_reads_in_the_singular(filmmaker_client, studio):
    filmmaker_client.post(f"/studio/{studio.slug}/codes/new", data=form(code="ONCE", max_uses="1"))
    promotion = db.session.scalar(db.select(Promotion))
    page = filmmaker_client.get(f"/studio/{studio.slug}/codes/{promotion.id}")
    assert "1 use in total; 1 per viewer" in page.get_data(as_text=True)


def test_a_batch_without_a_number_of_codes_says_so_not_that_the_shared_code_is_wrong(
    filmmaker_client, studio
):
    """Choosing a batch and leaving its size empty (or 0) was read as a shared code: the
    page said the (hidden, unused) shared code was invalid and never named the size."""
    for size in ("", "0", "abc"):
        response = filmmaker_client.post(
            f"/studio/{studio.slug}/codes/new", data=form(code_mode="batch", batch_size=size)
        )
        assert response.status_code == 400
        assert "Make from 1 to 1000 codes at a time." in response.text
        assert "A code has 3 to 40 letters" not in response.text
    assert db.session.scalar(db.select(db.func.count()).select_from(Promotion)) == 0


def test_two_amounts_in_one_currency_are_refused_not_one_dropped(filmmaker_client, studio):
    """Two rows in euros (2 and 3 off) kept the last and dropped the other without a word."""
    response = filmmaker_client.post(
        f"/studio/{studio.slug}/codes/new",
        data=form(
            discount_type="fixed",
            percent_off="",
            **{
                "fixed-0-price": "2",
                "fixed-0-currency": "EUR",
                "fixed-1-price": "3",
                "fixed-1-currency": "EUR",
            },
        ),
    )
    assert response.status_code == 400
    assert "Enter one amount per currency (EUR twice)." in response.text
    assert db.session.scalar(db.select(db.func.count()).select_from(Promotion)) == 0


def test_an_amount_off_below_the_smallest_charge_is_a_discount_not_a_price(
    filmmaker_client, studio
):
    """ "€0.25 off" (or ¥30 off) was refused with "Stripe cannot charge less than €0.50":
    an amount off is never charged; what the viewer pays is checked at checkout."""
    response = filmmaker_client.post(
        f"/studio/{studio.slug}/codes/new",
        data=form(
            discount_type="fixed",
            percent_off="",
            **{
                "fixed-0-price": "0.25",
                "fixed-0-currency": "EUR",
                "fixed-1-price": "30",
                "fixed-1-currency": "JPY",
            },
        ),
    )
    assert response.status_code == 303, response.text
    promotion = db.session.scalar(db.select(Promotion))
    assert promotion.fixed_amounts == {"EUR": 25, "JPY": 30}
    for typed in ("0", "-1", "0.001"):
        refused = filmmaker_client.post(
            f"/studio/{studio.slug}/codes/new",
            data=form(
                code=f"OTHER{len(typed)}",
                discount_type="fixed",
                percent_off="",
                **{"fixed-0-price": typed, "fixed-0-currency": "EUR"},
            ),
        )
        assert refused.status_code == 400
