"""A report's range and its chart's buckets are bounded: no minute-long page of 26 MB."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "query",
    [
        "period=custom&start=0001-01-01&end=9998-12-31",
        "period=custom&start=2020-01-01&end=9999-12-31",
        "period=custom&start=2020-01-01&end=2029-12-31&group=day",
        "period=custom&start=2001-01-01&end=2026-12-31&group=week",
    ],
)
@pytest.mark.parametrize("page", ["/studio/{slug}/revenue", "/studio/{slug}/revenue/export.csv"])
def test_unbounded_ranges_get_a_form_error(filmmaker_client, studio, query, page):
    response = filmmaker_client.get(page.format(slug=studio.slug) + "?" + query)
    assert response.status_code == 400
    assert len(response.get_data()) < 200_000


def test_admin_report_refuses_the_same(admin_client):
    query = "period=custom&start=0001-01-01&end=9998-12-31"
    assert admin_client.get(f"/admin/revenue?{query}").status_code == 400


def test_a_long_range_is_charted_by_month(filmmaker_client, studio):
    response = filmmaker_client.get(
        f"/studio/{studio.slug}/revenue?period=custom&start=2001-01-01&end=2025-12-31"
    )
    assert response.status_code == 200


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "1999-12"])
def test_statements_far_outside_the_store_are_a_400(filmmaker_client, studio, month):
    response = filmmaker_client.get(f"/studio/{studio.slug}/revenue/statements/{month}")
    assert response.status_code == 400
