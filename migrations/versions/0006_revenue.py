"""revenue: an index for studio dashboards, and an append-only ledger on PostgreSQL

Revision ID: 0006_revenue
Revises: 0001
Create Date: 2026-11-21 23:41:32.810455

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006_revenue"
down_revision = "0004_payments"
branch_labels = None
depends_on = None

INCLUDE = [
    "entry_type", "currency", "kind", "title_id", "country", "gross", "tax", "processor_fee",
    "platform_fee", "net", "settlement_currency", "settlement_net",
]  # fmt: skip
NOT_PLATFORM = "entry_type <> 'application_fee'"

# Rows may not change, with one exception: the foreign keys' ON DELETE SET NULL, which detaches
# a row from a deleted title or studio and must leave everything else as it was.
APPEND_ONLY = """
CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND (NEW.title_id IS NULL OR NEW.title_id = OLD.title_id)
       AND (NEW.studio_id IS NULL OR NEW.studio_id = OLD.studio_id)
       AND (to_jsonb(NEW) - 'title_id' - 'studio_id') = (to_jsonb(OLD) - 'title_id' - 'studio_id')
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'ledger entries are append-only (% refused)', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER ledger_entries_append_only
    BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();
"""


def upgrade():
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ledger_studio_report",
            ["studio_id", "occurred_at"],
            unique=False,
            postgresql_include=INCLUDE,
            postgresql_where=sa.text(NOT_PLATFORM),
            sqlite_where=sa.text(NOT_PLATFORM),
        )
    if op.get_context().dialect.name == "postgresql":
        op.execute(APPEND_ONLY)


def downgrade():
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER ledger_entries_append_only ON ledger_entries")
        op.execute("DROP FUNCTION ledger_entries_append_only()")
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_studio_report")
