"""A split remembered by ``has_split`` (asked several times per payment, once per job since
a split once written stays) is forgotten when a rollback may have undone it."""

from __future__ import annotations

from storefront.extensions import db
from storefront.services.rights.shares import has_split, snapshot_sole_payee

from .conftest import checkout, latest_order


def test_a_split_undone_by_a_rollback_is_not_remembered(viewer_client, film, studio):
    checkout(viewer_client, film, "rent")
    order = latest_order()
    assert not has_split(order.id)

    snapshot_sole_payee(order, studio)
    assert has_split(order.id)
    db.session.rollback()

    assert not has_split(order.id)
