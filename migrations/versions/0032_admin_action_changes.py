"""admin actions: what an admin's change in a studio's pages changed (record, field, old and
new value), so the log says more than the page's name

Revision ID: 0032_admin_action_changes
Revises: 0031_flagged_ticket_seats

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0032_admin_action_changes"
down_revision = "0031_flagged_ticket_seats"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("admin_actions", sa.Column("changes", sa.JSON(), nullable=True))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE admin_actions DROP COLUMN changes")
    else:
        op.drop_column("admin_actions", "changes")
