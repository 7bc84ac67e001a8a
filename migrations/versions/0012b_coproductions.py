"""co-productions: rights holders, split rules, split snapshots on orders, holder payouts

Revision ID: 0012b_coproductions
Revises: 0015_audiences

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012b_coproductions"
down_revision = "0015_audiences"
branch_labels = None
depends_on = None


def upgrade():

    op.create_table(
        "rights_holders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["users.id"],
            name=op.f("fk_rights_holders_invited_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["studio_id"],
            ["studios.id"],
            name=op.f("fk_rights_holders_studio_id_studios"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["title_id"],
            ["titles.id"],
            name=op.f("fk_rights_holders_title_id_titles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rights_holders")),
        sa.UniqueConstraint(
            "title_id", "studio_id", name=op.f("uq_rights_holders_title_id_studio_id")
        ),
    )
    with op.batch_alter_table("rights_holders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rights_holders_studio_id"), ["studio_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_rights_holders_title_id"), ["title_id"], unique=False)

    op.create_table(
        "split_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "territory_mode",
            sa.Enum(
                "worldwide", "allow", "deny", name="territorymode", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("countries", sa.JSON(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("rent", "buy", name="offerkind", native_enum=False, length=20),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["title_id"],
            ["titles.id"],
            name=op.f("fk_split_rules_title_id_titles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_split_rules")),
    )
    with op.batch_alter_table("split_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_split_rules_title_id"), ["title_id"], unique=False)

    op.create_table(
        "split_shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=False),
        sa.Column("basis_points", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "basis_points >= 0 AND basis_points <= 10000", name=op.f("ck_split_shares_bp_range")
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["split_rules.id"],
            name=op.f("fk_split_shares_rule_id_split_rules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["studio_id"],
            ["studios.id"],
            name=op.f("fk_split_shares_studio_id_studios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_split_shares")),
        sa.UniqueConstraint("rule_id", "studio_id", name=op.f("uq_split_shares_rule_id_studio_id")),
    )
    op.create_table(
        "holder_payouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=True),
        sa.Column("title_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "transfer", "reversal", "restore", name="payoutkind", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("cause", sa.String(length=120), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "held",
                "paid",
                "failed",
                "owed",
                name="payoutstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("transfer_id", sa.String(length=255), nullable=True),
        sa.Column("reversal_id", sa.String(length=255), nullable=True),
        sa.Column("balance_transaction_id", sa.String(length=255), nullable=True),
        sa.Column("settlement_currency", sa.String(length=3), nullable=True),
        sa.Column("settlement_amount", sa.BigInteger(), nullable=True),
        sa.Column("settlement_fee", sa.BigInteger(), nullable=True),
        sa.Column("settlement_net", sa.BigInteger(), nullable=True),
        sa.Column("exchange_rate", sa.String(length=32), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("manual_note", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_holder_payouts_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["studio_id"],
            ["studios.id"],
            name=op.f("fk_holder_payouts_studio_id_studios"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["title_id"],
            ["titles.id"],
            name=op.f("fk_holder_payouts_title_id_titles"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holder_payouts")),
        sa.UniqueConstraint(
            "order_id",
            "studio_id",
            "cause",
            name=op.f("uq_holder_payouts_order_id_studio_id_cause"),
        ),
    )
    with op.batch_alter_table("holder_payouts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_holder_payouts_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_holder_payouts_status"), ["status"], unique=False)
        batch_op.create_index(
            "ix_holder_payouts_studio_time", ["studio_id", "created_at"], unique=False
        )

    op.create_table(
        "order_splits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("studio_id", sa.Integer(), nullable=True),
        sa.Column("studio_name", sa.String(length=120), nullable=False),
        sa.Column("basis_points", sa.Integer(), nullable=False),
        sa.Column("takes_remainder", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_splits_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["studio_id"],
            ["studios.id"],
            name=op.f("fk_order_splits_studio_id_studios"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_splits")),
        sa.UniqueConstraint(
            "order_id", "studio_id", name=op.f("uq_order_splits_order_id_studio_id")
        ),
    )
    with op.batch_alter_table("order_splits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_splits_order_id"), ["order_id"], unique=False)


def downgrade():

    with op.batch_alter_table("order_splits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_splits_order_id"))

    op.drop_table("order_splits")
    with op.batch_alter_table("holder_payouts", schema=None) as batch_op:
        batch_op.drop_index("ix_holder_payouts_studio_time")
        batch_op.drop_index(batch_op.f("ix_holder_payouts_status"))
        batch_op.drop_index(batch_op.f("ix_holder_payouts_order_id"))

    op.drop_table("holder_payouts")
    op.drop_table("split_shares")
    with op.batch_alter_table("split_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_split_rules_title_id"))

    op.drop_table("split_rules")
    with op.batch_alter_table("rights_holders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rights_holders_title_id"))
        batch_op.drop_index(batch_op.f("ix_rights_holders_studio_id"))

    op.drop_table("rights_holders")
