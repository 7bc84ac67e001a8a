"""SQLite has one writer: a request that has written holds the whole database until it ends.
Checkouts and webhook deliveries at once must still all get an answer, never "database is
locked" (SQLite only; PostgreSQL locks rows)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from flask import Flask

from storefront.extensions import db
from storefront.models import PromoRedemption, RedemptionStatus

from .conftest import latest_order
from .promo import buy_with_code, logged_in, make_promotion


@pytest.fixture(autouse=True)
def sqlite_only(app: Flask) -> None:
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite only: PostgreSQL locks rows, not the database")


def while_creating_the_session(app: Flask, monkeypatch, meanwhile: Callable[[], None]) -> None:  # type: ignore[no-untyped-def]
    """Run ``meanwhile`` in another thread, to its end, while the processor creates the next
    checkout session (the viewer's request has checked the code and not yet written)."""
    gateway = app.extensions["payments"]
    create = gateway.create_checkout_session
    calls = iter(range(1_000))

    def create_after_meanwhile(request):  # type: ignore[no-untyped-def]
        if next(calls) == 0:
            other = threading.Thread(target=meanwhile)
            other.start()
            other.join(timeout=30)
        return create(request)

    monkeypatch.setattr(gateway, "create_checkout_session", create_after_meanwhile)


def test_a_refused_codes_session_is_closed_without_locking_out_its_webhook(
    app, studio, film, emu, webhooks, make_user, monkeypatch
):
    """The last use goes to another viewer while this one's session is being created: the
    store closes that session at the processor, whose checkout.session.expired event comes
    straight back. Its delivery is stored (2xx), not refused with "database is locked" after
    waiting for the write lock the refused checkout held while it waited for the processor."""
    make_promotion(studio, percent_off=50, code="LASTSEAT", max_uses=1)
    late, quick = make_user("late@example.org"), make_user("quick@example.org")
    late_client, quick_client = logged_in(app, late.email), logged_in(app, quick.email)
    quick_answers: list[int] = []

    def quick_takes_the_last_use() -> None:
        quick_answers.append(buy_with_code(quick_client, film, "LASTSEAT").status_code)

    while_creating_the_session(app, monkeypatch, quick_takes_the_last_use)
    refused = buy_with_code(late_client, film, "LASTSEAT")

    assert quick_answers == [303]
    assert refused.status_code == 409
    expired = [d for d in emu.deliveries if d.event_type == "checkout.session.expired"]
    assert expired and all(d.status is not None and d.status < 300 for d in expired), [
        (d.status, d.body[:200]) for d in expired
    ]
    # Nothing half-saved: only the quick viewer's order and use exist, their session open.
    db.session.expire_all()
    held = db.session.scalars(db.select(PromoRedemption)).all()
    assert [r.status for r in held] == [RedemptionStatus.RESERVED]
    assert latest_order().user_id == quick.id
    sessions = {s["id"]: s["status"] for s in emu.objects("checkout.session")}
    assert sorted(sessions.values()) == ["expired", "open"]
    assert sessions[latest_order().checkout_session_id] == "open"
