"""The schema comes from the migrations alone, and they match the models."""

from __future__ import annotations

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
