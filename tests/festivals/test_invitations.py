"""Invitations: a title's studio answers once, and a declined invitation can be asked again."""

from __future__ import annotations

import pytest

from storefront.extensions import db
from storefront.models import SelectionStatus
from storefront.services import ServiceError
from storefront.services.promotion import festivals

from .conftest import sign_in


def test_a_declined_title_can_be_invited_again_with_a_new_share(festival, film, filmmaker):
    chosen = festivals.invite_title(festival, film, share_bp=3000)
    festivals.respond(chosen, filmmaker, accept=False)
    db.session.commit()

    again = festivals.invite_title(festival, film, share_bp=2000)
    db.session.commit()

    assert again.id == chosen.id
    assert again.status == SelectionStatus.INVITED
    assert again.share_bp == 2000
    assert again.responded_at is None and again.responded_by_id is None
    festivals.respond(again, filmmaker, accept=True)
    assert again.status == SelectionStatus.ACCEPTED


def test_an_invitation_waiting_or_accepted_is_not_invited_twice(festival, film, filmmaker):
    chosen = festivals.invite_title(festival, film)
    with pytest.raises(ServiceError, match="already invited"):
        festivals.invite_title(festival, film)
    festivals.respond(chosen, filmmaker, accept=True)
    with pytest.raises(ServiceError, match="already invited"):
        festivals.invite_title(festival, film)


def test_the_organiser_asks_again_from_the_festival_page(app, festival, film, filmmaker, organiser):
    chosen = festivals.invite_title(festival, film)
    festivals.respond(chosen, filmmaker, accept=False)
    db.session.commit()
    client = sign_in(app, organiser.email)

    response = client.post(
        f"/studio/{festival.studio.slug}/festivals/{festival.slug}/invitations",
        data={"title": f"/films/{film.slug}", "share": "20"},
        follow_redirects=True,
    )

    assert response.status_code == 200
    assert f"{film.name} is invited; its studio will answer." in response.get_data(as_text=True)
    db.session.refresh(chosen)
    assert chosen.status == SelectionStatus.INVITED and chosen.share_bp == 2000


def test_another_studios_draft_cannot_be_invited_nor_its_name_learnt(
    app, festival, studio, make_title, organiser
):
    """A festival invites films on the store: another studio's draft, found by guessing its
    address, is "no film" (its name is not shown, and its studio gets no invitation)."""
    from storefront.models import FestivalSelection, TitleStatus

    draft = make_title("Secret Sequel", studio=studio, status=TitleStatus.DRAFT)
    client = sign_in(app, organiser.email)

    response = client.post(
        f"/studio/{festival.studio.slug}/festivals/{festival.slug}/invitations",
        data={"title": draft.slug},
        follow_redirects=True,
    )

    assert response.status_code == 400
    assert "No film has that address." in response.text and "Secret Sequel" not in response.text
    assert db.session.scalar(db.select(FestivalSelection).filter_by(title_id=draft.id)) is None
