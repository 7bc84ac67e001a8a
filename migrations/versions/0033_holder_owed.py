"""holder payouts: when a reversal became owed (the holder's balance could not cover it) and
the share whose arrival settled it, so the holder's statement and mail can say so

Revision ID: 0033_holder_owed
Revises: 0032_admin_action_changes

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0033_holder_owed"
down_revision = "0032_admin_action_changes"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("holder_payouts", sa.Column("owed_since", sa.DateTime(), nullable=True))
    op.add_column("holder_payouts", sa.Column("settled_from_id", sa.Integer(), nullable=True))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE holder_payouts DROP COLUMN settled_from_id")
        op.execute("ALTER TABLE holder_payouts DROP COLUMN owed_since")
    else:
        op.drop_column("holder_payouts", "settled_from_id")
        op.drop_column("holder_payouts", "owed_since")
