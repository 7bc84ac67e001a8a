"""The pages a finance member reads without changing them (pay what you want, release, the
split rules) and the money pages of a co-production, at 390 px and through axe-core: the sweep
of every page sees them as their owner, with their forms."""

from __future__ import annotations

from storefront.extensions import db
from storefront.models import StudioMember, StudioRole

from ..payments.coproduction import add_holder, nordic_benelux_rest
from .pages import BROKEN_REFERENCES, OVERFLOW, axe_violations
from .test_every_page import open_as


def test_a_finance_member_s_read_only_pages_fit_a_phone_and_pass_axe(
    browser, live_server, make_user, make_studio, make_title
):
    owner = make_user("owner@example.org")
    studio = make_studio(owner, name="Fjord Pictures")
    offers = [
        {"kind": "rent", "amount": 499, "currency": "EUR"},
        {"kind": "buy", "amount": 1299, "currency": "EUR"},
    ]
    title = make_title("Night Train", studio=studio, offers=offers)
    belgian = make_studio(name="Bruxelles Films", country="BE")
    add_holder(title, belgian)
    nordic_benelux_rest(title, studio, belgian)
    member = make_user("finance@example.org")
    db.session.add(StudioMember(studio_id=studio.id, user_id=member.id, role=StudioRole.FINANCE))
    db.session.commit()
    base = f"/studio/{studio.slug}/titles/{title.id}"

    context, page = open_as(browser, live_server, "finance", "en-GB")
    problems: list[str] = []
    try:
        for path in (f"{base}/pay-what-you-want", f"{base}/release", f"{base}/rights"):
            response = page.goto(path)
            assert response is not None and response.status == 200, path
            assert page.locator("main button[type=submit]").count() == 0, path
            box = page.evaluate(OVERFLOW)
            if box["scrollWidth"] > box["width"]:
                problems.append(f"{path}: {box['scrollWidth']} px wide: {box['wide']}")
            problems.extend(f"{path}: {line}" for line in axe_violations(page))
            problems.extend(f"{path}: {line}" for line in page.evaluate(BROKEN_REFERENCES))
    finally:
        context.close()
    assert not problems, "\n".join(problems)
