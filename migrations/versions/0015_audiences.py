"""audiences: queued mails, playback heartbeats, buyer consents, studio sale alerts

Revision ID: 0015_audiences
Revises: 0012_money_exact

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015_audiences"
down_revision = "0012_money_exact"
branch_labels = None
depends_on = None


def upgrade():

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("studio_id", sa.Integer(), nullable=True),
        sa.Column("to", sa.String(length=254), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "sent",
                "failed",
                "suppressed",
                name="notificationstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["studio_id"],
            ["studios.id"],
            name=op.f("fk_notifications_studio_id_studios"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notifications_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("key", name=op.f("uq_notifications_key")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notifications_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_notifications_status"), ["status"], unique=False)
        batch_op.create_index(
            "ix_notifications_studio_created", ["studio_id", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_notifications_to"), ["to"], unique=False)
        batch_op.create_index(batch_op.f("ix_notifications_user_id"), ["user_id"], unique=False)

    op.create_table(
        "buyer_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_buyer_consents_order_id_orders"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["title_id"],
            ["titles.id"],
            name=op.f("fk_buyer_consents_title_id_titles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_buyer_consents_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buyer_consents")),
        sa.UniqueConstraint("user_id", "title_id", name=op.f("uq_buyer_consents_user_id_title_id")),
    )
    with op.batch_alter_table("buyer_consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_buyer_consents_title_id"), ["title_id"], unique=False)

    op.create_table(
        "playback_heartbeats",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("position_seconds", sa.Integer(), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["playback_sessions.id"],
            name=op.f("fk_playback_heartbeats_session_id_playback_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["title_id"],
            ["titles.id"],
            name=op.f("fk_playback_heartbeats_title_id_titles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_playback_heartbeats_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playback_heartbeats")),
    )
    with op.batch_alter_table("playback_heartbeats", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_playback_heartbeats_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index("ix_playback_heartbeats_title_at", ["title_id", "at"], unique=False)

    op.create_table(
        "play_summaries",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("last_at", sa.DateTime(), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("last_position", sa.Integer(), nullable=False),
        sa.Column("max_position", sa.Integer(), nullable=False),
        sa.Column("watched_seconds", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["playback_sessions.id"],
            name=op.f("fk_play_summaries_session_id_playback_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["title_id"],
            ["titles.id"],
            name=op.f("fk_play_summaries_title_id_titles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_play_summaries_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_play_summaries")),
    )
    with op.batch_alter_table("play_summaries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_play_summaries_title_started", ["title_id", "started_at"], unique=False
        )

    with op.batch_alter_table("studios", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sale_alerts", sa.String(length=10), server_default="off", nullable=False)
        )


def downgrade():

    with op.batch_alter_table("studios", schema=None) as batch_op:
        batch_op.drop_column("sale_alerts")

    with op.batch_alter_table("playback_heartbeats", schema=None) as batch_op:
        batch_op.drop_index("ix_playback_heartbeats_title_at")
        batch_op.drop_index(batch_op.f("ix_playback_heartbeats_session_id"))

    op.drop_table("playback_heartbeats")
    with op.batch_alter_table("play_summaries", schema=None) as batch_op:
        batch_op.drop_index("ix_play_summaries_title_started")
    op.drop_table("play_summaries")
    with op.batch_alter_table("buyer_consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_buyer_consents_title_id"))

    op.drop_table("buyer_consents")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_user_id"))
        batch_op.drop_index(batch_op.f("ix_notifications_to"))
        batch_op.drop_index("ix_notifications_studio_created")
        batch_op.drop_index(batch_op.f("ix_notifications_status"))
        batch_op.drop_index(batch_op.f("ix_notifications_created_at"))

    op.drop_table("notifications")
