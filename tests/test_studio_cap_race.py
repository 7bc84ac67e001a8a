"""Studios opened at the same moment, over HTTP to a live multi-threaded server (SQLite and
PostgreSQL): one account's tabs racing for its last allowed studio open exactly one, and
several accounts naming their studios alike each get one, under its own address."""

from __future__ import annotations

from collections import Counter

import requests

from storefront.extensions import db
from storefront.models import Studio, StudioMember, StudioRole
from tests.browser.conftest import LiveServer
from tests.conftest import PASSWORD
from tests.payments.test_promo_race import race

from .test_studios import STUDIO_FORM

TABS = 6


def _signed_in(base: str, email: str) -> requests.Session:
    tab = requests.Session()
    login = tab.post(
        f"{base}/login", data={"email": email, "password": PASSWORD}, allow_redirects=False
    )
    assert login.status_code in (302, 303)
    return tab


def test_tabs_racing_for_the_last_studio_open_one(app, viewer):
    app.config["STUDIOS_PER_ACCOUNT"] = 1
    app.config["WTF_CSRF_ENABLED"] = False
    with LiveServer(app) as server:
        tabs = [_signed_in(server.url, viewer.email) for _ in range(TABS)]
        results = race(server.url, tabs, "/studio/new", STUDIO_FORM)
    assert Counter(results) == Counter({302: 1, 400: TABS - 1}), results
    db.session.expire_all()
    owned = db.select(db.func.count(StudioMember.id)).filter_by(
        user_id=viewer.id, role=StudioRole.OWNER
    )
    assert db.session.scalar(owned) == 1


def test_accounts_naming_their_studios_alike_at_once_each_get_one(app, make_user):
    app.config["WTF_CSRF_ENABLED"] = False
    users = [make_user(f"founder{i}@example.org") for i in range(TABS)]
    with LiveServer(app) as server:
        tabs = [_signed_in(server.url, user.email) for user in users]
        results = race(server.url, tabs, "/studio/new", STUDIO_FORM)
    assert results == [302] * TABS
    db.session.expire_all()
    slugs = db.session.scalars(db.select(Studio.slug).filter_by(name="Aurora Docs")).all()
    assert sorted(slugs) == sorted(
        ["aurora-docs"] + [f"aurora-docs-{n}" for n in range(2, 8)][: TABS - 1]
    )
