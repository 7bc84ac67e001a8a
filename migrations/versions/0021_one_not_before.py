"""one "not before" moment per entitlement: a festival ticket's opening moves into the column a
pre-order's release already uses, so one rule decides both

Revision ID: 0021_one_not_before
Revises: 0021_studio_timezone

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021_one_not_before"
down_revision = "0021_studio_timezone"
branch_labels = None
depends_on = None


def upgrade():
    # A row never carries both (tickets are not pre-ordered); should one, the later moment wins,
    # as both refusals applied before.
    op.execute(
        "UPDATE entitlements SET not_before = opens_at WHERE opens_at IS NOT NULL"
        " AND (not_before IS NULL OR opens_at > not_before)"
    )
    with op.batch_alter_table("entitlements", schema=None) as batch_op:
        batch_op.drop_column("opens_at")


def downgrade():
    with op.batch_alter_table("entitlements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opens_at", sa.DateTime(), nullable=True))
    op.execute(
        "UPDATE entitlements SET opens_at = not_before, not_before = NULL WHERE kind = 'ticket'"
    )
