"""who sent each screener: one account's screeners a day are limited across all its studios

Revision ID: 0027_screener_sender
Revises: 0026_admin_actions

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0027_screener_sender"
down_revision = "0026_admin_actions"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE on every database: a batch copy of screeners would drop their streams
    # with it (foreign keys are on), as noted in 0022 and 0026. Screeners sent before this
    # revision name no sender and count for no one.
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its reference inline, never a constraint afterwards (and
        # reflects no ON DELETE from an inline one: accounts are anonymised, never deleted,
        # so the reference needs none).
        op.execute(
            "ALTER TABLE screeners ADD COLUMN sent_by_id INTEGER"
            " CONSTRAINT fk_screeners_sent_by_id_users REFERENCES users (id)"
        )
    else:
        op.add_column("screeners", sa.Column("sent_by_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_screeners_sent_by_id_users"),
            "screeners",
            "users",
            ["sent_by_id"],
            ["id"],
        )
    op.create_index("ix_screeners_sent_by_created", "screeners", ["sent_by_id", "created_at"])


def downgrade():
    op.drop_index("ix_screeners_sent_by_created", table_name="screeners")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE screeners DROP COLUMN sent_by_id")
    else:
        op.drop_constraint(op.f("fk_screeners_sent_by_id_users"), "screeners", type_="foreignkey")
        op.drop_column("screeners", "sent_by_id")
