"""studio time zone: the zone in which a studio's audience figures cut days

Revision ID: 0021_studio_timezone
Revises: 0020_split_reports

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021_studio_timezone"
down_revision = "0020_split_reports"
branch_labels = None
depends_on = None


def upgrade():
    # Existing studios keep the UTC days they saw until now; they can choose their zone.
    with op.batch_alter_table("studios", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("timezone", sa.String(length=64), server_default="UTC", nullable=False)
        )


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops the column in place; a batch copy of studios would break the foreign
        # keys of every table that points at it once the store holds data.
        op.execute("ALTER TABLE studios DROP COLUMN timezone")
    else:
        op.drop_column("studios", "timezone")
