"""hardening: server-side logins, verified email, studio roles, image jobs, stream links

Revision ID: 0017_hardening
Revises: 0006_revenue

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017_hardening"
down_revision = "0006_revenue"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "user_logins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("remember", sa.Boolean(), nullable=False),
        sa.Column("user_agent", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_logins_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_logins")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_user_logins_key_hash")),
    )
    with op.batch_alter_table("user_logins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_logins_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_verified_at", sa.DateTime(), nullable=True))

    # The old "member" could do everything but edit the profile and members: a manager now.
    op.execute("UPDATE studio_members SET role = 'manager' WHERE role = 'member'")
    with op.batch_alter_table("studio_invites", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "role",
                sa.Enum(
                    "owner", "manager", "finance", name="studiorole", native_enum=False, length=20
                ),
                nullable=False,
                server_default="manager",
            )
        )

    with op.batch_alter_table("title_images", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "status",
                sa.Enum(
                    "processing",
                    "ready",
                    "failed",
                    name="imagestatus",
                    native_enum=False,
                    length=20,
                ),
                nullable=False,
                server_default="ready",
            )
        )
        batch_op.add_column(sa.Column("source_key", sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column("error", sa.String(length=40), nullable=True))

    with op.batch_alter_table("playback_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("links_until", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("playback_sessions", schema=None) as batch_op:
        batch_op.drop_column("links_until")
    with op.batch_alter_table("title_images", schema=None) as batch_op:
        batch_op.drop_column("error")
        batch_op.drop_column("source_key")
        batch_op.drop_column("status")
    with op.batch_alter_table("studio_invites", schema=None) as batch_op:
        batch_op.drop_column("role")
    op.execute("UPDATE studio_members SET role = 'member' WHERE role <> 'owner'")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email_verified_at")
    with op.batch_alter_table("user_logins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_logins_user_id"))
    op.drop_table("user_logins")
