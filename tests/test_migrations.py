"""The schema comes from the migrations alone, and they match the models."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storefront.extensions import db


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == [], f"models and migrations differ; add a migration: {differences}"


def test_migrations_downgrade_and_upgrade_cleanly(app):
    from flask_migrate import downgrade, upgrade

    downgrade(revision="base")
    assert db.inspect(db.engine).get_table_names() in ([], ["alembic_version"])
    upgrade()
    assert "users" in db.inspect(db.engine).get_table_names()


def test_a_tickets_opening_moves_into_not_before_and_back(app, make_user, make_title):
    """0021 folds a festival ticket's opening into the column a pre-order's release uses:
    the moments survive the upgrade, and the downgrade gives each back to its own column."""
    from flask_migrate import downgrade, upgrade

    from storefront.models import OfferKind, utcnow
    from tests.watching.conftest import grant

    viewer, film = make_user("viewer@example.com"), make_title()
    opens = utcnow().replace(microsecond=0) + timedelta(days=1)
    release = opens + timedelta(days=2)
    ticket = grant(viewer, film, OfferKind.TICKET).entitlement
    preorder = grant(viewer, film, OfferKind.BUY).entitlement
    ticket.not_before, preorder.not_before = opens, release
    db.session.commit()
    ids = {"ticket": ticket.id, "preorder": preorder.id}
    db.session.remove()

    downgrade(revision="0020_split_reports")
    # Raw rows hold naive UTC, as the models' datetime columns store it.
    opens, release = opens.replace(tzinfo=None), release.replace(tzinfo=None)
    assert entitlement_moments(ids) == {"ticket": (None, opens), "preorder": (release, None)}
    upgrade()
    assert entitlement_moments(ids) == {"ticket": (opens,), "preorder": (release,)}


def entitlement_moments(ids: dict[str, int]) -> dict[str, tuple]:
    """Each row's not_before (and opens_at while that column exists), read past the models."""
    present = {c["name"] for c in db.inspect(db.engine).get_columns("entitlements")}
    names = [n for n in ("not_before", "opens_at") if n in present]
    table = sa.table("entitlements", sa.column("id"), *(sa.column(n, sa.DateTime()) for n in names))
    query = sa.select(*(table.c[n] for n in names)).where(table.c.id == sa.bindparam("id"))
    with db.engine.connect() as connection:
        return {
            name: tuple(connection.execute(query, {"id": id_}).one()) for name, id_ in ids.items()
        }
