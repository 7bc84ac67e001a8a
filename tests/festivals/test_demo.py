"""`make run` shows a festival: the demo data programmes the demo films with a capped
screening on now and passes on sale."""

from __future__ import annotations

from storefront.extensions import db
from storefront.models import Festival, FestivalPass, Screening, SelectionStatus


def test_the_demo_festival(app, client):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    assert runner.invoke(args=["demo-data"]).exit_code == 0  # nothing duplicated

    festival = db.session.scalar(db.select(Festival))
    screenings = db.session.scalars(db.select(Screening)).all()
    assert db.session.scalar(db.select(db.func.count()).select_from(Festival)) == 1
    assert {s.selection.status for s in screenings} == {SelectionStatus.ACCEPTED}
    assert any(s.capacity for s in screenings) and any(s.live_start_at for s in screenings)
    assert db.session.scalar(db.select(db.func.count()).select_from(FestivalPass)) == 2
    page = client.get(f"/festivals/{festival.slug}", headers={"X-Test-Country": "NO"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "5 seats left." in text and "Three-film pass" in text and "NOK" in text
    assert 'alt="Artwork of Arctic Lights Festival"' in text  # drawn, resized by the worker
