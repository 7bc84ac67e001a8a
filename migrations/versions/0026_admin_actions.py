"""admin actions: an audit log of what admins did to accounts and studios, and when an account
was suspended

Revision ID: 0026_admin_actions
Revises: 0025_festival_sales_open

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0026_admin_actions"
down_revision = "0025_festival_sales_open"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "admin_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("admin_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target_type", sa.String(length=20), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["admin_id"],
            ["users.id"],
            name=op.f("fk_admin_actions_admin_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_actions")),
    )
    op.create_index(op.f("ix_admin_actions_admin_id"), "admin_actions", ["admin_id"])
    op.create_index(op.f("ix_admin_actions_created_at"), "admin_actions", ["created_at"])
    op.create_index("ix_admin_actions_target", "admin_actions", ["target_type", "target_id"])
    # Plain ALTER TABLE on every database: a batch copy of users would break the foreign keys
    # of every table that points at it (as in 0022).
    op.add_column("users", sa.Column("suspended_at", sa.DateTime(), nullable=True))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE users DROP COLUMN suspended_at")
    else:
        op.drop_column("users", "suspended_at")
    op.drop_index("ix_admin_actions_target", table_name="admin_actions")
    op.drop_index(op.f("ix_admin_actions_created_at"), table_name="admin_actions")
    op.drop_index(op.f("ix_admin_actions_admin_id"), table_name="admin_actions")
    op.drop_table("admin_actions")
