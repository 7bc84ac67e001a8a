"""A code used on a co-produced film: the sale is charged on the platform (a split sale), and
the studio's redemption view still counts the discount the viewer was given."""

from __future__ import annotations

from storefront.extensions import db
from storefront.models import EntryType, LedgerEntry
from storefront.services.promotion import report
from storefront.services.rights.splits import RuleInput, save_rules
from tests.payments.conftest import latest_order
from tests.payments.coproduction import add_holder
from tests.payments.promo import buy_with_code, make_promotion

PAYMENTS_BACKEND = "offline"


def test_a_split_sale_keeps_its_discount_in_the_code_report(
    app, viewer_client, viewer, studio, make_title, make_user, make_studio
):
    film = make_title(
        "Night Train", studio=studio, offers=[{"kind": "rent", "amount": 499, "currency": "EUR"}]
    )
    partner = make_studio(
        make_user("producer@bruxelles.example"), name="Bruxelles Films", country="BE"
    )
    add_holder(film, partner)
    save_rules(
        film,
        [RuleInput("worldwide", "", "", {studio.id: "60", partner.id: "40"})],
        {studio.id, partner.id},
        "en",
    )
    db.session.commit()
    promotion = make_promotion(studio, percent_off=10, code="TENOFF")

    start = buy_with_code(viewer_client, film, "TENOFF", "rent", country="FR")
    assert start.status_code == 303
    assert viewer_client.post(start.location + "/pay").status_code == 303
    order = latest_order(viewer)
    assert order.discount_amount == 50

    sale = db.session.scalar(
        db.select(LedgerEntry).filter_by(order_id=order.id, entry_type=EntryType.SPLIT_SALE)
    )
    assert sale is not None and sale.discount == 50
    (line,) = report.usage(promotion).totals
    assert (line.uses, line.gross, line.discount) == (1, 449, 50)
