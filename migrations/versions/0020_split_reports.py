"""split reports: a co-produced sale's charge rows are the platform's, so the studio report's
partial index leaves them (and the platform's side of holders' transfers) out

Revision ID: 0020_split_reports
Revises: 0014_festivals

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020_split_reports"
down_revision = "0014_festivals"
branch_labels = None
depends_on = None

INCLUDE = [
    "entry_type", "currency", "kind", "title_id", "country", "gross", "tax", "processor_fee",
    "platform_fee", "net", "settlement_currency", "settlement_net",
]  # fmt: skip
OLD_NOT_PLATFORM = (
    "entry_type NOT IN ('application_fee', 'platform_dispute', 'platform_dispute_won')"
)
NOT_PLATFORM = (
    "entry_type NOT IN ('application_fee', 'platform_dispute', 'platform_dispute_won',"
    " 'split_sale', 'split_refund', 'platform_transfer')"
)


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
    _studio_report_index(NOT_PLATFORM)


def downgrade():
    _studio_report_index(OLD_NOT_PLATFORM)
