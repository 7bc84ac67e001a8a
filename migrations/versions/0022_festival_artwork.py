"""festival artwork: resized key art per festival, replacing the unused artwork_key column

Revision ID: 0022_festival_artwork
Revises: 0021_one_not_before

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022_festival_artwork"
down_revision = "0021_one_not_before"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "festival_artworks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("festival_id", sa.Integer(), nullable=False),
        sa.Column("keys", sa.JSON(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("alt_text", sa.String(length=300), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "processing", "ready", "failed", name="imagestatus", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("source_key", sa.String(length=512), nullable=True),
        sa.Column("error", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["festival_id"],
            ["festivals.id"],
            name=op.f("fk_festival_artworks_festival_id_festivals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_festival_artworks")),
    )
    with op.batch_alter_table("festival_artworks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_festival_artworks_festival_id"), ["festival_id"], unique=False
        )
    # Nothing ever wrote the column: the artwork lives in festival_artworks now.
    _drop_column("festivals", "artwork_key")


def downgrade():
    with op.batch_alter_table("festivals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("artwork_key", sa.String(length=512), nullable=True))
    with op.batch_alter_table("festival_artworks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_festival_artworks_festival_id"))
    op.drop_table("festival_artworks")


def _drop_column(table: str, column: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops the column in place; a batch copy of festivals would break the foreign
        # keys of every table that points at it once the store holds data.
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    else:
        op.drop_column(table, column)
