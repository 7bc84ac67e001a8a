"""Members see their own studio's revenue only, admins see all; other studios' URLs are 404."""

from __future__ import annotations

import pytest

from storefront.models import Studio

STUDIO_ROUTES = {
    "studio_revenue.dashboard": "/studio/{slug}/revenue",
    "studio_revenue.export_csv": "/studio/{slug}/revenue/export.csv",
    "studio_revenue.export_xlsx": "/studio/{slug}/revenue/export.xlsx",
    "studio_revenue.statement": "/studio/{slug}/revenue/statements/2026-03",
}
ADMIN_ROUTES = {
    "admin_revenue.overview": "/admin/revenue",
    "admin_revenue.export_csv": "/admin/revenue/export.csv",
    "admin_revenue.export_xlsx": "/admin/revenue/export.xlsx",
}


def test_every_report_route_is_covered_here(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert {e for e in endpoints if e.startswith("studio_revenue.")} == set(STUDIO_ROUTES)
    assert {e for e in endpoints if e.startswith("admin_revenue.")} == set(ADMIN_ROUTES)


@pytest.fixture
def two_studios(make_user, make_studio, make_ledger, make_title, filmmaker, studio):
    """The filmmaker's studio and a rival's, each with a sale the other must never see."""
    rival = make_studio(make_user("rival@example.org"), name="Rival Pictures")
    make_ledger(make_title("Ours", studio=studio)).sale(1111)
    make_ledger(make_title("Theirs", studio=rival)).sale(2222)
    return studio, rival


@pytest.mark.parametrize("endpoint", sorted(STUDIO_ROUTES))
def test_another_studios_report_urls_are_not_found(filmmaker_client, two_studios, endpoint):
    ours, rival = two_studios
    url = STUDIO_ROUTES[endpoint]
    own = filmmaker_client.get(url.format(slug=ours.slug) + "?period=all")
    assert own.status_code == 200
    assert filmmaker_client.get(url.format(slug=rival.slug) + "?period=all").status_code == 404
    assert filmmaker_client.get(url.format(slug="no-such-studio")).status_code == 404
    body = own.get_data()
    assert b"Theirs" not in body and b"22.22" not in body and b"22,22" not in body


@pytest.mark.parametrize("endpoint", sorted(STUDIO_ROUTES))
def test_admins_read_any_studios_reports(admin_client, two_studios, endpoint):
    _, rival = two_studios
    assert admin_client.get(STUDIO_ROUTES[endpoint].format(slug=rival.slug)).status_code == 200


@pytest.mark.parametrize("endpoint", sorted(STUDIO_ROUTES) + sorted(ADMIN_ROUTES))
def test_visitors_are_sent_to_log_in(client, studio: Studio, endpoint):
    url = {**STUDIO_ROUTES, **ADMIN_ROUTES}[endpoint].format(slug=studio.slug)
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("endpoint", sorted(ADMIN_ROUTES))
def test_platform_reports_are_for_admins_only(filmmaker_client, two_studios, endpoint):
    assert filmmaker_client.get(ADMIN_ROUTES[endpoint]).status_code == 403


@pytest.mark.parametrize("endpoint", sorted(ADMIN_ROUTES))
def test_admins_read_the_platform_reports(admin_client, two_studios, endpoint):
    response = admin_client.get(ADMIN_ROUTES[endpoint] + "?period=all")
    assert response.status_code == 200
    if endpoint.endswith("csv"):
        assert b"Ours" in response.get_data() and b"Theirs" in response.get_data()


def test_a_members_title_filter_cannot_reach_another_studios_title(filmmaker_client, two_studios):
    from storefront.extensions import db
    from storefront.models import Title

    ours, rival = two_studios
    theirs = db.session.scalar(db.select(Title).filter_by(studio_id=rival.id))
    response = filmmaker_client.get(
        f"/studio/{ours.slug}/revenue/export.csv?period=all&title={theirs.id}"
    )
    assert response.status_code == 400
