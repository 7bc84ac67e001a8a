"""admin actions: who acted from the server's command line (no account, a login name)

Revision ID: 0028_admin_action_operator
Revises: 0027_screener_sender

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0028_admin_action_operator"
down_revision = "0027_screener_sender"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("admin_actions", sa.Column("operator", sa.String(length=64), nullable=True))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE admin_actions DROP COLUMN operator")
    else:
        op.drop_column("admin_actions", "operator")
