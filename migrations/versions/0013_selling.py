"""selling: studio preview, promo and comp codes, pre-orders, screeners, pay what you want

Revision ID: 0013_selling
Revises: 0016_languages

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013_selling"
down_revision = "0016_languages"
branch_labels = None
depends_on = None

KIND = sa.Enum("rent", "buy", name="offerkind", native_enum=False, length=20)
MODE = sa.Enum("worldwide", "allow", "deny", name="territorymode", native_enum=False, length=20)


def upgrade():
    op.create_table(
        "promotions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "discount_type",
            sa.Enum("percent", "fixed", name="discounttype", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("percent_off", sa.Integer(), nullable=True),
        sa.Column("fixed_amounts", sa.JSON(), nullable=False),
        sa.Column("kind", KIND, nullable=True),
        sa.Column("all_titles", sa.Boolean(), nullable=False),
        sa.Column("territory_mode", MODE, nullable=False),
        sa.Column("countries", sa.JSON(), nullable=False),
        sa.Column("valid_from", sa.DateTime(), nullable=True),
        sa.Column("valid_until", sa.DateTime(), nullable=True),
        sa.Column("max_uses", sa.Integer(), nullable=True),
        sa.Column("per_viewer_limit", sa.Integer(), nullable=True),
        sa.Column("batch", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "percent_off IS NULL OR (percent_off > 0 AND percent_off <= 100)",
            name=op.f("ck_promotions_percent_range"),
        ),
        sa.CheckConstraint(
            "max_uses IS NULL OR max_uses > 0", name=op.f("ck_promotions_max_uses_positive")
        ),
        sa.CheckConstraint(
            "per_viewer_limit IS NULL OR per_viewer_limit > 0",
            name=op.f("ck_promotions_per_viewer_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["studio_id"],
            ["studios.id"],
            name=op.f("fk_promotions_studio_id_studios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotions")),
    )
    with op.batch_alter_table("promotions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_promotions_studio_id"), ["studio_id"], unique=False)

    op.create_table(
        "promotion_titles",
        sa.Column("promotion_id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["promotion_id"],
            ["promotions.id"],
            name=op.f("fk_promotion_titles_promotion_id_promotions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["title_id"],
            ["titles.id"],
            name=op.f("fk_promotion_titles_title_id_titles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("promotion_id", "title_id", name=op.f("pk_promotion_titles")),
    )

    op.create_table(
        "promo_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("promotion_id", sa.Integer(), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("max_uses", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["promotion_id"],
            ["promotions.id"],
            name=op.f("fk_promo_codes_promotion_id_promotions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["studio_id"],
            ["studios.id"],
            name=op.f("fk_promo_codes_studio_id_studios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promo_codes")),
        sa.UniqueConstraint("studio_id", "code", name=op.f("uq_promo_codes_studio_id_code")),
    )
    with op.batch_alter_table("promo_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_promo_codes_promotion_id"), ["promotion_id"], unique=False
        )

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_orders_amount_positive"), type_="check")
        batch_op.create_check_constraint("amount_not_negative", "amount >= 0")
        batch_op.add_column(sa.Column("list_amount", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("discount_amount", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("promo_code_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("promo_code", sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column("preorder", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("release_at", sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_orders_promo_code_id_promo_codes"),
            "promo_codes",
            ["promo_code_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(batch_op.f("ix_orders_promo_code_id"), ["promo_code_id"])

    op.create_table(
        "promo_redemptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("promotion_id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "reserved",
                "redeemed",
                "released",
                name="redemptionstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("redeemed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["code_id"],
            ["promo_codes.id"],
            name=op.f("fk_promo_redemptions_code_id_promo_codes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_promo_redemptions_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["promotion_id"],
            ["promotions.id"],
            name=op.f("fk_promo_redemptions_promotion_id_promotions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_promo_redemptions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promo_redemptions")),
        sa.UniqueConstraint("order_id", name=op.f("uq_promo_redemptions_order_id")),
    )
    with op.batch_alter_table("promo_redemptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_promo_redemptions_code_id"), ["code_id"])
        batch_op.create_index(
            "ix_promo_redemptions_promotion_user", ["promotion_id", "user_id"], unique=False
        )

    with op.batch_alter_table("entitlements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("not_before", sa.DateTime(), nullable=True))

    with op.batch_alter_table("titles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("release_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("preorders", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table("playback_sessions", schema=None) as batch_op:
        batch_op.alter_column("entitlement_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(
            sa.Column("preview", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("promo_code", sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column("discount", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("preorder", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    op.create_table(
        "screeners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("recipient_name", sa.String(length=120), nullable=False),
        sa.Column("recipient_email", sa.String(length=254), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("max_views", sa.Integer(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("territory_mode", MODE, nullable=False),
        sa.Column("countries", sa.JSON(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("furthest_seconds", sa.Integer(), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.CheckConstraint("max_views > 0", name=op.f("ck_screeners_max_views_positive")),
        sa.ForeignKeyConstraint(
            ["studio_id"],
            ["studios.id"],
            name=op.f("fk_screeners_studio_id_studios"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["title_id"],
            ["titles.id"],
            name=op.f("fk_screeners_title_id_titles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_screeners_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screeners")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_screeners_token_hash")),
    )
    with op.batch_alter_table("screeners", schema=None) as batch_op:
        batch_op.create_index(
            "ix_screeners_studio_created", ["studio_id", "created_at"], unique=False
        )

    op.create_table(
        "screener_streams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=36), nullable=False),
        sa.Column("screener_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("links_until", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["screener_id"],
            ["screeners.id"],
            name=op.f("fk_screener_streams_screener_id_screeners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screener_streams")),
        sa.UniqueConstraint("public_id", name=op.f("uq_screener_streams_public_id")),
    )
    with op.batch_alter_table("screener_streams", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_screener_streams_screener_id"), ["screener_id"], unique=False
        )

    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pay_what_you_want", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("minimum_amount", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("offer_territories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("minimum_amount", sa.BigInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table("offer_territories", schema=None) as batch_op:
        batch_op.drop_column("minimum_amount")
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_column("minimum_amount")
        batch_op.drop_column("pay_what_you_want")
    op.drop_table("screener_streams")
    op.drop_table("screeners")
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_column("preorder")
        batch_op.drop_column("discount")
        batch_op.drop_column("promo_code")

    with op.batch_alter_table("playback_sessions", schema=None) as batch_op:
        batch_op.drop_column("preview")
        batch_op.alter_column("entitlement_id", existing_type=sa.Integer(), nullable=False)

    with op.batch_alter_table("titles", schema=None) as batch_op:
        batch_op.drop_column("preorders")
        batch_op.drop_column("release_at")

    with op.batch_alter_table("entitlements", schema=None) as batch_op:
        batch_op.drop_column("not_before")

    op.drop_table("promo_redemptions")

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_promo_code_id"))
        batch_op.drop_constraint(batch_op.f("fk_orders_promo_code_id_promo_codes"), "foreignkey")
        batch_op.drop_column("release_at")
        batch_op.drop_column("preorder")
        batch_op.drop_column("promo_code")
        batch_op.drop_column("promo_code_id")
        batch_op.drop_column("discount_amount")
        batch_op.drop_column("list_amount")
        batch_op.drop_constraint(op.f("ck_orders_amount_not_negative"), type_="check")
        batch_op.create_check_constraint("amount_positive", "amount > 0")

    op.drop_table("promo_codes")
    op.drop_table("promotion_titles")
    op.drop_table("promotions")
