"""languages: titles' texts in many languages, audio tracks, buyers' home country

Revision ID: 0016_languages
Revises: 0012b_coproductions

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016_languages"
down_revision = "0012b_coproductions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("titles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("text_language", sa.String(length=12), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("tagline", sa.String(length=255), nullable=False, server_default="")
        )

    op.create_table(
        "title_texts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tagline", sa.String(length=255), nullable=False),
        sa.Column("synopsis", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["title_id"],
            ["titles.id"],
            name=op.f("fk_title_texts_title_id_titles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_title_texts")),
        sa.UniqueConstraint("title_id", "language", name=op.f("uq_title_texts_title_id_language")),
    )
    with op.batch_alter_table("title_texts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_title_texts_title_id"), ["title_id"], unique=False)

    op.create_table(
        "audio_tracks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("stream_index", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=12), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "main",
                "dubbed",
                "commentary",
                "description",
                name="audiokind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("muxed", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "uploading",
                "uploaded",
                "probing",
                "transcoding",
                "ready",
                "failed",
                "superseded",
                name="assetstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("playlist_key", sa.String(length=512), nullable=True),
        sa.Column("error", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["media_assets.id"],
            name=op.f("fk_audio_tracks_asset_id_media_assets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["title_id"],
            ["titles.id"],
            name=op.f("fk_audio_tracks_title_id_titles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audio_tracks")),
        sa.UniqueConstraint(
            "asset_id", "stream_index", name=op.f("uq_audio_tracks_asset_id_stream_index")
        ),
    )
    with op.batch_alter_table("audio_tracks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audio_tracks_asset_id"), ["asset_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audio_tracks_title_id"), ["title_id"], unique=False)

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("home_country", sa.String(length=2), nullable=True))


def downgrade():
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("home_country")
    with op.batch_alter_table("audio_tracks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audio_tracks_title_id"))
        batch_op.drop_index(batch_op.f("ix_audio_tracks_asset_id"))
    op.drop_table("audio_tracks")
    with op.batch_alter_table("title_texts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_title_texts_title_id"))
    op.drop_table("title_texts")
    with op.batch_alter_table("titles", schema=None) as batch_op:
        batch_op.drop_column("tagline")
        batch_op.drop_column("text_language")
