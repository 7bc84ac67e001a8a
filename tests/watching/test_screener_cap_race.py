"""Screeners sent from several tabs at once, over HTTP to a live multi-threaded server (SQLite
and PostgreSQL): an account racing for its last screener of the day sends exactly one."""

from __future__ import annotations

from collections import Counter

from storefront.extensions import db
from storefront.models import Screener
from tests.browser.conftest import LiveServer
from tests.payments.test_promo_race import race
from tests.test_studio_cap_race import _signed_in

TABS = 5


def test_tabs_racing_for_the_last_screener_of_the_day_send_one(app, filmmaker, studio, film):
    app.config["SCREENERS_PER_ACCOUNT_PER_DAY"] = 1
    app.config["WTF_CSRF_ENABLED"] = False
    form = {
        "title_id": str(film.id),
        "recipient_name": "Rita Critic",
        "recipient_email": "rita@press.example",
        "days": "14",
        "max_views": "3",
        "mode": "worldwide",
    }
    with LiveServer(app) as server:
        tabs = [_signed_in(server.url, filmmaker.email) for _ in range(TABS)]
        results = race(server.url, tabs, f"/studio/{studio.slug}/screeners", form)

    assert Counter(results) == Counter({303: 1, 400: TABS - 1}), results
    db.session.expire_all()
    sent = db.select(db.func.count(Screener.id)).filter_by(sent_by_id=filmmaker.id)
    assert db.session.scalar(sent) == 1
