"""money exact: settlement amount, fee and exchange rate on every ledger row; the platform's
own dispute rows; at most one open checkout per viewer, title and kind

Revision ID: 0012_money_exact
Revises: 0017_hardening

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012_money_exact"
down_revision = "0017_hardening"
branch_labels = None
depends_on = None

INCLUDE = [
    "entry_type", "currency", "kind", "title_id", "country", "gross", "tax", "processor_fee",
    "platform_fee", "net", "settlement_currency", "settlement_net",
]  # fmt: skip
OLD_NOT_PLATFORM = "entry_type <> 'application_fee'"
NOT_PLATFORM = "entry_type NOT IN ('application_fee', 'platform_dispute', 'platform_dispute_won')"
OPEN = "status = 'pending'"


def _studio_report_index(where: str) -> None:
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_studio_report")
        batch_op.create_index(
            "ix_ledger_studio_report",
            ["studio_id", "occurred_at"],
            unique=False,
            postgresql_include=INCLUDE,
            postgresql_where=sa.text(where),
            sqlite_where=sa.text(where),
        )


def upgrade():
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("settlement_amount", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("settlement_fee", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("exchange_rate", sa.String(length=32), nullable=True))
    _studio_report_index(NOT_PLATFORM)
    # Older duplicates of an open checkout are closed (they expire anyway) so that the unique
    # index can be built; a payment that still arrives for one of them is flagged and refunded.
    op.execute(
        """
        UPDATE orders SET status = 'expired'
        WHERE status = 'pending' AND id NOT IN (
            SELECT max_id FROM (
                SELECT max(id) AS max_id FROM orders WHERE status = 'pending'
                GROUP BY user_id, title_id, kind
            ) AS newest
        )
        """
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(
            "uq_orders_open_checkout",
            ["user_id", "title_id", "kind"],
            unique=True,
            postgresql_where=sa.text(OPEN),
            sqlite_where=sa.text(OPEN),
        )


def downgrade():
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("uq_orders_open_checkout")
    _studio_report_index(OLD_NOT_PLATFORM)
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_column("exchange_rate")
        batch_op.drop_column("settlement_fee")
        batch_op.drop_column("settlement_amount")
