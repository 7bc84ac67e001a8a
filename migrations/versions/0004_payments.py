"""payments: index the webhook events still waiting to be processed

Events whose order is not paid yet are kept with processed_at NULL and looked up after every
recorded payment and by a periodic job; without an index that is a scan of every event ever
received.

Revision ID: 0004_payments
Revises: 0001
Create Date: 2026-11-21 23:57:25.220477

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0004_payments"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_events_processed_at"), ["processed_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_events_processed_at"))
